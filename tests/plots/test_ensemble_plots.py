"""Plots: the numbers drawn are the numbers in the data, and every CLI kind renders to PNG."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import re

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.axes import Axes
from matplotlib.collections import PolyCollection
from matplotlib.colors import to_rgb
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
        # fast, noisy moves so five runs of a year already disagree (the bands have width); de jure out of
        # reach of any state's utility at any plausible weights, so only the scheduled event recognises
        "rules": {
            "rate_up": 0.3,
            "rate_down": 0.2,
            "takeover_rate": 0.6,
            "thresholds": {"engaged": -0.5, "hosts_diplomats": 0.0, "de_facto": 0.4, "de_jure": 100.0},
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


# ------------------------------------------------------------------ reading a figure as a reader would
def legend_texts(ax: Axes) -> list[str]:
    return [t.get_text() for t in ax.get_legend().get_texts()]


def line_labelled(ax: Axes, label: str):
    """The one line whose legend entry is ``label``."""
    (line,) = [x for x in ax.get_lines() if x.get_label() == label]
    return line


def filled_areas(ax: Axes, colour: str | None = None) -> list[PolyCollection]:
    """The shaded areas (bands, stacked layers) on ``ax``, optionally only those drawn in ``colour``."""
    areas = [c for c in ax.collections if isinstance(c, PolyCollection)]
    if colour is not None:
        areas = [c for c in areas if np.allclose(c.get_facecolor()[0][:3], to_rgb(colour))]
    return areas


def vertical_extent(area: PolyCollection, xs) -> np.ndarray:
    """(lowest, highest) y that a shaded area covers at each x of ``xs``: one row per x."""
    v = area.get_paths()[0].vertices
    return np.array([(v[v[:, 0] == x, 1].min(), v[v[:, 0] == x, 1].max()) for x in xs])


def bands_of(ax: Axes, months, colour: str | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(inner, outer) band of a fan chart as per-month (low, high) rows; the outer is the wider."""
    inner, outer = sorted(
        (vertical_extent(a, months) for a in filled_areas(ax, colour)), key=lambda e: np.sum(e[:, 1] - e[:, 0])
    )
    return inner, outer


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
    assert legend_texts(ax) == ["median", "middle 50% of runs", "middle 90% of runs"]
    assert ax.get_title() == plots.pretty("legitimacy")
    by_month = plain.series.groupby("month")["legitimacy"]
    expected = by_month.median()
    assert (expected != by_month.mean()).any() and (expected != by_month.quantile(0.75)).any()  # test has teeth
    median = line_labelled(ax, "median")
    np.testing.assert_array_equal(median.get_xdata(), expected.index)
    np.testing.assert_allclose(median.get_ydata(), expected.to_numpy(dtype=float))


def test_fan_chart_bands_are_the_middle_50_and_90_percent_and_bound_the_median(plain):
    ax = plots.fan_chart(plain.series, "legitimacy")
    by_month = plain.series.groupby("month")["legitimacy"]
    months = by_month.median().index
    inner, outer = bands_of(ax, months)
    np.testing.assert_allclose(inner, by_month.quantile([0.25, 0.75]).unstack().to_numpy())
    np.testing.assert_allclose(outer, by_month.quantile([0.05, 0.95]).unstack().to_numpy())
    assert np.any(inner[:, 1] > inner[:, 0]) and np.any(outer[:, 1] - outer[:, 0] > inner[:, 1] - inner[:, 0])
    median = line_labelled(ax, "median").get_ydata()
    assert np.all(outer[:, 0] <= inner[:, 0]) and np.all(inner[:, 0] <= median)
    assert np.all(median <= inner[:, 1]) and np.all(inner[:, 1] <= outer[:, 1])
    assert legend_texts(plots.fan_chart(plain.series, "legitimacy", ax=plt.subplots()[1], bands=False)) == ["median"]


def test_fan_chart_overlays_scenarios_with_distinct_colours_and_dates(plain, recognised):
    results = {"plain": plain, "recognised": recognised}
    ax = plots.fan_chart({k: r.series for k, r in results.items()}, "legitimacy")
    assert legend_texts(ax) == ["plain (median)", "recognised (median)", "middle 50% of runs", "middle 90% of runs"]
    lines = {k: line_labelled(ax, f"{k} (median)") for k in results}
    assert to_rgb(lines["plain"].get_color()) != to_rgb(lines["recognised"].get_color())
    for k, r in results.items():  # each scenario: its median, and its bands in its own colour
        by_month = r.series.groupby("month")["legitimacy"]
        np.testing.assert_allclose(lines[k].get_ydata(), by_month.median().to_numpy(dtype=float))
        inner, outer = bands_of(ax, by_month.median().index, lines[k].get_color())
        np.testing.assert_allclose(inner, by_month.quantile([0.25, 0.75]).unstack().to_numpy())
        np.testing.assert_allclose(outer, by_month.quantile([0.05, 0.95]).unstack().to_numpy())
    assert not np.allclose(lines["plain"].get_ydata(), lines["recognised"].get_ydata())  # two different curves
    dates = plain.series.drop_duplicates("month").sort_values("month")["date"].tolist()
    labels = [t.get_text() for t in ax.get_xticklabels()]
    assert 2 <= len(labels) <= 7 and set(labels) <= set(dates)
    assert labels[0] == dates[0] and labels == sorted(labels) and ax.get_xlabel() == "date"
    assert [dates.index(t) for t in labels] == list(ax.get_xticks())  # each date sits at its own month


def test_fan_chart_unknown_column_names_it_and_the_choices(plain):
    with pytest.raises(ValueError, match=r"no column 'nope' in series.*available: .*legitimacy") as err:
        plots.fan_chart(plain.series, "nope")
    assert "\n" not in str(err.value)


def test_fan_chart_wants_frames_not_results(plain):
    with pytest.raises(TypeError, match=re.escape("(pass result.runs / .series / .states)")):
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
    texts = legend_texts(ax)
    assert texts == [
        f"plain: 0/{REPS} runs (0%) recognised by month {HORIZON}",
        f"recognised: {REPS}/{REPS} runs (100%) recognised by month {HORIZON}",
    ]
    np.testing.assert_array_equal(line_labelled(ax, texts[0]).get_ydata(), 1.0)
    rec = line_labelled(ax, texts[1])
    np.testing.assert_array_equal(rec.get_xdata(), [0, 3, HORIZON])
    np.testing.assert_array_equal(rec.get_ydata(), [1, 0, 0])


def test_survival_censors_missing_months_at_the_horizon():
    runs = pd.DataFrame({"first_recognition_month": pd.array([2, 3, None, 5, None], dtype="Int64")})
    ax = plots.survival_curve(runs, 8)
    t, s = plots.kaplan_meier([2, 3, 8, 5, 8], [1, 1, 0, 1, 0])
    (line,) = ax.lines
    np.testing.assert_allclose(line.get_xdata(), np.r_[t, 8])
    np.testing.assert_allclose(line.get_ydata(), np.r_[s, s[-1]])
    # unlike the hand example above the third run is censored at 8, so 3 are at risk at 5
    np.testing.assert_allclose(line.get_ydata(), [1, 0.8, 0.6, 0.4, 0.4])
    with pytest.raises(ValueError, match="beyond the horizon"):
        plots.survival_curve(runs, 4)


# ------------------------------------------------------------------ outcome distribution
def boxes(ax: Axes) -> np.ndarray:
    """(x centre, lower edge, upper edge) of each box, left to right."""
    edges = []
    for p in ax.patches:
        v = p.get_path().vertices
        edges.append(((v[:, 0].min() + v[:, 0].max()) / 2, v[:, 1].min(), v[:, 1].max()))
    return np.array(sorted(edges))


def dots_over(ax: Axes, x: float, half_width: float = 0.3) -> np.ndarray:
    """The y of every dot drawn within ``half_width`` of ``x``, sorted."""
    offsets = np.concatenate([c.get_offsets() for c in ax.collections])
    return np.sort(offsets[np.abs(offsets[:, 0] - x) <= half_width, 1])


def test_outcome_distribution_one_panel_per_outcome(plain, recognised):
    # the two tiny ensembles end with the same outcomes, so a third, made-up scenario with other values
    # shows whether each scenario's box and dots are its own
    spread = pd.DataFrame({c: np.array([0, 1, 1, 2, 3, 5, 8, 13]) + i for i, c in enumerate(plots.OUTCOMES)})
    frames = {"plain": plain.runs, "recognised": recognised.runs, "spread": spread}
    axes = plots.outcome_distribution(frames)
    assert isinstance(axes, np.ndarray)
    assert [a.get_title() for a in axes] == [plots.pretty(c) for c in plots.OUTCOMES]
    for a, column in zip(axes, plots.OUTCOMES, strict=True):
        assert [t.get_text() for t in a.get_xticklabels()] == list(frames)
        drawn = boxes(a)
        assert len(drawn) == len(frames)  # one box per scenario
        np.testing.assert_allclose(a.get_xticks(), drawn[:, 0])  # each box above its scenario's name
        for i, runs in enumerate(frames.values()):
            values = runs[column].to_numpy(dtype=float)
            np.testing.assert_allclose(drawn[i, 1:], np.percentile(values, [25, 75]))  # the box spans the quartiles
            np.testing.assert_allclose(dots_over(a, drawn[i, 0]), np.sort(values))  # and every run is a dot over it


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
    expected = np.array([[1, 0.5, 0.5, 0.5], [1, 1, 0, 0], [0, 0, 0, 0]])
    np.testing.assert_allclose(ax.images[0].get_array(), expected)
    # every cell is written out as a percentage, at its row (state) and column (level)
    cells = {(round(t.get_position()[1]), round(t.get_position()[0])): t.get_text() for t in ax.texts}
    assert cells == {(r, c): f"{p:.0%}" for (r, c), p in np.ndenumerate(expected)}
    assert [t.get_text() for t in ax.get_xticklabels()] == ["engaged", "hosts\ndiplomats", "de facto", "de jure"]


def test_state_levels_real_run_top_and_unknown_level(recognised):
    ax = plots.state_levels(recognised.states, top=2)
    assert len(ax.get_yticklabels()) == 2 and ax.get_yticklabels()[0].get_text() == "Alpha"
    assert ax.images[0].get_array()[0, -1] == 1.0  # Alpha recognises de jure in every run
    bad = recognised.states.assign(max_level="friendly")
    with pytest.raises(ValueError, match="unknown level 'friendly'"):
        plots.state_levels(bad)


# ------------------------------------------------------------------ missions
def stacked_layers(ax: Axes, months) -> dict[str, np.ndarray]:
    """Per-month (bottom, top) edges of each stacked layer, by its legend label."""
    return {a.get_label(): vertical_extent(a, months) for a in filled_areas(ax)}


def test_missions_by_controller_stacks_three_layers(plain):
    ax = plots.missions_by_controller(plain.series, stat="mean")
    assert isinstance(ax, Axes)
    assert legend_texts(ax) == list(CONTROLLER_COLUMNS.values())
    assert ax.get_title() == "Posts abroad (mean of runs)" and ax.get_ylabel() == "posts"
    means = plain.series.groupby("month")[list(CONTROLLER_COLUMNS)].mean()
    tops = means.cumsum(axis=1)
    layers = stacked_layers(ax, means.index)
    assert list(layers) == list(CONTROLLER_COLUMNS.values())  # bottom to top, in the legend's order
    bottom = np.zeros(len(means))
    for column, name in CONTROLLER_COLUMNS.items():  # each layer sits on the one below, as thick as its mean
        np.testing.assert_allclose(layers[name][:, 0], bottom, atol=1e-12)
        np.testing.assert_allclose(layers[name][:, 1], tops[column])
        bottom = tops[column].to_numpy()
    np.testing.assert_allclose(bottom, 4)  # means of the parts add up to all four posts every month
    assert means["missions_taliban"].nunique() > 1  # the layers move, so the edges are really checked


def test_missions_by_controller_one_panel_per_scenario(plain, recognised):
    results = {"plain": plain, "recognised": recognised}
    axes = plots.missions_by_controller({k: r.series for k, r in results.items()})
    assert [a.get_title() for a in axes] == [f"{k}: posts abroad (median of runs)" for k in results]
    assert axes[0].get_ylim() == axes[1].get_ylim()  # a shared y axis, so the panels compare
    for a, r in zip(axes, results.values(), strict=True):
        medians = r.series.groupby("month")[list(CONTROLLER_COLUMNS)].median()
        layers = stacked_layers(a, medians.index)
        for column, name in CONTROLLER_COLUMNS.items():
            np.testing.assert_allclose(layers[name][:, 1] - layers[name][:, 0], medians[column])
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
    assert sorted(rows[0]) == sorted(set(plain.states["state"]) | set(recognised.states["state"]))  # every state
    assert [t.get_text() for t in fig.axes[1].get_yticklabels()] == []  # names only on the first panel
    fig = plots.plot_kind("fan", {"plain": plain}, series="legitimacy")
    assert fig.axes[0].get_ylabel() == "share of the top rung"
    with pytest.raises(ValueError, match="unknown plot kind 'pie'"):
        plots.plot_kind("pie", {"plain": plain})
