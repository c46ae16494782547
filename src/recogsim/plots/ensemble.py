"""Figures of ensemble results: spreads over time, time to first recognition, outcomes at the horizon.

An ensemble is a distribution, not a trajectory, so every plot shows spread across replications
(percentile bands, survival curves, boxplots, probabilities) rather than one run.

Conventions: each public function takes DataFrames from an :class:`~recogsim.runs.store.EnsembleResult`
(or a mapping ``label -> DataFrame`` to compare scenarios side by side) and ``ax=None``; it creates
a figure only when no axes are given and returns the axes it drew on (an array when it draws
several panels). Nothing here reads or writes files, shows windows or keeps state between calls.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.ticker import MaxNLocator, PercentFormatter

from ..analysis.statistics import kaplan_meier, level_probabilities
from ..config.schema import UN_BLOC
from .common import (
    AxesArg,
    Frames,
    colour,
    dates_of,
    frames_of,
    new_axes,
    one_or_many,
    percent,
    pretty,
    require,
    share,
    shorten,
    time_axis,
    unit,
)
from .fan import fan_chart

__all__ = ["fan_chart", "missions_by_controller", "outcome_distribution", "state_levels", "survival_curve"]

OUTCOMES: tuple[str, ...] = (
    "countries_taliban_presence",
    "missions_taliban",
    "missions_closed",
    "de_facto_count",
    "de_jure_count",
)
"""Default outcomes of :func:`outcome_distribution`: the quantities the research question is about."""

CONTROLLER_COLUMNS: dict[str, str] = {
    "missions_taliban": "Taliban-held",
    "missions_republic": "Republic-held",
    "missions_closed": "closed",
}
_CONTROLLER_COLOURS = ("tab:orange", "tab:blue", "0.65")
LADDER_TITLE = (
    "P(ever reached the level by the horizon)\n"
    "share of runs in which it reached at least this rung in some month (it may have stepped back since)"
)
"""What the states figure shows: the chance of having *ever* reached a rung, not of holding it."""


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
    frames = frames_of(runs, "runs")
    require(frames, ["first_recognition_month"], "runs")
    ax = ax if ax is not None else new_axes(1, None, 1, (7.0, 4.0))[0]
    end, lowest = 0, 1.0
    for i, (label, df) in enumerate(frames.items()):
        h = _horizon_of(horizon, label)
        first = pd.to_numeric(df["first_recognition_month"], errors="coerce")
        observed = first.notna().to_numpy()
        if observed.any() and first.max() > h:
            raise ValueError(
                f"first_recognition_month {int(first.max())} is beyond the horizon {h}"
                + (f" of scenario {label!r}" if label else "")
            )
        t, s = kaplan_meier(first.fillna(h).to_numpy(dtype=float), observed)
        lowest = min(lowest, float(s[-1]))
        text = f"{share(int(observed.sum()), len(df))} recognised by month {h}"
        ax.step(
            np.r_[t, h],
            np.r_[s, s[-1]],
            where="post",
            color=colour(i),
            linewidth=2,
            label=f"{label}: {text}" if label else text,
        )
        end = max(end, h)
    ax.set_xlim(0, end)
    bottom = _survival_floor(lowest)
    ax.set_ylim(bottom, 1.0 + (1.0 - bottom) * 0.02)
    ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=1 if bottom >= 0.9 else None))
    ax.set_xlabel("months since start")
    ax.set_ylabel("P(no de jure recognition yet)" + (f"\n(axis starts at {percent(bottom)})" if bottom > 0 else ""))
    ax.set_title("Time to the first de jure recognition (Kaplan–Meier)", fontsize="medium")
    ax.legend(loc="lower left", fontsize="small")
    ax.grid(alpha=0.3)
    return ax


def _survival_floor(lowest: float) -> float:
    """Bottom of the survival axis: 0 when curves fall below one half, else a round level below the
    lowest curve, so that a first recognition in 1 run of 300 is a visible step, not a hairline."""
    if lowest < 0.5:
        return 0.0
    drop = max(1.0 - lowest, 1e-9) * 1.3
    step = next(x for x in (0.01, 0.02, 0.05, 0.1, 0.2, 0.5) if drop <= x)
    return round(1.0 - step, 2)


def outcome_distribution(runs: Frames, columns: Sequence[str] | None = None, ax: AxesArg = None) -> Axes | np.ndarray:
    """Boxplots of final outcomes per scenario, one panel per outcome, with every run as a dot.

    Outcomes are small integer counts with many ties, so the dots (jittered sideways, with a
    fixed local seed so figures are reproducible) show what a box alone would hide.
    """
    frames = frames_of(runs, "runs")
    columns = list(OUTCOMES if columns is None else columns)
    if not columns:
        raise ValueError("no outcome columns given")
    require(frames, columns, "runs")
    axes = new_axes(len(columns), ax, 3, (3.6, 3.4))
    labels = list(frames)
    for a, column in zip(axes, columns, strict=True):
        values = [pd.to_numeric(df[column], errors="coerce").dropna().to_numpy(dtype=float) for df in frames.values()]
        box = a.boxplot(
            values,
            positions=range(len(values)),
            widths=0.5,
            showfliers=False,
            patch_artist=True,
            medianprops={"color": "black"},
        )
        rng = np.random.default_rng(0)
        for i, (v, patch) in enumerate(zip(values, box["boxes"], strict=True)):
            patch.set(facecolor=colour(i), alpha=0.35)
            a.scatter(
                i + rng.uniform(-0.15, 0.15, v.size),
                v,
                s=9,
                color=colour(i),
                alpha=max(0.15, min(0.8, 20 / max(v.size, 1))),
                linewidths=0,
                zorder=3,
            )
        a.set_xticks(
            range(len(labels)),
            labels if any(labels) else [""] * len(labels),
            rotation=30 if len(labels) > 2 else 0,
            ha="right" if len(labels) > 2 else "center",
        )
        a.set_title(pretty(column), fontsize="medium")
        a.set_ylabel(f"{unit(column)} at the horizon" if unit(column) else "at the horizon")
        if all(np.array_equal(v, np.round(v)) for v in values):  # counts: no 0.5 ticks
            a.yaxis.set_major_locator(MaxNLocator(integer=True))
            lo, hi = a.get_ylim()
            if hi - lo < 2:  # every run equal (e.g. no recognition anywhere): show a unit range
                a.set_ylim(np.floor(lo + 0.5) - 0.5, np.floor(lo + 0.5) + 1.5)
        a.grid(axis="y", alpha=0.3)
    return one_or_many(axes)


def state_levels(
    states: pd.DataFrame, ax: Axes | None = None, top: int | None = None, order: Sequence[str] | None = None
) -> Axes:
    """Heat map of each state's probability of ever reaching each rung of the ladder by the horizon.

    ``max_level`` rather than the level at the horizon, because a state that recognised and later
    stepped back still recognised; the subtitle says so. States run top to bottom from the most to
    the least engaged; the United Nations (whose ladder ends at its seat) sits apart below them.
    ``top`` keeps the first N states, ``order`` imposes a row order (to line up panels of several
    scenarios; names it lists that are not in ``states`` get an empty row). Names longer than
    :data:`~recogsim.plots.common.MAX_LABEL` characters are cut so the figure keeps its width.
    """
    if not isinstance(states, pd.DataFrame):
        raise TypeError(f"state_levels plots one scenario: expected a DataFrame, got {type(states).__name__}")
    table = level_probabilities(states)
    if order is not None:
        table = table.reindex(list(order))
    un = set(states.loc[states["bloc"] == UN_BLOC, "state"]) if "bloc" in states.columns else set()
    rows = table[~table.index.isin(un)]
    if top is not None:
        rows = rows.iloc[:top]
    bodies = table[table.index.isin(un)]
    labels = [shorten(s) for s in rows.index]
    if len(bodies):  # a blank row, then the UN: an organisation, not one more state
        gap = pd.DataFrame(np.nan, index=[""], columns=table.columns)
        rows = pd.concat([rows, gap, bodies])
        labels += ["", *(shorten(f"{b} (seat)") for b in bodies.index)]
    if ax is None:
        ax = new_axes(1, None, 1, (6.0, 1.3 + 0.24 * len(rows)))[0]
    values = rows.to_numpy(dtype=float)
    cmap = plt.get_cmap("Blues").with_extremes(bad="white")
    image = ax.imshow(values, cmap=cmap, vmin=0, vmax=1, aspect="auto", interpolation="nearest")
    for (r, c), p in np.ndenumerate(values):
        if np.isnan(p):
            continue
        ax.text(c, r, percent(p), ha="center", va="center", fontsize=7, color="white" if p > 0.6 else "black")
    if len(bodies):
        ax.axhline(len(rows) - len(bodies) - 1, color="0.3", linewidth=0.8)
    ax.set_xticks(
        range(rows.shape[1]), [c.replace("hosts_", "hosts\n").replace("_", " ") for c in rows.columns], fontsize=8
    )
    ax.set_yticks(range(len(rows)), labels, fontsize=8 if len(rows) > 25 else 9)
    ax.tick_params(top=True, labeltop=True, bottom=False, labelbottom=False, length=0)
    ax.set_title(LADDER_TITLE, fontsize="small")
    image.set_label("probability")
    return ax


def missions_by_controller(series: Frames, ax: AxesArg = None) -> Axes | np.ndarray:
    """Stacked areas of the mean number of posts held by the Taliban, held by the Republic and
    closed, over time.

    Stacked because the three add up to every post abroad: the picture is who holds the network.
    Means, not medians, because means of the parts add up to the mean of the whole, so the top edge
    is the number of posts every month (medians of parts need not, and wobble). One panel per
    scenario, with a shared y axis; each title gives the number of runs averaged.
    """
    frames = frames_of(series, "series")
    columns = list(CONTROLLER_COLUMNS)
    require(frames, ["month", *columns], "series")
    axes = new_axes(len(frames), ax, 3, (4.8, 3.6) if len(frames) > 1 else (7.0, 4.2), sharey=True)
    for a, (label, df) in zip(axes, frames.items(), strict=True):
        layers = df.groupby("month")[columns].mean().astype(float)
        a.stackplot(
            layers.index,
            *(layers[c] for c in columns),
            labels=list(CONTROLLER_COLUMNS.values()),
            colors=_CONTROLLER_COLOURS,
            alpha=0.85,
        )
        time_axis(a, dates_of({label: df}))
        runs = df.groupby("month").size().max()
        what = "posts abroad, one run" if runs == 1 else f"posts abroad, mean of {runs:,} runs"
        a.set_title(f"{label}: {what}" if label else what[0].upper() + what[1:], fontsize="medium")
        a.margins(x=0)
        a.yaxis.set_major_locator(MaxNLocator(integer=True, steps=[1, 2, 5, 10]))
    axes[0].set_ylabel("posts")
    axes[0].legend(loc="lower left", fontsize="small", framealpha=0.9)
    return one_or_many(axes)
