"""Plots: the numbers drawn are the numbers in the data, and every CLI kind renders to PNG."""

from __future__ import annotations

import matplotlib
import matplotlib.image

matplotlib.use("Agg")

import dataclasses
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
from recogsim.model import record
from recogsim.plots.common import percent
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
    # the title names the index and says what it measures (from the output record)
    assert ax.get_title().splitlines() == [plots.pretty("legitimacy"), record.describe("legitimacy").note]
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


def seen(artist) -> np.ndarray:
    """The RGB a filled artist shows on white: its colour blended by its alpha."""
    rgba = np.asarray(artist.get_facecolor(), dtype=float).reshape(-1, 4)[0]
    alpha = artist.get_alpha() if artist.get_alpha() is not None else rgba[3]
    return 1 - alpha * (1 - rgba[:3])


def test_fan_chart_legend_swatches_look_like_the_bands_they_name(plain):
    ax = plots.fan_chart(plain.series, "legitimacy")
    patches = {p.get_label(): p for p in ax.get_legend().get_patches()}
    outer, inner = sorted(filled_areas(ax), key=lambda a: a.get_alpha())  # drawn outer first, fainter
    # the outer band on white; the inner band drawn over it: both as the reader sees them
    np.testing.assert_allclose(seen(patches["middle 90% of runs"]), seen(outer))
    behind = seen(outer)
    over = 1 - inner.get_alpha()
    np.testing.assert_allclose(
        seen(patches["middle 50% of runs"]),
        over * behind + inner.get_alpha() * np.asarray(inner.get_facecolor()[0][:3]),
    )
    assert np.ptp(seen(patches["middle 50% of runs"])) > 0.1  # coloured like the band, not a grey stand-in


def test_fan_chart_gives_each_scenario_a_panel_on_a_shared_axis(plain, recognised):
    results = {"plain": plain, "recognised": recognised}
    axes = plots.fan_chart({k: r.series for k, r in results.items()}, "legitimacy")
    assert isinstance(axes, np.ndarray) and len(axes) == 2
    assert [a.get_title() for a in axes] == list(results)
    assert axes[0].figure._suptitle.get_text().startswith(plots.pretty("legitimacy"))
    assert axes[0].get_ylim() == axes[1].get_ylim()
    colours = [to_rgb(line_labelled(a, "median").get_color()) for a in axes]
    assert colours[0] != colours[1]
    for a, r, c in zip(axes, results.values(), colours, strict=True):  # each panel: its scenario, in its colour
        by_month = r.series.groupby("month")["legitimacy"]
        np.testing.assert_allclose(line_labelled(a, "median").get_ydata(), by_month.median().to_numpy(dtype=float))
        inner, outer = bands_of(a, by_month.median().index, c)
        np.testing.assert_allclose(inner, by_month.quantile([0.25, 0.75]).unstack().to_numpy())
        np.testing.assert_allclose(outer, by_month.quantile([0.05, 0.95]).unstack().to_numpy())
        for patch in a.get_legend().get_patches():  # swatches in the panel's colour, not grey
            assert np.allclose(patch.get_facecolor()[:3], c)
    dates = plain.series.drop_duplicates("month").sort_values("month")["date"].tolist()
    labels = [t.get_text() for t in axes[0].get_xticklabels()]
    assert 2 <= len(labels) <= 7 and set(labels) <= set(dates)
    assert labels[0] == dates[0] and labels == sorted(labels) and axes[0].get_xlabel() == "date"
    assert [dates.index(t) for t in labels] == list(axes[0].get_xticks())  # each date sits at its own month


def test_fan_chart_overlay_fills_inner_bands_and_outlines_outer_ones(plain, recognised):
    frames = {"plain": plain.series, "recognised": recognised.series}
    ax = plots.fan_chart(frames, "legitimacy", layout="overlay")
    assert isinstance(ax, Axes)
    for i, (k, df) in enumerate(frames.items()):
        c = f"C{i}"
        by_month = df.groupby("month")["legitimacy"]
        (area,) = filled_areas(ax, c)  # one filled band per scenario: its middle 50%
        np.testing.assert_allclose(
            vertical_extent(area, by_month.median().index), by_month.quantile([0.25, 0.75]).unstack().to_numpy()
        )
        dashed = [x for x in ax.get_lines() if x.get_linestyle() == "--" and to_rgb(x.get_color()) == to_rgb(c)]
        edges = sorted(x.get_ydata().sum() for x in dashed)
        expected = sorted(by_month.quantile(q).sum() for q in (0.05, 0.95))
        np.testing.assert_allclose(edges, expected)
        assert f"{k} (median)" in legend_texts(ax)
    with pytest.raises(ValueError, match="layout"):
        plots.fan_chart(plain.series, "legitimacy", layout="stacked")


def test_fan_chart_counts_get_whole_ticks_from_zero_and_indices_their_full_range(plain):
    ax = plots.fan_chart(plain.series, "countries_taliban_presence")
    ticks = ax.get_yticks()
    assert np.array_equal(ticks, np.round(ticks)) and ax.get_ylim()[0] == 0
    ax = plots.fan_chart(plain.series, "legitimacy")
    assert ax.get_ylim() == (0.0, 1.0) and plain.series["legitimacy"].max() < 0.9  # the whole range, not the data's
    zoomed = plots.fan_chart(plain.series, "legitimacy", full_range=False)
    assert zoomed.get_ylim()[1] < 1.0


def test_a_count_whose_median_is_always_zero_is_drawn_as_the_share_of_runs_at_one_or_more(plain):
    series = plain.series.copy()
    series["de_jure_count"] = 0
    series.loc[(series["replication"] == 1) & (series["month"] >= 4), "de_jure_count"] = 2  # 1 run in 5
    ax = plots.fan_chart(series, "de_jure_count")
    assert "share of runs with 1 or more" in ax.get_title()
    line = line_labelled(ax, "share of runs at 1 or more")
    expected = (series["de_jure_count"] >= 1).groupby(series["month"]).mean()
    np.testing.assert_allclose(line.get_ydata(), expected.to_numpy())
    assert set(np.round(line.get_ydata(), 6)) == {0.0, 0.2}
    assert ax.get_ylabel() == "share of runs" and ax.get_ylim()[0] == 0
    bands = plots.fan_chart(series, "de_jure_count", show="bands")  # asked for: the flat median it would be
    np.testing.assert_array_equal(line_labelled(bands, "median").get_ydata(), 0)


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


def test_percentages_never_round_a_rare_or_near_certain_event_away():
    assert [percent(p) for p in (0, 1 / 300, 2 / 300, 0.0004, 0.5, 299 / 300, 0.9996, 1)] == [
        "0%",
        "0.3%",
        "0.7%",
        "<0.1%",
        "50%",
        "99.7%",
        ">99.9%",
        "100%",
    ]


def test_survival_of_a_rare_recognition_says_so_and_zooms_to_show_it():
    months = pd.array([30] + [None] * 299, dtype="Int64")  # 1 run in 300 recognises, at month 30
    ax = plots.survival_curve(pd.DataFrame({"first_recognition_month": months}), 120)
    assert legend_texts(ax) == ["1/300 runs (0.3%) recognised by month 120"]
    (line,) = ax.lines
    np.testing.assert_allclose(line.get_ydata(), [1, 299 / 300, 299 / 300])
    low, high = ax.get_ylim()
    assert 0.98 <= low < 299 / 300 and high >= 1  # the step fills a visible part of the axis
    assert (1 / 300) / (high - low) > 0.2
    assert "axis starts at 99%" in ax.get_ylabel()
    labels = ax.yaxis.get_major_formatter().format_ticks(ax.get_yticks())
    assert len(set(labels)) == len(labels) and all(t.endswith("%") for t in labels)  # ticks tell apart


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


def test_state_levels_set_the_un_apart_and_say_ever_reached():
    states = pd.DataFrame(
        {
            "replication": [0, 0, 0, 1, 1, 1],
            "state": ["A", "United Nations", "B"] * 2,
            "bloc": ["neighbour", "un", "western"] * 2,
            "max_level": ["de_facto", "hosts_diplomats", "engaged", "de_jure", "engaged", "none"],
        }
    )
    ax = plots.state_levels(states)
    assert [t.get_text() for t in ax.get_yticklabels()] == ["A", "B", "", "United Nations (seat)"]
    values = ax.images[0].get_array()
    assert np.all(np.ma.getmaskarray(values)[2]) or np.all(np.isnan(np.ma.filled(values, np.nan)[2]))  # a gap row
    assert "ever reached" in ax.get_title() and "stepped back" in ax.get_title()
    # the UN's rungs above its seat do not exist: no cell text there
    cells = {(round(t.get_position()[1]), round(t.get_position()[0])) for t in ax.texts}
    assert (3, 0) in cells and (3, 1) in cells and (3, 2) not in cells and (3, 3) not in cells
    with_top = plots.state_levels(states, top=1)  # top counts states; the UN stays, apart
    assert [t.get_text() for t in with_top.get_yticklabels()] == ["A", "", "United Nations (seat)"]


def test_state_levels_cut_a_long_name_so_the_figure_keeps_its_width(tmp_path):
    name = "Republic of " + "x" * 5000
    states = pd.DataFrame({"replication": [0, 0], "state": [name, "B"], "max_level": ["engaged", "none"]})
    ax = plots.state_levels(states)
    label = ax.get_yticklabels()[0].get_text()
    assert label.startswith("Republic of x") and label.endswith("…") and len(label) <= 30
    out = tmp_path / "states.png"
    ax.figure.savefig(out, dpi=100)
    width = matplotlib.image.imread(out).shape[1]
    assert width < 1000


def test_state_levels_cells_show_one_run_in_three_hundred():
    states = pd.DataFrame({"replication": range(300), "state": "A", "max_level": ["de_jure"] + ["engaged"] * 299})
    ax = plots.state_levels(states)
    assert sorted(t.get_text() for t in ax.texts) == ["0.3%", "0.3%", "0.3%", "100%"]


# ------------------------------------------------------------------ missions
def stacked_layers(ax: Axes, months) -> dict[str, np.ndarray]:
    """Per-month (bottom, top) edges of each stacked layer, by its legend label."""
    return {a.get_label(): vertical_extent(a, months) for a in filled_areas(ax)}


def test_missions_by_controller_stacks_the_mean_posts_which_add_up_to_every_post(plain):
    ax = plots.missions_by_controller(plain.series)
    assert isinstance(ax, Axes)
    assert legend_texts(ax) == list(CONTROLLER_COLUMNS.values())
    assert ax.get_title() == f"Posts abroad, mean of {REPS} runs" and ax.get_ylabel() == "posts"
    means = plain.series.groupby("month")[list(CONTROLLER_COLUMNS)].mean()
    tops = means.cumsum(axis=1)
    layers = stacked_layers(ax, means.index)
    assert list(layers) == list(CONTROLLER_COLUMNS.values())  # bottom to top, in the legend's order
    bottom = np.zeros(len(means))
    for column, name in CONTROLLER_COLUMNS.items():  # each layer sits on the one below, as thick as its mean
        np.testing.assert_allclose(layers[name][:, 0], bottom, atol=1e-12)
        np.testing.assert_allclose(layers[name][:, 1], tops[column])
        bottom = tops[column].to_numpy()
    np.testing.assert_allclose(bottom, 4)  # the top edge is all four posts every month, never a wobble
    assert means["missions_taliban"].nunique() > 1  # the layers move, so the edges are really checked
    medians = plain.series.groupby("month")[list(CONTROLLER_COLUMNS)].median()
    assert not np.allclose(medians.cumsum(axis=1)["missions_closed"], 4) or not np.allclose(medians, means)


def test_missions_by_controller_one_panel_per_scenario(plain, recognised):
    results = {"plain": plain, "recognised": recognised}
    axes = plots.missions_by_controller({k: r.series for k, r in results.items()})
    assert [a.get_title() for a in axes] == [f"{k}: posts abroad, mean of {REPS} runs" for k in results]
    assert axes[0].get_ylim() == axes[1].get_ylim()  # a shared y axis, so the panels compare
    for a, r in zip(axes, results.values(), strict=True):
        means = r.series.groupby("month")[list(CONTROLLER_COLUMNS)].mean()
        layers = stacked_layers(a, means.index)
        for column, name in CONTROLLER_COLUMNS.items():
            np.testing.assert_allclose(layers[name][:, 1] - layers[name][:, 0], means[column])


# ------------------------------------------------------------------ registry
@pytest.mark.parametrize("kind", sorted(plots.KINDS))
def test_plot_kind_renders_every_kind(kind, plain, recognised, tmp_path):
    fig = plots.plot_kind(kind, {"plain": plain, "recognised": recognised})
    assert isinstance(fig, Figure) and fig.axes
    assert plt.get_fignums() == []  # detached: the CLI need not close it
    out = tmp_path / f"{kind}.png"
    fig.savefig(out)
    assert out.stat().st_size > 1000


def test_every_figure_says_how_many_runs_and_which_seed(plain, recognised):
    fig = plots.plot_kind("survival", {"plain": plain})
    assert fig._supxlabel.get_text().splitlines()[0] == f"{REPS} runs, root seed 3"
    fig = plots.plot_kind("fan", {"plain": plain, "recognised": recognised})
    assert fig._supxlabel.get_text().startswith(f"each scenario: {REPS} runs, root seed 3")
    other = dataclasses.replace(plain, manifest={**plain.manifest, "root_seed": 9})
    fig = plots.plot_kind("missions", {"plain": plain, "other": other})
    assert fig._supxlabel.get_text().startswith(f"plain: {REPS} runs, root seed 3; other: {REPS} runs, root seed 9")


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
