"""Discovery figures draw the numbers PRIM and CART found: the chosen box on the trajectory, its
limits on each input's range, and the runs with the box; each takes ``ax`` and returns it."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.patches import Rectangle

from recogsim.analysis import boxes
from recogsim.plots import discovery as dplots


@pytest.fixture(scope="module")
def found() -> boxes.Discovery:
    rng = np.random.default_rng(1)
    x = pd.DataFrame(rng.random((600, 12)), columns=[f"x{i}" for i in range(12)])
    y = ((x["x0"] > 0.6) & (x["x3"] < 0.5)).to_numpy()
    return boxes.prim(x, y, "x0 > 0.6 and x3 < 0.5", seed=2)


def test_each_figure_draws_on_the_axes_it_is_given(found):
    for draw in (dplots.trajectory, dplots.limits, dplots.scatter):
        _, ax = plt.subplots()
        assert draw(found, ax=ax) is ax
        plt.close(ax.figure)


def test_the_trajectory_marks_the_chosen_box(found):
    ax = dplots.trajectory(found)
    marked = [c for c in ax.collections if c.get_offsets().shape[0] == 1]
    assert marked and np.allclose(marked[-1].get_offsets()[0], [found.box.coverage, found.box.density])
    assert "600 runs" in ax.get_title()
    plt.close(ax.figure)


def test_limits_show_the_restricted_inputs_and_count_the_rest(found):
    ax = dplots.limits(found)
    shown = [t.get_text() for t in ax.get_yticklabels()]
    assert set(shown) == set(found.box.restricted) == {"x0", "x3"}
    assert f"{12 - len(shown)} more inputs, not restricted" in ax.get_xlabel()
    plt.close(ax.figure)


def test_scatter_draws_the_box_on_the_two_most_restricted_inputs(found):
    ax = dplots.scatter(found)
    assert {ax.get_xlabel(), ax.get_ylabel()} == {"x0", "x3"}
    (box,) = [p for p in ax.patches if isinstance(p, Rectangle)]
    lim = found.box.limits.set_index("parameter")
    assert box.get_x() == pytest.approx(lim.loc[ax.get_xlabel(), "lower"])
    assert box.get_width() == pytest.approx(lim.loc[ax.get_xlabel(), "upper"] - lim.loc[ax.get_xlabel(), "lower"])
    plt.close(ax.figure)


def test_runs_sharing_a_point_are_one_marker_coloured_by_share():
    x = pd.DataFrame({"a": np.repeat(np.linspace(0, 1, 20), 5), "b": np.tile(np.repeat(np.linspace(0, 1, 4), 5), 5)})
    y = (x["a"] > 0.5).to_numpy() & (np.arange(100) % 5 != 0)
    found = boxes.prim(x, y, "a > 0.5", seed=1)
    ax = dplots.scatter(found)
    (dots,) = ax.collections
    assert len(dots.get_offsets()) == len(x.drop_duplicates())
    assert "marker area" in ax.get_title()
    plt.close(ax.figure)
