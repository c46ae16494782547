"""Plot kinds by their command-line names, and the figure of each for a set of results."""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import cast

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from ..analysis import sweeps as analysis
from ..analysis.statistics import level_probabilities
from ..analysis.sweeps import RECOGNIZED
from ..runs.store import EnsembleResult, SweepResult, drawn_parameters
from .common import new_axes
from .ensemble import (
    LADDER_TITLE,
    fan_chart,
    missions_by_controller,
    outcome_distribution,
    state_levels,
    survival_curve,
)
from .kinds import ENSEMBLE_KINDS, SWEEP_KINDS
from .sweep import SweepPlotError, point_distributions, sensitivity_bars, sweep_heatmap, sweep_response, swept


@dataclass(frozen=True)
class Kind:
    """One plot the CLI offers: the plotting function and a figure builder (its name and one-line
    description are in :mod:`.kinds`)."""

    function: Callable
    build: Callable[[dict[str, EnsembleResult], str | None], Axes | np.ndarray]


def _horizon(result: EnsembleResult) -> int:
    h = result.manifest.get("horizon_months")
    return int(h) if h is not None else int(result.series["month"].max())


def _build_states(results: dict[str, EnsembleResult], _series: str | None) -> np.ndarray:
    """One heat map per scenario, all with the row order of the pooled ranking so rows line up."""
    pooled = pd.concat([r.states for r in results.values()], ignore_index=True)
    order = list(level_probabilities(pooled).index)
    height = 1.6 + 0.24 * (len(order) + 1)
    axes = new_axes(len(results), None, len(results), (4.8 if len(results) > 1 else 6.0, height))
    for i, (a, (label, r)) in enumerate(zip(axes, results.items(), strict=True)):
        state_levels(r.states, ax=a, order=order)
        if len(results) > 1:  # the panels share one explanation, above them
            a.set_title(label, fontsize="medium")
        elif label:
            a.set_title(f"{label}: {a.get_title()}", fontsize="small")
        if i:
            a.tick_params(labelleft=False)
    if len(results) > 1:
        axes[0].figure.suptitle(LADDER_TITLE, fontsize="medium")
    return axes


_BUILDERS: dict[str, Kind] = {
    "fan": Kind(
        fan_chart,
        lambda res, col: fan_chart({k: r.series for k, r in res.items()}, col or "countries_taliban_presence"),
    ),
    "survival": Kind(
        survival_curve,
        lambda res, _: survival_curve({k: r.runs for k, r in res.items()}, {k: _horizon(r) for k, r in res.items()}),
    ),
    "distribution": Kind(
        outcome_distribution, lambda res, _: outcome_distribution({k: r.runs for k, r in res.items()})
    ),
    "states": Kind(state_levels, _build_states),
    "missions": Kind(
        missions_by_controller, lambda res, _: missions_by_controller({k: r.series for k, r in res.items()})
    ),
}
KINDS: dict[str, Kind] = {name: _BUILDERS[name] for name in ENSEMBLE_KINDS}  # every named kind has a builder
"""Plot kinds by CLI name (names and descriptions: :mod:`.kinds`); ``plot_kind`` builds the figure."""


def plot_kind(kind: str, results: Mapping[str, EnsembleResult], series: str | None = None) -> Figure:
    """The figure of one plot kind for results keyed by scenario label (what the CLI saves).

    ``series`` is the column of a fan chart (default ``countries_taliban_presence``); other kinds
    ignore it. The figure is detached from pyplot, so callers need not close it.
    """
    if kind not in KINDS:
        raise ValueError(f"unknown plot kind {kind!r}; expected one of {', '.join(KINDS)}")
    if not results:
        raise ValueError("no results to plot")
    drawn = KINDS[kind].build(dict(results), series)
    first = drawn if isinstance(drawn, Axes) else drawn.ravel()[0]
    fig = cast(Figure, first.figure)  # drawn on a new pyplot figure (new_axes), never on a SubFigure
    _caption(fig, {label: r.manifest for label, r in results.items()})
    plt.close(fig)  # leave pyplot's figure list as it was; the Figure itself still saves
    return fig


def _caption(fig: Figure, manifests: Mapping[str, dict]) -> None:
    lines = [runs_caption(manifests), uncertainty_caption(manifests)]
    width = max(40, int(fig.get_figwidth() * 16))  # characters of small type that fit the figure's width
    wrapped = [part for line in lines if line for part in textwrap.wrap(line, width)]
    fig.supxlabel("\n".join(wrapped), fontsize="small", color="0.3")


def runs_caption(manifests: Mapping[str, dict]) -> str:
    """How many runs a figure draws and from which root seed, per scenario where they differ (what
    a reader needs to judge the noise and to re-make the figure)."""

    def one(m: dict) -> str:
        runs, seed = m.get("runs"), m.get("root_seed")
        points, reps = m.get("points"), m.get("replications")
        size = f"{runs:,} runs" if isinstance(runs, int) else "runs"
        if m.get("kind") == "sweep" and isinstance(points, int) and isinstance(reps, int):
            size = f"{points:,} design points x {reps:,} replications = {size}"
        return size + (f", root seed {seed}" if seed is not None else "")

    texts = {label: one(m) for label, m in manifests.items()}
    if len(set(texts.values())) == 1:
        return ("each scenario: " if len(texts) > 1 else "") + next(iter(texts.values()))
    return "; ".join(f"{label}: {text}" if label else text for label, text in texts.items())


def uncertainty_caption(manifests: Mapping[str, dict]) -> str | None:
    """A figure's note that its spread includes parameters no data identifies, where it does
    (ensembles or sweeps, by their manifests, keyed by label)."""
    drawn = {label: len(drawn_parameters(m)) for label, m in manifests.items()}
    if not any(drawn.values()):
        return None
    which = "" if all(drawn.values()) else " (" + ", ".join(k or "this scenario" for k, n in drawn.items() if n) + ")"
    return (
        f"spread across runs includes parameters drawn per replication{which} "
        "(priors or a posterior: what the data leave open), not only chance"
    )


def _heatmap_of(result: SweepResult, outcome: str, x: str | None, y: str | None) -> Axes:
    analysis.outcome_values(result, outcome)  # unknown or censored outcomes fail here, naming --outcome
    params = swept(result)
    if len(params) < 2:
        raise SweepPlotError(
            None,
            "--kind",
            f"a heatmap needs two swept parameters; this sweep varies only {params[0]!r} (use --kind response)",
        )
    x = x or (params[0] if y != params[0] else params[1])
    y = y or next(p for p in params if p != x)
    value = "p_recognition" if outcome == RECOGNIZED else f"mean_{outcome}"
    return sweep_heatmap(analysis.summarize(result), x, y, value)


def plot_sweep_kind(
    kind: str,
    result: SweepResult,
    outcome: str = RECOGNIZED,
    x: str | None = None,
    y: str | None = None,
    method: str | None = None,
) -> Figure:
    """The figure of one sweep plot kind (what ``recogsim plot SWEEP_DIR --kind ...`` saves).

    ``x``/``y`` pick parameters (heatmap: default the first two; response: ``x``, default the
    first); ``method`` is passed to analysis.sensitivity, which refuses designs other than sobol or
    morris. The figure is detached from pyplot, so callers need not close it.
    """
    if kind not in SWEEP_KINDS:
        raise SweepPlotError(
            None, "--kind", f"unknown sweep plot kind {kind!r}; expected one of {', '.join(sorted(SWEEP_KINDS))}"
        )
    params = swept(result)
    for flag, name in (("--x", x), ("--y", y)):
        if name is not None and name not in params:
            raise SweepPlotError(None, flag, f"no parameter {name!r} in this sweep; it varies {', '.join(params)}")
    if kind == "heatmap":
        ax = _heatmap_of(result, outcome, x, y)
    elif kind == "response":
        ax = sweep_response(result, x or params[0], outcome)
    elif kind == "sensitivity":
        ax = sensitivity_bars(analysis.sensitivity(result, method, outcome), outcome=outcome)
    else:
        ax = point_distributions(result, outcome)
    fig = cast(Figure, ax.figure)  # as in plot_kind: a new pyplot figure, never a SubFigure
    _caption(fig, {"": result.manifest})
    plt.close(fig)  # detached like plot_kind: the Figure still saves
    return fig
