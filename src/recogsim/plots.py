"""Figures of ensemble results: spreads over time, time to first recognition, outcomes at the horizon.

An ensemble is a distribution, not a trajectory, so every plot shows spread across replications
(percentile bands, survival curves, boxplots, probabilities) rather than one run.

Conventions: each public function takes DataFrames from an :class:`~recogsim.ensemble.EnsembleResult`
(or a mapping ``label -> DataFrame`` to compare scenarios side by side) and ``ax=None``; it creates
a figure only when no axes are given and returns the axes it drew on (an array when it draws
several panels). Nothing here reads or writes files, shows windows or keeps state between calls.

Section 6 plots parameter sweeps (a :class:`~recogsim.store.SweepResult`): outcomes over the design's
parameters, sensitivity indices and per-point spreads; ``plot_sweep_kind`` builds them for the CLI.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import MaxNLocator

from .ensemble import EnsembleResult
from .errors import InputError
from .scenario import LEVELS
from .store import SweepResult

Frames = pd.DataFrame | Mapping[str, pd.DataFrame]
AxesArg = Axes | Sequence[Axes] | np.ndarray | None

OUTCOMES: tuple[str, ...] = (
    "countries_taliban_presence", "missions_taliban", "missions_closed", "de_facto_count", "de_jure_count",
)
"""Default outcomes of :func:`outcome_distribution`: the quantities the research question is about."""

CONTROLLER_COLUMNS: dict[str, str] = {
    "missions_taliban": "Taliban-held", "missions_republic": "Republic-held", "missions_closed": "closed",
}
_CONTROLLER_COLOURS = ("tab:orange", "tab:blue", "0.65")

NAMES: dict[str, str] = {
    "countries_taliban_presence": "states hosting Taliban diplomats",
    "missions_taliban": "posts held by the Taliban",
    "missions_republic": "posts held by the Republic",
    "missions_closed": "posts closed",
    "missions_changed_hands": "posts handed to the Taliban (cumulative)",
    "western_missions_taliban": "Taliban-held posts in Western states",
    "de_facto_count": "states at de facto relations",
    "de_jure_count": "states recognising de jure",
    "western_de_jure_count": "Western states recognising de jure",
    "legitimacy": "legitimacy index",
    "resistance_strength": "armed resistance strength",
}
"""Readable axis titles for known columns; any other column is shown with underscores as spaces."""

_UNNAMED = ""  # label of a single scenario passed as a bare DataFrame
_KEYS = ("replication", "month", "point")


def pretty(column: str) -> str:
    return NAMES.get(column, column.replace("_", " "))


# --------------------------------------------------------------------------------------------
# input handling
# --------------------------------------------------------------------------------------------
def _frames(data: Frames, what: str) -> dict[str, pd.DataFrame]:
    """Scenarios as ``{label: frame}``; a bare DataFrame is one unnamed scenario."""
    if isinstance(data, pd.DataFrame):
        return {_UNNAMED: data}
    if isinstance(data, Mapping) and data and all(isinstance(v, pd.DataFrame) for v in data.values()):
        return {str(k): v for k, v in data.items()}
    if isinstance(data, Mapping) and not data:
        raise ValueError(f"no scenarios given: expected {what} as a DataFrame or a non-empty mapping label -> DataFrame")
    raise TypeError(f"expected {what} as a DataFrame or a mapping label -> DataFrame, got {type(data).__name__}"
                    + (" (pass result.runs / .series / .states)" if _has_result(data) else ""))


def _has_result(data: object) -> bool:
    values = data.values() if isinstance(data, Mapping) else [data]
    return any(isinstance(v, EnsembleResult) for v in values)


def _require(frames: Mapping[str, pd.DataFrame], columns: Sequence[str], what: str) -> None:
    """One-line ValueError naming the missing column, the scenario and what is available."""
    for label, df in frames.items():
        missing = [c for c in columns if c not in df.columns]
        if missing:
            where = f" of scenario {label!r}" if label else ""
            available = [c for c in df.columns if c not in _KEYS]
            raise ValueError(f"no column {missing[0]!r} in {what}{where}; available: {', '.join(available)}")


def _colour(i: int) -> str:
    """The i-th colour of matplotlib's default cycle, fixed by index so overlays match across panels."""
    return f"C{i % 10}"


def _new_axes(n: int, ax: AxesArg, ncols: int, panel: tuple[float, float], **kw) -> np.ndarray:
    """``n`` axes: the caller's (checked for count) or a new constrained-layout figure's."""
    if ax is not None:
        axes = np.asarray([ax] if isinstance(ax, Axes) else list(np.ravel(np.asarray(ax, dtype=object))),
                          dtype=object)
        if len(axes) != n:
            raise ValueError(f"this plot draws {n} panel(s) but {len(axes)} axes were given")
        return axes
    ncols = max(1, min(ncols, n))
    nrows = -(-n // ncols)
    fig, grid = plt.subplots(nrows, ncols, squeeze=False, layout="constrained",
                             figsize=(panel[0] * ncols, panel[1] * nrows), **kw)
    for extra in grid.ravel()[n:]:
        fig.delaxes(extra)
    return grid.ravel()[:n]


def _one_or_many(axes: np.ndarray) -> Axes | np.ndarray:
    return axes[0] if len(axes) == 1 else axes


# --------------------------------------------------------------------------------------------
# time axis
# --------------------------------------------------------------------------------------------
def _dates(frames: Mapping[str, pd.DataFrame]) -> dict[int, str] | None:
    """month -> 'YYYY-MM' if every scenario has dates and they agree (same start), else None."""
    merged: dict[int, str] = {}
    for df in frames.values():
        if "date" not in df.columns:
            return None
        pairs = df[["month", "date"]].drop_duplicates()
        for m, d in zip(pairs["month"], pairs["date"]):
            if merged.setdefault(int(m), str(d)) != str(d):
                return None
    return merged


def _time_axis(ax: Axes, dates: dict[int, str] | None) -> None:
    """Dates as thinned ticks (years on long horizons), or plain months since the start."""
    if not dates:
        ax.set_xlabel("months since start")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        return
    months = sorted(dates)
    span = months[-1] - months[0]
    if span >= 36:  # label Januaries with the year, every 1, 2, 5... years so at most ~10 ticks
        januaries = [m for m in months if dates[m].endswith("-01")]
        step = next(s for s in (1, 2, 5, 10, 20, 50, 100) if len(januaries) / s <= 10)
        ticks = januaries[::step]
        labels = [dates[m][:4] for m in ticks]
    else:
        step = next(s for s in (1, 2, 3, 6, 12) if len(months) / s <= 7)
        ticks = months[::step]
        labels = [dates[m] for m in ticks]
    ax.set_xticks(ticks, labels)
    ax.set_xlim(months[0], months[-1])
    ax.set_xlabel("date")


# --------------------------------------------------------------------------------------------
# 1. fan chart
# --------------------------------------------------------------------------------------------
def quantiles(series: pd.DataFrame, column: str, qs: Sequence[float] = (0.05, 0.25, 0.5, 0.75, 0.95)) -> pd.DataFrame:
    """Per-month quantiles of ``column`` across replications (months as index, one column per q)."""
    return series.groupby("month")[column].quantile(list(qs)).astype(float).unstack()


def fan_chart(series: Frames, column: str, ax: Axes | None = None, bands: bool = True) -> Axes:
    """Median and the middle 50% and 90% of runs of one series column over time.

    Bands rather than a mean line because outcomes are skewed and discrete (counts of states and
    posts): the median is a value runs actually take, and the bands show how far runs disagree.
    Several scenarios are overlaid in distinct colours.
    """
    frames = _frames(series, "series")
    _require(frames, ["month"], "series")
    _require(frames, [column], "series")
    ax = ax if ax is not None else _new_axes(1, None, 1, (7.0, 4.0))[0]
    handles = []
    for i, (label, df) in enumerate(frames.items()):
        q = quantiles(df, column)
        colour = _colour(i)
        if bands:
            ax.fill_between(q.index, q[0.05], q[0.95], color=colour, alpha=0.15, linewidth=0)
            ax.fill_between(q.index, q[0.25], q[0.75], color=colour, alpha=0.3, linewidth=0)
        (line,) = ax.plot(q.index, q[0.5], color=colour, linewidth=2, label=f"{label} (median)" if label else "median")
        handles.append(line)
    if bands:
        handles += [Patch(color="0.5", alpha=0.45, label="middle 50% of runs"),
                    Patch(color="0.5", alpha=0.15, label="middle 90% of runs")]
    ax.legend(handles=handles, loc="best", fontsize="small")
    ax.set_ylabel(column)
    ax.set_title(pretty(column))
    _time_axis(ax, _dates(frames))
    ax.grid(alpha=0.3)
    return ax


# --------------------------------------------------------------------------------------------
# 2. survival of non-recognition
# --------------------------------------------------------------------------------------------
def kaplan_meier(times: Sequence[float], observed: Sequence[bool]) -> tuple[np.ndarray, np.ndarray]:
    """Kaplan–Meier estimate of the survival function from right-censored times.

    Returns ``(t, S)`` describing a right-continuous step function: ``S[i]`` is the estimate on
    ``[t[i], t[i+1])``. ``t[0]`` is 0 (with ``S[0] = 1`` unless events happen at time 0), followed
    by each distinct event time. At a time with both events and censorings the censored runs
    count as still at risk (the usual convention), so S(t) = prod over event times t_j <= t of
    (1 - d_j / n_j), with n_j the runs whose time is >= t_j.
    """
    t = np.asarray(times, dtype=float)
    e = np.asarray(observed, dtype=bool)
    if t.ndim != 1 or t.shape != e.shape:
        raise ValueError(f"times and observed must be 1-d and of equal length, got {t.shape} and {e.shape}")
    if t.size == 0:
        raise ValueError("no observations")
    if not np.all(np.isfinite(t)) or np.any(t < 0):
        raise ValueError("times must be finite and non-negative")
    event_times, deaths = np.unique(t[e], return_counts=True)
    at_risk = t.size - np.searchsorted(np.sort(t), event_times, side="left")
    surv = np.cumprod(1.0 - deaths / at_risk)
    if event_times.size and event_times[0] == 0:
        return event_times, surv
    return np.r_[0.0, event_times], np.r_[1.0, surv]


def _horizon_of(horizon: int | Mapping[str, int], label: str) -> int:
    if isinstance(horizon, Mapping):
        if label not in horizon:
            raise ValueError(f"no horizon given for scenario {label!r}")
        return int(horizon[label])
    return int(horizon)


def survival_curve(runs: Frames, horizon: int | Mapping[str, int], ax: Axes | None = None) -> Axes:
    """Kaplan–Meier curve of P(no state has recognised the Taliban de jure yet) over time.

    Runs without a recognition are right-censored at the horizon, so the curve says how likely a
    first recognition is *by* each month without pretending that those runs never recognise.
    ``horizon`` is one number or one per scenario label (from each manifest's ``horizon_months``).
    """
    frames = _frames(runs, "runs")
    _require(frames, ["first_recognition_month"], "runs")
    ax = ax if ax is not None else _new_axes(1, None, 1, (7.0, 4.0))[0]
    end = 0
    for i, (label, df) in enumerate(frames.items()):
        h = _horizon_of(horizon, label)
        first = pd.to_numeric(df["first_recognition_month"], errors="coerce")
        observed = first.notna().to_numpy()
        if observed.any() and first.max() > h:
            raise ValueError(f"first_recognition_month {int(first.max())} is beyond the horizon {h}"
                             + (f" of scenario {label!r}" if label else ""))
        t, s = kaplan_meier(first.fillna(h).to_numpy(dtype=float), observed)
        share = f"{observed.sum()}/{len(df)} runs ({observed.mean():.0%}) recognised by month {h}"
        ax.step(np.r_[t, h], np.r_[s, s[-1]], where="post", color=_colour(i), linewidth=2,
                label=f"{label}: {share}" if label else share)
        end = max(end, h)
    ax.set_xlim(0, end)
    ax.set_ylim(0, 1.02)
    ax.set_xlabel("months since start")
    ax.set_ylabel("P(no de jure recognition yet)")
    ax.set_title("Time to the first de jure recognition (Kaplan–Meier)")
    ax.legend(loc="lower left", fontsize="small")
    ax.grid(alpha=0.3)
    return ax


# --------------------------------------------------------------------------------------------
# 3. outcomes at the horizon
# --------------------------------------------------------------------------------------------
def outcome_distribution(runs: Frames, columns: Sequence[str] | None = None, ax: AxesArg = None) -> Axes | np.ndarray:
    """Boxplots of final outcomes per scenario, one panel per outcome, with every run as a dot.

    Outcomes are small integer counts with many ties, so the dots (jittered sideways, with a
    fixed local seed so figures are reproducible) show what a box alone would hide.
    """
    frames = _frames(runs, "runs")
    columns = list(OUTCOMES if columns is None else columns)
    if not columns:
        raise ValueError("no outcome columns given")
    _require(frames, columns, "runs")
    axes = _new_axes(len(columns), ax, 3, (3.6, 3.4))
    labels = list(frames)
    for a, column in zip(axes, columns):
        values = [pd.to_numeric(df[column], errors="coerce").dropna().to_numpy(dtype=float) for df in frames.values()]
        box = a.boxplot(values, positions=range(len(values)), widths=0.5, showfliers=False, patch_artist=True,
                        medianprops={"color": "black"})
        rng = np.random.default_rng(0)
        for i, (v, patch) in enumerate(zip(values, box["boxes"])):
            patch.set(facecolor=_colour(i), alpha=0.35)
            a.scatter(i + rng.uniform(-0.15, 0.15, v.size), v, s=9, color=_colour(i),
                      alpha=max(0.15, min(0.8, 20 / max(v.size, 1))), linewidths=0, zorder=3)
        a.set_xticks(range(len(labels)), labels if any(labels) else [""] * len(labels),
                     rotation=30 if len(labels) > 2 else 0, ha="right" if len(labels) > 2 else "center")
        a.set_title(pretty(column), fontsize="medium")
        if all(np.array_equal(v, np.round(v)) for v in values):  # counts: no 0.5 ticks
            a.yaxis.set_major_locator(MaxNLocator(integer=True))
            lo, hi = a.get_ylim()
            if hi - lo < 2:  # every run equal (e.g. no recognition anywhere): show a unit range
                a.set_ylim(np.floor(lo + 0.5) - 0.5, np.floor(lo + 0.5) + 1.5)
        a.grid(axis="y", alpha=0.3)
    return _one_or_many(axes)


# --------------------------------------------------------------------------------------------
# 4. relation levels per state
# --------------------------------------------------------------------------------------------
def level_probabilities(states: pd.DataFrame) -> pd.DataFrame:
    """P(max_level >= rung) per state (rows) and rung engaged..de_jure (columns), over replications.

    Rows are sorted by mean maximum level, highest first (ties by name).
    """
    _require({_UNNAMED: states}, ["state", "max_level"], "states")
    unknown = sorted(set(states["max_level"].dropna()) - set(LEVELS))
    if unknown:
        raise ValueError(f"unknown level {unknown[0]!r} in max_level; expected one of {', '.join(LEVELS)}")
    rank = states["max_level"].map(LEVELS.index).astype(float)
    probs = pd.DataFrame({rung: (rank >= r) for r, rung in enumerate(LEVELS) if r > 0})
    table = probs.groupby(states["state"]).mean()
    mean = rank.groupby(states["state"]).mean()
    order = sorted(table.index, key=lambda s: (-mean[s], s))
    return table.loc[order]


def state_levels(states: pd.DataFrame, ax: Axes | None = None, top: int | None = None,
                 order: Sequence[str] | None = None) -> Axes:
    """Heat map of each state's probability of reaching each rung of the ladder by the horizon.

    ``max_level`` rather than the final level, because a state that recognised and later stepped
    back still recognised. States run top to bottom from the most to the least engaged; ``top``
    keeps the first N, ``order`` imposes a row order (to line up panels of several scenarios;
    states it names that are not in ``states`` get an empty row).
    """
    if not isinstance(states, pd.DataFrame):
        raise TypeError(f"state_levels plots one scenario: expected a DataFrame, got {type(states).__name__}")
    table = level_probabilities(states)
    if order is not None:
        table = table.reindex(list(order))
    if top is not None:
        table = table.iloc[:top]
    if ax is None:
        ax = _new_axes(1, None, 1, (5.5, 0.8 + 0.24 * len(table)))[0]
    image = ax.imshow(table.to_numpy(), cmap="Blues", vmin=0, vmax=1, aspect="auto", interpolation="nearest")
    for (r, c), p in np.ndenumerate(table.to_numpy()):
        if np.isnan(p):
            continue
        ax.text(c, r, f"{p:.0%}", ha="center", va="center", fontsize=7, color="white" if p > 0.6 else "black")
    ax.set_xticks(range(table.shape[1]), [c.replace("hosts_", "hosts\n").replace("_", " ") for c in table.columns],
                  fontsize=8)
    ax.set_yticks(range(len(table)), table.index, fontsize=8 if len(table) > 25 else 9)
    ax.tick_params(top=True, labeltop=True, bottom=False, labelbottom=False, length=0)
    ax.set_title("P(reached level by horizon)", fontsize="medium")
    image.set_label("probability")
    return ax


# --------------------------------------------------------------------------------------------
# 5. posts by controller
# --------------------------------------------------------------------------------------------
def missions_by_controller(series: Frames, ax: AxesArg = None, stat: str = "median") -> Axes | np.ndarray:
    """Stacked areas of posts held by the Taliban, held by the Republic and closed, over time.

    Stacked because the three add up to every post abroad: the picture is who holds the network.
    The layers are per-month medians (or means, ``stat="mean"``) over replications; medians of the
    parts need not add up to the total, so the top edge may wobble by a post or two, where means
    add up exactly. One panel per scenario, with a shared y axis.
    """
    if stat not in ("median", "mean"):
        raise ValueError(f"stat must be 'median' or 'mean', got {stat!r}")
    frames = _frames(series, "series")
    columns = list(CONTROLLER_COLUMNS)
    _require(frames, ["month", *columns], "series")
    axes = _new_axes(len(frames), ax, 3, (4.8, 3.6), sharey=True)
    for a, (label, df) in zip(axes, frames.items()):
        layers = df.groupby("month")[columns].agg(stat).astype(float)
        a.stackplot(layers.index, *(layers[c] for c in columns), labels=list(CONTROLLER_COLUMNS.values()),
                    colors=_CONTROLLER_COLOURS, alpha=0.85)
        _time_axis(a, _dates({label: df}))
        a.set_title(f"{label}: posts abroad ({stat} of runs)" if label else f"Posts abroad ({stat} of runs)",
                    fontsize="medium")
        a.margins(x=0)
    axes[0].set_ylabel("posts")
    axes[0].legend(loc="lower left", fontsize="small", framealpha=0.9)
    return _one_or_many(axes)


# --------------------------------------------------------------------------------------------
# registry for the command line
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Kind:
    """One plot the CLI offers: the plotting function, a one-line description, a figure builder."""

    function: Callable
    description: str
    build: Callable[[dict[str, EnsembleResult], str | None], Axes | np.ndarray]


def _horizon(result: EnsembleResult) -> int:
    h = result.manifest.get("horizon_months")
    return int(h) if h is not None else int(result.series["month"].max())


def _build_states(results: dict[str, EnsembleResult], _series: str | None) -> np.ndarray:
    """One heat map per scenario, all with the row order of the pooled ranking so rows line up."""
    pooled = pd.concat([r.states for r in results.values()], ignore_index=True)
    order = list(level_probabilities(pooled).index)
    height = 1.0 + 0.24 * len(order)
    axes = _new_axes(len(results), None, len(results), (4.6 if len(results) > 1 else 5.5, height))
    for i, (a, (label, r)) in enumerate(zip(axes, results.items())):
        state_levels(r.states, ax=a, order=order)
        a.set_title(f"{label}: P(reached level by horizon)" if label else a.get_title(), fontsize="medium")
        if i:
            a.tick_params(labelleft=False)
    return axes


KINDS: dict[str, Kind] = {
    "fan": Kind(fan_chart, "median and 50%/90% bands of one series over time",
                lambda res, col: fan_chart({k: r.series for k, r in res.items()},
                                           col or "countries_taliban_presence")),
    "survival": Kind(survival_curve, "Kaplan-Meier curve of time to the first de jure recognition",
                     lambda res, _: survival_curve({k: r.runs for k, r in res.items()},
                                                   {k: _horizon(r) for k, r in res.items()})),
    "distribution": Kind(outcome_distribution, "outcomes at the horizon across runs, per scenario",
                         lambda res, _: outcome_distribution({k: r.runs for k, r in res.items()})),
    "states": Kind(state_levels, "per-state probability of reaching each relation level",
                   _build_states),
    "missions": Kind(missions_by_controller, "posts abroad by controller over time",
                     lambda res, _: missions_by_controller({k: r.series for k, r in res.items()})),
}
"""Plot kinds by CLI name. ``plot_kind`` builds the figure; ``description`` suits ``--help``."""


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
    fig = np.ravel(drawn)[0].figure
    plt.close(fig)  # leave pyplot's figure list as it was; the Figure itself still saves
    return fig


# --------------------------------------------------------------------------------------------
# 6. sweeps: outcomes over an experiment's design points
# --------------------------------------------------------------------------------------------
# A sweep varies inputs, so these plots put parameters on the axes. They take a SweepResult (or
# its per-point summary from analysis.summarize) and the outcome names of analysis.outcome_values:
# a run outcome column, or "recognized" (1 if the run has a de jure recognition by the horizon).
RECOGNIZED = "recognized"  # analysis.RECOGNIZED; analysis (and SALib) is imported only when a sweep is plotted


class SweepPlotError(InputError, ValueError):
    """A sweep plot asked for a column or parameter the sweep lacks: a ValueError to Python
    callers, an InputError so the CLI prints it as one line (``path`` names the flag, if any)."""


def _need(table: pd.DataFrame, columns: Sequence[str], what: str, flag: str | None = None) -> None:
    for c in columns:
        if c not in table.columns:
            available = ", ".join(map(str, table.columns))
            raise SweepPlotError(None, flag, f"no column {c!r} in {what}; available: {available}")


def _swept(result: SweepResult) -> list[str]:
    """The swept parameters' paths, in the experiment's order (the columns of the points table)."""
    return [c for c in result.points.columns if c != "point"]


def _value_label(value: str) -> str:
    if value == "p_recognition":
        return "P(de jure recognition by the horizon)"
    if value == "median_first_recognition":
        return "median month of first recognition (runs with one)"
    return f"mean {pretty(value[5:])}" if value.startswith("mean_") else pretty(value)


def _outcome_label(outcome: str) -> str:
    return "P(de jure recognition by the horizon)" if outcome == RECOGNIZED else pretty(outcome)


def _tick(v: object) -> str:
    return f"{v:.3g}" if isinstance(v, (int, float, np.number)) else str(v)


def _colorbar(ax: Axes, mappable, label: str) -> None:
    ax.figure.colorbar(mappable, ax=ax, label=label, shrink=0.9)


def sweep_heatmap(summary: pd.DataFrame, x: str, y: str, value: str = "p_recognition", ax: Axes | None = None) -> Axes:
    """An outcome over two swept parameters: annotated cells for a grid, coloured dots otherwise.

    One cell per (x, y) pair of a grid design, so interactions show as a pattern that no single
    response curve reveals. Points that share a cell (the other parameters of a larger design vary)
    are averaged, and the title says so: the picture is then a marginal over those parameters.
    LHS, Sobol' and Morris points do not fill a grid, so they are drawn as a scatter.
    """
    _need(summary, [x, y, value], "the sweep summary")
    if x == y:
        raise SweepPlotError(None, None, f"x and y are both {x!r}; choose two different parameters")
    cells = summary.groupby([x, y])[value].agg(["mean", "size"])
    xs, ys = cells.index.unique(0), cells.index.unique(1)
    ax = ax if ax is not None else _new_axes(1, None, 1, (6.4, 4.8))[0]
    prob = value.startswith("p_")
    cmap = plt.get_cmap("viridis").with_extremes(bad="0.85")
    norm = dict(vmin=0.0, vmax=1.0) if prob else {}
    shared = int(cells["size"].max())
    up_to = "up to " if cells["size"].min() < shared else ""
    if len(cells) == len(xs) * len(ys):  # a full grid over (x, y)
        table = cells["mean"].unstack(x).reindex(index=ys, columns=xs)
        image = ax.imshow(table.to_numpy(dtype=float), origin="lower", aspect="auto", cmap=cmap,
                          interpolation="nearest", **norm)
        for (r, c), v in np.ndenumerate(table.to_numpy(dtype=float)):
            text = "n/a" if np.isnan(v) else f"{v:.0%}" if prob else f"{v:.3g}"
            dark = np.isnan(v) or image.norm(v) > 0.6
            ax.text(c, r, text, ha="center", va="center", fontsize=9, color="black" if dark else "white")
        ax.set_xticks(range(len(xs)), [_tick(v) for v in xs])
        ax.set_yticks(range(len(ys)), [_tick(v) for v in ys])
        mappable, where = image, "cell"
    else:
        pts = cells.reset_index()
        mappable = ax.scatter(pts[x], pts[y], c=pts["mean"], cmap=cmap, s=70, edgecolors="0.3", linewidths=0.5,
                              plotnonfinite=True, **norm)
        ax.grid(alpha=0.3)
        where = "dot"
    _colorbar(ax, mappable, _value_label(value))
    ax.set_xlabel(x)
    ax.set_ylabel(y)
    detail = (f"each {where} averages {up_to}{shared} points over the other parameters" if shared > 1
              else "scattered design: one dot per point" if where == "dot" else "")
    ax.set_title(_value_label(value) + (f"\n{detail}" if detail else ""), fontsize="medium")
    return ax


def _per_run(result: SweepResult, outcome: str, parameter: str) -> pd.DataFrame:
    """point, the parameter's value (x) and the outcome (value) for every run."""
    from . import analysis

    _need(result.points, [parameter], "the sweep's points (its parameters)")
    values = analysis.outcome_values(result, outcome)
    x = result.points.set_index("point")[parameter]
    return pd.DataFrame({"point": result.runs["point"].to_numpy(), "x": result.runs["point"].map(x).to_numpy(),
                         "value": values.to_numpy()})


def _wilson(k: float, n: float, z: float = 1.645) -> tuple[float, float]:
    """90% Wilson interval of a proportion: stays inside [0, 1] and is not zero-width at 0 or 1."""
    p, d = k / n, 1 + z * z / n
    centre, half = (p + z * z / (2 * n)) / d, z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / d
    return centre - half, centre + half


def sweep_response(result: SweepResult, parameter: str, outcome: str = RECOGNIZED, ax: Axes | None = None,
                   bins: int = 10) -> Axes:
    """How one outcome responds to one parameter, with the spread of runs around the mean.

    The line is the mean of the per-point means at each value of the parameter (averaged over the
    other parameters where several points share a value); grey dots are the points themselves, so
    scatter from the other parameters stays visible. The band is stochastic spread: 5-95% of runs,
    or for a 0/1 outcome such as ``recognized`` the 90% Wilson interval of the probability. With
    more than ``bins`` distinct values (LHS, Sobol') x is cut into ``bins`` quantile bins.
    """
    runs = _per_run(result, outcome, parameter)
    points = runs.groupby("point").agg(x=("x", "first"), mean=("value", "mean"))
    numeric = pd.api.types.is_numeric_dtype(points["x"])
    binned = numeric and points["x"].nunique() > bins
    points["key"] = pd.qcut(points["x"], bins, duplicates="drop") if binned else points["x"]
    runs["key"] = runs["point"].map(points["key"])
    binary = bool(runs["value"].isin((0.0, 1.0)).all())
    band = runs.groupby("key", observed=True)["value"].agg(
        lambda v: _wilson(v.sum(), len(v)) if binary else tuple(v.quantile([0.05, 0.95])))
    line = points.groupby("key", observed=True).agg(x=("x", "mean"), y=("mean", "mean"))
    if not numeric:  # categorical values: one position each, labelled
        line["x"] = range(len(line))
        points["x"] = points["key"].map(dict(zip(line.index, line["x"])))
    ax = ax if ax is not None else _new_axes(1, None, 1, (6.4, 4.2))[0]
    ax.fill_between(line["x"], [lo for lo, _ in band[line.index]], [hi for _, hi in band[line.index]],
                    color="C0", alpha=0.2, linewidth=0,
                    label="90% interval of the probability" if binary else "5-95% of runs")
    ax.scatter(points["x"], points["mean"], s=14, color="0.45", zorder=3, label="design points (mean of runs)")
    ax.plot(line["x"], line["y"], color="C0", linewidth=2, marker="o", markersize=4,
            label=f"mean over points ({len(line)} quantile bins)" if binned else "mean over points")
    if not numeric:
        ax.set_xticks(line["x"], [str(v) for v in line.index])
    if binary:
        ax.set_ylim(-0.02, 1.02)
    ax.set_xlabel(parameter)
    ax.set_ylabel(_outcome_label(outcome))
    ax.set_title(f"Response of {_outcome_label(outcome)} to {parameter}", fontsize="medium")
    ax.legend(loc="best", fontsize="small")
    ax.grid(alpha=0.3)
    return ax


def sensitivity_bars(indices: pd.DataFrame, ax: Axes | None = None, outcome: str | None = None) -> Axes:
    """Sensitivity indices per parameter with their confidence intervals, most influential on top.

    Sobol' (from analysis.sensitivity): S1 (the parameter alone) and ST (with its interactions)
    side by side; a large gap between them means interactions. Second-order rows are skipped.
    Morris: mu* (mean absolute elementary effect) with its interval, and sigma as markers, which
    flags interactions or non-linearity. The error bars keep a noisy ranking from looking firm.
    """
    if {"S1", "ST"} <= set(indices.columns):
        sobol = True
        table = indices[indices["S2"].isna()] if "S2" in indices.columns else indices
        _need(table, ["parameter", "S1_conf", "ST_conf"], "the Sobol' indices")
        table = table.sort_values("ST", kind="stable")  # ascending: the largest ends on top
    elif "mu_star" in indices.columns:
        sobol = False
        _need(indices, ["parameter", "mu_star_conf", "sigma"], "the Morris indices")
        table = indices.sort_values("mu_star", kind="stable")
    else:
        raise SweepPlotError(None, None, "expected Sobol' (S1, ST) or Morris (mu_star) indices; got columns "
                                         f"{', '.join(map(str, indices.columns))}")
    pos = np.arange(len(table))
    ax = ax if ax is not None else _new_axes(1, None, 1, (7.5, 1.8 + 0.6 * len(table)))[0]
    err = {"capsize": 3, "ecolor": "0.2"}
    if sobol:
        ax.barh(pos + 0.2, table["S1"], 0.4, xerr=table["S1_conf"], color="C0", label="S1 (first order)", error_kw=err)
        ax.barh(pos - 0.2, table["ST"], 0.4, xerr=table["ST_conf"], color="C1", label="ST (total)", error_kw=err)
        values = table[["S1", "ST"]].to_numpy(dtype=float)
        odd = bool(np.any((values < -0.05) | (values > 1.05)))
        title, note = "Sobol' indices", "\nsome outside [0, 1]: too few samples for stable estimates" if odd else ""
        ax.set_xlabel("share of the outcome's variance")
    else:
        ax.barh(pos, table["mu_star"], 0.6, xerr=table["mu_star_conf"], color="C0", label="mu* (mean |effect|)",
                error_kw=err)
        ax.plot(table["sigma"], pos, "D", color="C3", label="sigma (interactions, non-linearity)")
        title, note = "Morris elementary effects", ""
        ax.set_xlabel("elementary effect (outcome units)")
    ax.axvline(0, color="0.3", linewidth=0.8)
    ax.set_yticks(pos, table["parameter"])
    ax.set_title(title + (f" of {_outcome_label(outcome)}" if outcome else "") + note, fontsize="medium")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize="small")  # outside: bars span the axes
    ax.grid(axis="x", alpha=0.3)
    return ax


def point_distributions(result: SweepResult, outcome: str = RECOGNIZED, ax: Axes | None = None,
                        max_points: int = 30) -> Axes:
    """Boxplots of an outcome over the runs of each design point, points ordered by median.

    Per-point means hide whether a point is reliably high or a coin toss; boxes (with the mean as a
    marker, which for a 0/1 outcome is the probability) show the replication spread. With more than
    ``max_points`` points an evenly spaced subset of the median ordering is shown, so the figure
    still spans the lowest to the highest point; the title says how many.
    """
    from . import analysis

    if max_points < 1:
        raise SweepPlotError(None, None, f"max_points must be at least 1, got {max_points}")
    values = analysis.outcome_values(result, outcome)
    groups = values.groupby(result.runs["point"].to_numpy())
    order = pd.DataFrame({"median": groups.median(), "mean": groups.mean()}).sort_values(["median", "mean"]).index
    shown = list(order)
    if len(shown) > max_points:
        shown = [order[i] for i in np.unique(np.linspace(0, len(order) - 1, max_points).round().astype(int))]
    data = [groups.get_group(p).to_numpy(dtype=float) for p in shown]
    ax = ax if ax is not None else _new_axes(1, None, 1, (max(6.0, 1.5 + 0.32 * len(shown)), 4.2))[0]
    box = ax.boxplot(data, positions=range(len(shown)), widths=0.6, showfliers=False, patch_artist=True,
                     showmeans=True, medianprops={"color": "black"},
                     meanprops={"marker": "D", "markerfacecolor": "C3", "markeredgecolor": "C3", "markersize": 4})
    rng = np.random.default_rng(0)
    for i, (v, patch) in enumerate(zip(data, box["boxes"])):
        patch.set(facecolor="C0", alpha=0.3)
        ax.scatter(i + rng.uniform(-0.15, 0.15, v.size), v, s=7, color="C0", alpha=0.6, linewidths=0, zorder=3)
    ax.set_xticks(range(len(shown)), [str(p) for p in shown], rotation=90 if len(shown) > 15 else 0, fontsize=8)
    if all(np.array_equal(v, np.round(v)) for v in data):  # counts and 0/1: no half ticks
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("design point (ordered by median, then mean)")
    ax.set_ylabel("de jure recognition by the horizon (1 = yes)" if outcome == RECOGNIZED else pretty(outcome))
    which = (f"all {len(order)} points" if len(shown) == len(order)
             else f"{len(shown)} of {len(order)} points, evenly spaced in that order")
    ax.set_title(f"{_outcome_label(outcome)} across runs, by design point\n{which}; diamonds: means", fontsize="medium")
    ax.grid(axis="y", alpha=0.3)
    return ax


SWEEP_KINDS = {"heatmap", "response", "sensitivity", "distribution"}
"""Sweep plot kinds by CLI name; :func:`plot_sweep_kind` builds them."""


def _heatmap_of(result: SweepResult, outcome: str, x: str | None, y: str | None) -> Axes:
    from . import analysis

    analysis.outcome_values(result, outcome)  # unknown or censored outcomes fail here, naming --outcome
    params = _swept(result)
    if len(params) < 2:
        raise SweepPlotError(None, "--kind", f"a heatmap needs two swept parameters; this sweep varies only "
                                             f"{params[0]!r} (use --kind response)")
    x = x or (params[0] if y != params[0] else params[1])
    y = y or next(p for p in params if p != x)
    value = "p_recognition" if outcome == RECOGNIZED else f"mean_{outcome}"
    return sweep_heatmap(analysis.summarize(result), x, y, value)


def plot_sweep_kind(kind: str, result: SweepResult, outcome: str = RECOGNIZED, x: str | None = None,
                    y: str | None = None, method: str | None = None) -> Figure:
    """The figure of one sweep plot kind (what ``recogsim plot SWEEP_DIR --kind ...`` saves).

    ``x``/``y`` pick parameters (heatmap: default the first two; response: ``x``, default the
    first); ``method`` is passed to analysis.sensitivity, which refuses designs other than sobol or
    morris. The figure is detached from pyplot, so callers need not close it.
    """
    from . import analysis

    if kind not in SWEEP_KINDS:
        raise SweepPlotError(None, "--kind", f"unknown sweep plot kind {kind!r}; expected one of "
                                             f"{', '.join(sorted(SWEEP_KINDS))}")
    params = _swept(result)
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
    plt.close(ax.figure)  # detached like plot_kind: the Figure still saves
    return ax.figure
