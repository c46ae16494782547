"""Sweep plots: the numbers drawn are the sweep's numbers, and every CLI sweep kind renders to PNG."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import re
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.collections import PathCollection, PolyCollection
from matplotlib.figure import Figure

from recogsim import plots
from recogsim.analysis import sweeps as analysis
from recogsim.config import experiment
from recogsim.errors import InputError
from recogsim.runs import store
from recogsim.runs.runner import run_sweep

TINY = Path(__file__).resolve().parents[1] / "data" / "tiny.yaml"
# rules.w_economic is what makes the tiny scenario recognise within its 12 months (P goes 0 -> 1)
RANGES = """
  - {path: rules.w_economic, range: [0.0, 8.0]}
  - {path: taliban.crackdown, range: [0.0, 1.0]}
  - {path: rules.w_conditions, range: [0.0, 6.0]}
"""
DESIGNS = {
    "grid": "design: {kind: grid}\nparameters:\n  - {path: rules.w_economic, values: [0.6, 3.0, 6.0]}\n"
    "  - {path: rules.w_conditions, values: [0.5, 2.5]}\n",
    "grid3": "design: {kind: grid}\nparameters:\n  - {path: rules.w_economic, values: [0.6, 6.0]}\n"
    "  - {path: rules.w_conditions, values: [0.5, 2.5]}\n  - {path: taliban.crackdown, values: [0.1, 0.9]}\n",
    "one": "design: {kind: grid}\nparameters:\n  - {path: rules.w_economic, values: [0.6, 3.0, 6.0]}\n",
    "lhs": "design: {kind: lhs, samples: 8}\nparameters:" + RANGES,
    "sobol": "design: {kind: sobol, samples: 8, second_order: true}\nparameters:" + RANGES,
    "lhs4": "design: {kind: lhs, samples: 10}\nparameters:"
    + RANGES
    + "  - {path: rules.w_security, range: [0.0, 4.0]}\n",
    "morris": "design: {kind: morris, trajectories: 4, levels: 4}\nparameters:" + RANGES,
    "text": "design: {kind: grid}\nparameters:\n  - {path: taliban.mode, values: [fixed, adaptive]}\n",
}
OUTCOME = "missions_taliban"  # a count that varies within and across points


@pytest.fixture(scope="module")
def sweeps(tmp_path_factory) -> dict[str, store.SweepResult]:
    """Every design run once for the module: 4 replications of the 12-month tiny scenario."""
    root = tmp_path_factory.mktemp("sweeps")
    # the tiny scenario with its ladder low enough to be climbed in 12 months
    scenario = root / "tiny_low.yaml"
    scenario.write_text(
        f"extends: {TINY.resolve()}\nname: tiny_low\n"
        "rules: {thresholds: {engaged: 0.0, hosts_diplomats: 0.3, de_facto: 2.8, de_jure: 3.6}}\n"
    )
    out = {}
    for name, body in DESIGNS.items():
        path = root / f"{name}.yaml"
        path.write_text(f"name: {name}\nscenario: {scenario}\nreplications: 4\nseed: 3\n{body}")
        run_sweep(experiment.load(path), root / name, workers=1, progress=False)
        out[name] = store.load_sweep(root / name)
    return out


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def point_means(result: store.SweepResult, outcome: str) -> pd.Series:
    return analysis.outcome_values(result, outcome).groupby(result.runs["point"]).mean()


def legend_texts(ax) -> list[str]:
    return [t.get_text() for t in ax.get_legend().get_texts()]


def labelled(artists, label: str):
    """The one artist (line, bar set, area) whose legend entry is ``label``."""
    (artist,) = [a for a in artists if a.get_label() == label]
    return artist


def vertical_extent(area: PolyCollection, xs) -> np.ndarray:
    """(lowest, highest) y that a shaded area covers at each x of ``xs``: one row per x."""
    v = area.get_paths()[0].vertices
    return np.array([(v[np.isclose(v[:, 0], x), 1].min(), v[np.isclose(v[:, 0], x), 1].max()) for x in xs])


def wilson90(k: float, n: int) -> tuple[float, float]:
    """The 90% Wilson score interval of k successes in n trials, written out from its textbook formula."""
    z, p = 1.6448536, k / n
    centre = (p + z**2 / (2 * n)) / (1 + z**2 / n)
    half = z / (1 + z**2 / n) * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2))
    return centre - half, centre + half


def errorbar_ends(container) -> np.ndarray:
    """(left, right) end of each of a bar container's horizontal error bars."""
    return np.array([(s[0][0], s[1][0]) for s in container.errorbar.lines[2][0].get_segments()])


def errorbar_halves(container) -> np.ndarray:
    """Half-lengths of a bar container's horizontal error bars."""
    segments = container.errorbar.lines[2][0].get_segments()
    return np.array([(s[1][0] - s[0][0]) / 2 for s in segments])


def test_the_sweep_data_vary(sweeps):
    # guard: the plots below are only tested meaningfully if recognition is neither never nor always
    p = analysis.summarize(sweeps["grid"])["p_recognition"]
    assert p.min() < p.max()
    assert point_means(sweeps["grid"], OUTCOME).nunique() > 2  # and the count outcome differs between points


# --------------------------------------------------------------------------------------------
# heatmap
# --------------------------------------------------------------------------------------------
def test_heatmap_cells_are_the_summary_pivot(sweeps):
    summary = analysis.summarize(sweeps["grid"])
    ax = plots.sweep_heatmap(summary, "rules.w_economic", "rules.w_conditions")
    expected = summary.pivot(index="rules.w_conditions", columns="rules.w_economic", values="p_recognition")
    np.testing.assert_allclose(np.asarray(ax.images[0].get_array()), expected.to_numpy())
    texts = sorted(t.get_text() for t in ax.texts)
    assert texts == sorted(f"{v:.0%}" for v in expected.to_numpy().ravel())
    assert [t.get_text() for t in ax.get_xticklabels()] == ["0.6", "3", "6"]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["0.5", "2.5"]
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("rules.w_economic", "rules.w_conditions")
    assert ax.images[0].get_clim() == (0.0, 1.0)  # probabilities on a fixed scale


def test_heatmap_averages_points_sharing_a_cell_and_says_so(sweeps):
    summary = analysis.summarize(sweeps["grid3"])
    ax = plots.sweep_heatmap(summary, "rules.w_conditions", "taliban.crackdown", value=f"mean_{OUTCOME}")
    expected = summary.pivot_table(
        index="taliban.crackdown", columns="rules.w_conditions", values=f"mean_{OUTCOME}", aggfunc="mean"
    )
    np.testing.assert_allclose(np.asarray(ax.images[0].get_array()), expected.to_numpy())
    assert "averages 2 points" in ax.get_title()


@pytest.mark.parametrize("design", ["lhs", "sobol", "morris"])
def test_heatmap_of_scattered_points_is_a_scatter_of_cell_means(sweeps, design):
    summary = analysis.summarize(sweeps[design])
    x, y = "rules.w_economic", "taliban.crackdown"
    ax = plots.sweep_heatmap(summary, x, y)
    assert not ax.images
    dots = next(c for c in ax.collections if isinstance(c, PathCollection))
    expected = summary.groupby([x, y])["p_recognition"].mean().reset_index()
    np.testing.assert_allclose(dots.get_offsets(), expected[[x, y]].to_numpy())
    np.testing.assert_allclose(dots.get_array(), expected["p_recognition"])
    sizes = summary.groupby([x, y]).size()
    title = ax.get_title()
    if sizes.max() == 1:
        assert title.endswith("scattered design: one dot per point")
    else:  # the title says the dots are averages, and of how many points
        up_to = "up to " if sizes.min() < sizes.max() else ""
        assert title.endswith(f"each dot averages {up_to}{sizes.max()} points over the other parameters")


@pytest.mark.parametrize("column", ["x", "y", "value"])
def test_heatmap_missing_column_is_a_one_line_error_naming_it(sweeps, column):
    summary = analysis.summarize(sweeps["grid"])
    args = {"x": "rules.w_economic", "y": "rules.w_conditions", "value": "p_recognition", column: "nope"}
    with pytest.raises(ValueError, match=r"no column 'nope' in the sweep summary; available: point, ") as err:
        plots.sweep_heatmap(summary, **args)
    assert "\n" not in str(err.value) and "p_recognition" in str(err.value)


def test_heatmap_of_a_one_parameter_sweep_is_refused(sweeps):
    with pytest.raises(ValueError, match=r"needs two swept parameters.*only 'rules\.w_economic'") as err:
        plots.plot_sweep_kind("heatmap", sweeps["one"])
    assert isinstance(err.value, InputError)  # so the CLI prints one line


# --------------------------------------------------------------------------------------------
# response
# --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("outcome", [OUTCOME, "recognized"])
def test_response_line_is_the_per_point_means(sweeps, outcome):
    result = sweeps["one"]
    ax = plots.sweep_response(result, "rules.w_economic", outcome)
    binary = outcome == "recognized"
    band_label = "90% interval of the probability" if binary else "5-95% of runs"
    assert legend_texts(ax) == [band_label, "design points (mean of runs)", "mean over points"]
    line = labelled(ax.get_lines(), "mean over points")
    x = result.points.set_index("point")["rules.w_economic"]
    means = point_means(result, outcome)
    np.testing.assert_allclose(line.get_xdata(), x.sort_values())
    np.testing.assert_allclose(line.get_ydata(), means[x.sort_values().index])
    # the band is the spread of the runs at each value: 5-95% of them, or the 90% interval of a probability
    band = vertical_extent(labelled(ax.collections, band_label), line.get_xdata())
    runs = analysis.outcome_values(result, outcome).groupby(result.runs["point"].map(x))
    if binary:
        expected = np.array([wilson90(v.sum(), len(v)) for _, v in runs])
    else:
        expected = runs.quantile([0.05, 0.95]).unstack().to_numpy()
    np.testing.assert_allclose(band, expected, rtol=1e-3)  # the interval is printed with z = 1.645
    assert np.all(band[:, 0] <= line.get_ydata()) and np.all(line.get_ydata() <= band[:, 1])
    assert np.any(band[:, 1] > band[:, 0])
    if binary:
        assert band.min() >= 0 and band.max() <= 1
    assert ax.get_xlabel() == "rules.w_economic"


def test_response_averages_over_the_other_parameters_of_a_grid(sweeps):
    result = sweeps["grid"]
    ax = plots.sweep_response(result, "rules.w_conditions", OUTCOME)
    means = point_means(result, OUTCOME)
    expected = means.groupby(result.points.set_index("point")["rules.w_conditions"]).mean()
    line = labelled(ax.get_lines(), "mean over points")
    np.testing.assert_allclose(line.get_xdata(), expected.index)
    np.testing.assert_allclose(line.get_ydata(), expected)


def test_response_bins_scattered_points_into_quantiles(sweeps):
    result = sweeps["sobol"]
    ax = plots.sweep_response(result, "taliban.crackdown", OUTCOME)
    x = result.points.set_index("point")["taliban.crackdown"]
    means = point_means(result, OUTCOME)
    bins = pd.qcut(x, 10, duplicates="drop")
    expected = pd.DataFrame({"x": x, "y": means}).groupby(bins, observed=True).mean()
    label = f"mean over points ({len(expected)} quantile bins)"
    assert x.nunique() > 10 and legend_texts(ax)[-1] == label
    line = labelled(ax.get_lines(), label)
    np.testing.assert_allclose(line.get_xdata(), expected["x"])
    np.testing.assert_allclose(line.get_ydata(), expected["y"])


def test_response_unknown_parameter_names_the_parameters(sweeps):
    with pytest.raises(ValueError, match=r"no column 'taliban\.lobbying'.*rules\.w_economic"):
        plots.sweep_response(sweeps["grid"], "taliban.lobbying", OUTCOME)


# --------------------------------------------------------------------------------------------
# sensitivity
# --------------------------------------------------------------------------------------------
def test_sobol_bars_are_the_indices_with_their_intervals(sweeps):
    indices = analysis.sensitivity(sweeps["sobol"], "sobol", "recognized")
    assert indices["S2"].notna().any()  # second-order rows present, and skipped below
    ax = plots.sensitivity_bars(indices, outcome="recognized")
    first = indices[indices["S2"].isna()].sort_values("ST")
    assert legend_texts(ax) == ["S1 (first order)", "ST (total)"]
    s1, st = (labelled(ax.containers, name) for name in ("S1 (first order)", "ST (total)"))
    for bars, index in ((s1, "S1"), (st, "ST")):  # shares of variance: bars and intervals clipped to [0, 1]
        v, c = first[index].to_numpy(), first[f"{index}_conf"].to_numpy()
        np.testing.assert_allclose([b.get_width() for b in bars], np.clip(v, 0, 1))
        np.testing.assert_allclose(errorbar_ends(bars), np.c_[np.clip(v - c, 0, 1), np.clip(v + c, 0, 1)])
    assert ((first["S1"] < 0) | (first["ST"] + first["ST_conf"] > 1)).any()  # the clipping is exercised
    assert ax.get_xlim() == (0.0, 1.0)
    # 8 base samples cannot separate these parameters, and the figure says so
    assert "warning" in ax.get_title() and "N too small" in ax.get_title()
    assert [t.get_text() for t in ax.get_yticklabels()] == list(first["parameter"])  # largest ST on top
    for bar_set in (s1, st):  # each parameter's bars sit at its own label
        centres = [b.get_y() + b.get_height() / 2 for b in bar_set]
        np.testing.assert_allclose(np.round(centres), ax.get_yticks())


def test_sobol_bars_of_tight_intervals_carry_no_warning():
    indices = pd.DataFrame(
        {
            "parameter": ["a", "b"],
            "S1": [0.6, 0.1],
            "S1_conf": [0.03, 0.02],
            "ST": [0.7, 0.15],
            "ST_conf": [0.04, 0.03],
        }
    )
    ax = plots.sensitivity_bars(indices)
    assert "warning" not in ax.get_title() and ax.get_title() == "Sobol' indices"
    wide = plots.sensitivity_bars(indices.assign(ST_conf=[0.3, 0.25]))
    assert "intervals are wide (mean ±0.28)" in wide.get_title()


def test_morris_bars_are_mu_star_with_sigma_markers(sweeps):
    indices = analysis.sensitivity(sweeps["morris"], None, OUTCOME)
    ax = plots.sensitivity_bars(indices)
    table = indices.sort_values("mu_star")
    assert sorted(legend_texts(ax)) == ["mu* (mean |effect|)", "sigma (interactions, non-linearity)"]
    mu_star = labelled(ax.containers, "mu* (mean |effect|)")
    np.testing.assert_allclose([b.get_width() for b in mu_star], table["mu_star"])
    np.testing.assert_allclose(errorbar_halves(mu_star), table["mu_star_conf"])
    sigma = labelled(ax.get_lines(), "sigma (interactions, non-linearity)")
    np.testing.assert_allclose(sigma.get_ydata(), ax.get_yticks())  # each marker on its parameter's row
    np.testing.assert_allclose(sigma.get_xdata(), table["sigma"])
    assert [t.get_text() for t in ax.get_yticklabels()] == list(table["parameter"])


def test_sensitivity_bars_refuse_other_tables():
    with pytest.raises(ValueError, match=r"expected Sobol' .* or Morris .*; got columns parameter, mu$"):
        plots.sensitivity_bars(pd.DataFrame({"parameter": ["a"], "mu": [1.0]}))


def test_sensitivity_of_a_grid_sweep_propagates_the_analysis_error(sweeps):
    with pytest.raises(InputError, match="sobol or morris"):
        plots.plot_sweep_kind("sensitivity", sweeps["grid"])


# --------------------------------------------------------------------------------------------
# distributions by point
# --------------------------------------------------------------------------------------------
def by_point(result: store.SweepResult) -> pd.core.groupby.SeriesGroupBy:
    return analysis.outcome_values(result, OUTCOME).groupby(result.runs["point"])


def box_quartiles(ax) -> np.ndarray:
    """(lower, upper) edge of each box, left to right."""
    boxes = sorted(ax.patches, key=lambda p: p.get_path().vertices[:, 0].mean())
    return np.array([(p.get_path().vertices[:, 1].min(), p.get_path().vertices[:, 1].max()) for p in boxes])


def mean_diamonds(ax) -> np.ndarray:
    """(x, y) of every diamond marker (the means), left to right."""
    xy = [(x, y) for line in ax.get_lines() if line.get_marker() == "D" for x, y in line.get_xydata()]
    return np.array(sorted(xy))


def points_of(result: store.SweepResult, ax) -> list[int]:
    """The design point each tick names, read back from its label of parameter values."""
    table = result.points.set_index("point")
    names = {c: c.rsplit(".", 1)[-1] for c in table.columns}
    by_label = {", ".join(f"{names[c]} {v:.3g}" for c, v in row.items()): p for p, row in table.iterrows()}
    assert len(by_label) == len(table)  # every label names one point
    return [by_label[t.get_text()] for t in ax.get_xticklabels()]


def test_points_are_labelled_by_their_parameter_values(sweeps):
    result = sweeps["grid"]
    ax = plots.point_distributions(result, OUTCOME)
    labels = [t.get_text() for t in ax.get_xticklabels()]
    assert all(re.fullmatch(r"w_economic [\d.]+, w_conditions [\d.]+", t) for t in labels)
    assert "w_economic, w_conditions" in ax.get_xlabel()


def test_a_large_design_names_the_parameters_that_go_with_the_outcome(sweeps):
    result = sweeps["lhs4"]
    ax = plots.point_distributions(result, OUTCOME)
    means = by_point(result).mean()
    table = result.points.set_index("point")
    rho = {c: abs(table[c].corr(means, method="spearman")) for c in table.columns}
    top = [c.rsplit(".", 1)[-1] for c in sorted(rho, key=lambda c: -rho[c])[:2]]
    assert f"by {top[0]}, {top[1]} (of 4 parameters" in ax.get_xlabel()
    labels = [t.get_text() for t in ax.get_xticklabels()]
    assert labels and all(re.fullmatch(rf"{top[0]} [-\d.e]+, {top[1]} [-\d.e]+", t) for t in labels)


def test_one_box_per_point_ordered_by_median(sweeps):
    result = sweeps["grid"]
    ax = plots.point_distributions(result, OUTCOME)
    values = by_point(result)
    order = pd.DataFrame({"m": values.median(), "a": values.mean()}).sort_values(["m", "a"]).index
    assert len(ax.patches) == len(result.points)
    shown = points_of(result, ax)
    assert shown == list(order)
    np.testing.assert_allclose(box_quartiles(ax), values.quantile([0.25, 0.75]).unstack().loc[shown])
    diamonds = mean_diamonds(ax)  # one mean per box, at its position
    np.testing.assert_allclose(diamonds[:, 0], ax.get_xticks())
    np.testing.assert_allclose(diamonds[:, 1], values.mean()[shown])
    assert f"all {len(result.points)} points" in ax.get_title()


def test_many_points_show_an_evenly_spaced_subset_and_say_so(sweeps):
    result = sweeps["sobol"]
    n = len(result.points)
    ax = plots.point_distributions(result, OUTCOME, max_points=7)
    assert len(ax.patches) == 7 and len(ax.get_xticklabels()) == 7
    assert f"7 of {n} points, evenly spaced" in ax.get_title()
    values = by_point(result)
    order = list(pd.DataFrame({"m": values.median(), "a": values.mean()}).sort_values(["m", "a"]).index)
    shown = points_of(result, ax)
    assert shown[0] == order[0] and shown[-1] == order[-1]
    assert [order.index(p) for p in shown] == sorted(order.index(p) for p in shown)
    for limit, which in ((n, f"all {n} points"), (n - 1, f"{n - 1} of {n} points")):  # a subset only beyond max
        ax = plots.point_distributions(result, OUTCOME, max_points=limit)
        assert len(ax.patches) == len(ax.get_xticklabels()) == limit and which in ax.get_title()


def test_unknown_outcome_is_an_input_error(sweeps):
    with pytest.raises(InputError, match="unknown or non-numeric outcome 'nope'"):
        plots.point_distributions(sweeps["grid"], "nope")


# --------------------------------------------------------------------------------------------
# CLI registry
# --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("kind", sorted(plots.SWEEP_KINDS))
@pytest.mark.parametrize("outcome", ["recognized", OUTCOME])
def test_every_sweep_kind_renders_to_png(sweeps, kind, outcome, tmp_path):
    before = plt.get_fignums()
    fig = plots.plot_sweep_kind(kind, sweeps["sobol"], outcome=outcome)
    assert isinstance(fig, Figure) and plt.get_fignums() == before  # detached from pyplot
    path = tmp_path / f"{kind}.png"
    fig.savefig(path)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and path.stat().st_size > 5000


def test_sweep_kind_parameters_default_and_can_be_chosen(sweeps):
    fig = plots.plot_sweep_kind("heatmap", sweeps["grid3"], outcome=OUTCOME)
    assert (fig.axes[0].get_xlabel(), fig.axes[0].get_ylabel()) == ("rules.w_economic", "rules.w_conditions")
    fig = plots.plot_sweep_kind("heatmap", sweeps["grid3"], y="rules.w_economic")
    assert (fig.axes[0].get_xlabel(), fig.axes[0].get_ylabel()) == ("rules.w_conditions", "rules.w_economic")
    fig = plots.plot_sweep_kind("response", sweeps["grid3"], x="taliban.crackdown")
    assert fig.axes[0].get_xlabel() == "taliban.crackdown"


def test_sweep_kind_bad_arguments_are_one_line_errors(sweeps):
    with pytest.raises(
        InputError, match=re.escape("--x: no parameter 'nope' in this sweep; it varies rules.w_economic")
    ):
        plots.plot_sweep_kind("response", sweeps["grid"], x="nope")
    with pytest.raises(ValueError, match="unknown sweep plot kind 'fan'"):
        plots.plot_sweep_kind("fan", sweeps["grid"])
    with pytest.raises(InputError, match="censored"):
        plots.plot_sweep_kind("heatmap", sweeps["grid"], outcome="first_recognition_month")


def test_a_response_to_a_text_parameter_places_its_values_as_categories(sweeps):
    """``taliban.mode`` takes the values fixed and adaptive: one position each, labelled (it was a
    traceback, pandas refusing to average text)."""
    ax = plots.plot_sweep_kind("response", sweeps["text"], outcome=OUTCOME).axes[0]
    labels = [t.get_text() for t in ax.get_xticklabels()]
    assert sorted(labels) == ["adaptive", "fixed"]
    means = point_means(sweeps["text"], OUTCOME)
    line = next(ln for ln in ax.get_lines() if ln.get_label() == "mean over points")
    assert sorted(line.get_ydata()) == sorted(means.tolist())
