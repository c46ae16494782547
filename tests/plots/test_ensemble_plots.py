"""Plots: the numbers drawn are the numbers in the data, and every CLI kind renders to PNG."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from recogsim import plots
from recogsim.config import loading
from recogsim.plots.ensemble import CONTROLLER_COLUMNS
from recogsim.runs.runner import run_ensemble
from recogsim.runs.store import EnsembleResult

HORIZON = 12
REPS = 5


def tiny(recognise_at: int | None = None) -> dict:
    """Four states, two militant groups, four posts; optionally a scheduled de jure recognition."""
    data = {
        "name": "tiny",
        "start": "2023-04",
        "horizon_months": HORIZON,
        # fast, noisy moves so five runs of a year already disagree (the bands have width)
        "rules": {
            "rate_up": 0.3,
            "rate_down": 0.2,
            "takeover_rate": 0.6,
            "thresholds": {"engaged": -0.5, "hosts_diplomats": 0.0, "de_facto": 0.4, "de_jure": 2.5},
        },
        "militants": [
            {"name": "ISK", "stance": "hostile", "strength": 0.3},
            {"name": "TTP", "stance": "allied", "strength": 0.4},
        ],
        "states": [
            {
                "name": "Alpha",
                "bloc": "neighbour",
                "level": "hosts_diplomats",
                "exposure": {"TTP": 1.0},
                "economic_interest": 0.9,
                "migration_concern": 0.9,
            },
            {"name": "Beta", "bloc": "regional", "level": "engaged", "exposure": {"ISK": 0.6}},
            {"name": "Gamma", "bloc": "western", "level": "engaged", "conditions_weight": 0.9},
            {"name": "Delta", "bloc": "other", "level": "none"},
        ],
        "missions": [
            {"name": "A embassy", "host": "Alpha", "city": "A", "kind": "embassy", "controller": "taliban"},
            {"name": "B embassy", "host": "Beta", "city": "B", "kind": "embassy"},
            {"name": "G embassy", "host": "Gamma", "city": "G", "kind": "embassy", "revenue": 0.2, "funds": 0.5},
            {"name": "D embassy", "host": "Delta", "city": "D", "kind": "embassy", "controller": "closed"},
        ],
    }
    if recognise_at is not None:
        data["events"] = [{"month": recognise_at, "kind": "relation", "state": "Alpha", "level": "de_jure"}]
    return data


@pytest.fixture(scope="module")
def plain() -> EnsembleResult:
    return run_ensemble(loading.validate(tiny()), REPS, seed=3, progress=False)


@pytest.fixture(scope="module")
def recognised() -> EnsembleResult:
    return run_ensemble(loading.validate(tiny(recognise_at=3)), REPS, seed=3, progress=False)


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


# ------------------------------------------------------------------ Kaplan–Meier
def test_kaplan_meier_hand_computed_with_censoring():
    # at 2: 5 at risk, 1 event -> 4/5; at 3: 4 at risk (the run censored at 3 still counts), 1 event
    # -> 0.8 * 3/4; at 5: 2 at risk, 1 event -> 0.6 * 1/2; the censoring at 8 adds no step
    t, s = plots.kaplan_meier([2, 3, 3, 5, 8], [1, 1, 0, 1, 0])
    np.testing.assert_array_equal(t, [0, 2, 3, 5])
    np.testing.assert_allclose(s, [1.0, 0.8, 0.6, 0.3])


def test_kaplan_meier_is_order_free_and_handles_ties_and_time_zero():
    t, s = plots.kaplan_meier([8, 5, 3, 3, 2], [0, 1, 0, 1, 1])
    np.testing.assert_allclose(s, [1.0, 0.8, 0.6, 0.3])
    t, s = plots.kaplan_meier([0, 0, 4, 4, 4, 6], [1, 0, 1, 1, 0, 1])
    np.testing.assert_array_equal(t, [0, 4, 6])
    np.testing.assert_allclose(s, [5 / 6, 5 / 6 * 2 / 4, 0.0])


def test_kaplan_meier_matches_product_limit_loop():
    rng = np.random.default_rng(7)
    times = rng.integers(0, 15, 60).astype(float)
    observed = rng.random(60) < 0.6
    t, s = plots.kaplan_meier(times, observed)
    surv, expected = 1.0, {}
    for u in sorted(set(times[observed])):
        surv *= 1 - np.sum((times == u) & observed) / np.sum(times >= u)
        expected[u] = surv
    expected.setdefault(0.0, 1.0)  # the curve starts at (0, 1) unless runs fail at time 0
    assert dict(zip(t, s, strict=True)) == pytest.approx(expected)


def test_kaplan_meier_without_events_and_bad_input():
    t, s = plots.kaplan_meier([3, 5, 12], [False, False, False])
    np.testing.assert_array_equal(t, [0])
    np.testing.assert_array_equal(s, [1])
    with pytest.raises(ValueError, match="equal length"):
        plots.kaplan_meier([1, 2], [1])
    with pytest.raises(ValueError, match="non-negative"):
        plots.kaplan_meier([-1, 2], [1, 1])


# ------------------------------------------------------------------ fan chart
def test_fan_chart_median_line_is_the_per_month_median(plain):
    ax = plots.fan_chart(plain.series, "legitimacy")
    assert isinstance(ax, Axes)
    assert len(ax.lines) == 1 and len(ax.collections) == 2  # median, 50% and 90% bands
    by_month = plain.series.groupby("month")["legitimacy"]
    expected = by_month.median()
    assert (expected != by_month.mean()).any() and (expected != by_month.quantile(0.75)).any()  # test has teeth
    np.testing.assert_array_equal(ax.lines[0].get_xdata(), expected.index)
    np.testing.assert_allclose(ax.lines[0].get_ydata(), expected.to_numpy(dtype=float))


def test_fan_chart_bands_bound_the_median(plain):
    ax = plots.fan_chart(plain.series, "legitimacy")
    outer, inner = (c.get_paths()[0].vertices[:, 1] for c in ax.collections)
    median = ax.lines[0].get_ydata()
    assert outer.min() <= inner.min() <= median.min() and median.max() <= inner.max() <= outer.max()


def test_fan_chart_overlays_scenarios_with_distinct_colours_and_dates(plain, recognised):
    ax = plots.fan_chart({"plain": plain.series, "recognised": recognised.series}, "legitimacy")
    assert len(ax.lines) == 2 and len(ax.collections) == 4
    assert ax.lines[0].get_color() != ax.lines[1].get_color()
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert any("plain" in t for t in legend) and any("recognised" in t for t in legend)
    np.testing.assert_allclose(
        ax.lines[1].get_ydata(), recognised.series.groupby("month")["legitimacy"].median().to_numpy(dtype=float)
    )
    labels = [t.get_text() for t in ax.get_xticklabels()]
    assert 2 <= len(labels) <= 7 and set(labels) <= set(plain.series["date"])


def test_fan_chart_unknown_column_names_it_and_the_choices(plain):
    with pytest.raises(ValueError, match=r"no column 'nope' in series.*available: .*legitimacy") as err:
        plots.fan_chart(plain.series, "nope")
    assert "\n" not in str(err.value)


def test_fan_chart_wants_frames_not_results(plain):
    with pytest.raises(TypeError, match="result.runs"):
        plots.fan_chart({"x": plain}, "legitimacy")


# ------------------------------------------------------------------ survival
def test_survival_without_recognition_stays_at_one(plain):
    assert plain.runs["first_recognition_month"].isna().all()
    ax = plots.survival_curve(plain.runs, HORIZON)
    (line,) = ax.lines
    np.testing.assert_array_equal(line.get_ydata(), 1.0)
    assert line.get_xdata()[-1] == HORIZON
    assert "0/5 runs (0%)" in ax.get_legend().get_texts()[0].get_text()


def test_survival_overlay_drops_at_the_recognition(plain, recognised):
    assert (recognised.runs["first_recognition_month"] == 3).all()
    ax = plots.survival_curve({"plain": plain.runs, "recognised": recognised.runs}, {"plain": 12, "recognised": 12})
    assert len(ax.lines) == 2
    rec = ax.lines[1]
    np.testing.assert_array_equal(rec.get_xdata(), [0, 3, HORIZON])
    np.testing.assert_array_equal(rec.get_ydata(), [1, 0, 0])
    texts = [t.get_text() for t in ax.get_legend().get_texts()]
    assert texts[1].startswith("recognised: 5/5 runs (100%)")


def test_survival_censors_missing_months_at_the_horizon():
    runs = pd.DataFrame({"first_recognition_month": pd.array([2, 3, None, 5, None], dtype="Int64")})
    ax = plots.survival_curve(runs, 8)
    t, s = plots.kaplan_meier([2, 3, 8, 5, 8], [1, 1, 0, 1, 0])
    np.testing.assert_allclose(ax.lines[0].get_ydata(), np.r_[s, s[-1]])
    # unlike the hand example above the third run is censored at 8, so 3 are at risk at 5
    np.testing.assert_allclose(ax.lines[0].get_ydata(), [1, 0.8, 0.6, 0.4, 0.4])
    with pytest.raises(ValueError, match="beyond the horizon"):
        plots.survival_curve(runs, 4)


# ------------------------------------------------------------------ outcome distribution
def test_outcome_distribution_one_panel_per_outcome(plain, recognised):
    axes = plots.outcome_distribution({"plain": plain.runs, "recognised": recognised.runs})
    assert isinstance(axes, np.ndarray) and len(axes) == len(plots.OUTCOMES)
    for a, column in zip(axes, plots.OUTCOMES, strict=True):
        assert len(a.patches) == 2  # one box per scenario
        assert len(a.collections) == 2  # one strip of dots per scenario
        np.testing.assert_allclose(
            np.sort(a.collections[1].get_offsets()[:, 1]), np.sort(recognised.runs[column].to_numpy(dtype=float))
        )
        assert [t.get_text() for t in a.get_xticklabels()] == ["plain", "recognised"]


def test_outcome_distribution_single_column_and_given_axes(plain):
    ax = plots.outcome_distribution(plain.runs, columns=["missions_closed"])
    assert isinstance(ax, Axes) and ax.get_title() == plots.pretty("missions_closed")
    _, mine = plt.subplots(1, 2)
    assert list(plots.outcome_distribution(plain.runs, ["legitimacy", "de_jure_count"], ax=mine)) == list(mine)
    with pytest.raises(ValueError, match="2 panel"):
        plots.outcome_distribution(plain.runs, ["legitimacy", "de_jure_count"], ax=mine[0])
    with pytest.raises(ValueError, match="'bogus'"):
        plots.outcome_distribution(plain.runs, ["bogus"])


# ------------------------------------------------------------------ state levels
def test_state_levels_probabilities_and_order():
    states = pd.DataFrame(
        {
            "replication": [0, 0, 0, 1, 1, 1],
            "state": ["A", "B", "C"] * 2,
            "max_level": ["de_jure", "none", "hosts_diplomats", "engaged", "none", "hosts_diplomats"],
        }
    )
    ax = plots.state_levels(states)
    # mean max level: A (4 + 1) / 2 = 2.5, C 2, B 0
    assert [t.get_text() for t in ax.get_yticklabels()] == ["A", "C", "B"]
    table = ax.images[0].get_array()
    np.testing.assert_allclose(table, [[1, 0.5, 0.5, 0.5], [1, 1, 0, 0], [0, 0, 0, 0]])
    assert len(ax.texts) == 12 and ax.texts[1].get_text() == "50%"


def test_state_levels_real_run_top_and_unknown_level(recognised):
    ax = plots.state_levels(recognised.states, top=2)
    assert len(ax.get_yticklabels()) == 2 and ax.get_yticklabels()[0].get_text() == "Alpha"
    assert ax.images[0].get_array()[0, -1] == 1.0  # Alpha recognises de jure in every run
    bad = recognised.states.assign(max_level="friendly")
    with pytest.raises(ValueError, match="unknown level 'friendly'"):
        plots.state_levels(bad)


# ------------------------------------------------------------------ missions
def test_missions_by_controller_stacks_three_layers(plain):
    ax = plots.missions_by_controller(plain.series, stat="mean")
    assert isinstance(ax, Axes) and len(ax.collections) == 3
    top = ax.collections[-1].get_paths()[0].vertices[:, 1]
    assert top.max() == pytest.approx(4)  # means of the parts add up to all four posts
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == list(CONTROLLER_COLUMNS.values())


def test_missions_by_controller_one_panel_per_scenario(plain, recognised):
    axes = plots.missions_by_controller({"plain": plain.series, "recognised": recognised.series})
    assert len(axes) == 2 and all(len(a.collections) == 3 for a in axes)
    assert "recognised" in axes[1].get_title()
    with pytest.raises(ValueError, match="stat"):
        plots.missions_by_controller(plain.series, stat="max")


# ------------------------------------------------------------------ registry
@pytest.mark.parametrize("kind", sorted(plots.KINDS))
def test_plot_kind_renders_every_kind(kind, plain, recognised, tmp_path):
    fig = plots.plot_kind(kind, {"plain": plain, "recognised": recognised})
    assert isinstance(fig, Figure) and fig.axes
    assert plt.get_fignums() == []  # detached: the CLI need not close it
    out = tmp_path / f"{kind}.png"
    fig.savefig(out)
    assert out.stat().st_size > 1000


def test_plot_kind_states_lines_up_panels_and_fan_takes_a_series(plain, recognised):
    fig = plots.plot_kind("states", {"plain": plain, "recognised": recognised})
    assert len(fig.axes) == 2
    rows = [a.yaxis.get_major_formatter().format_ticks(a.get_yticks()) for a in fig.axes]
    assert rows[0] == rows[1] and rows[0][0] == "Alpha"
    assert [t.get_text() for t in fig.axes[1].get_yticklabels()] == []  # names only on the first panel
    fig = plots.plot_kind("fan", {"plain": plain}, series="legitimacy")
    assert fig.axes[0].get_ylabel() == "legitimacy"
    with pytest.raises(ValueError, match="unknown plot kind 'pie'"):
        plots.plot_kind("pie", {"plain": plain})
