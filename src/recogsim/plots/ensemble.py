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

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.patches import Patch
from matplotlib.ticker import MaxNLocator

from ..analysis.statistics import kaplan_meier, level_probabilities, quantiles
from .common import (
    AxesArg,
    Frames,
    colour,
    dates_of,
    frames_of,
    new_axes,
    one_or_many,
    pretty,
    require,
    time_axis,
    unit,
)

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


def fan_chart(series: Frames, column: str, ax: Axes | None = None, bands: bool = True) -> Axes:
    """Median and the middle 50% and 90% of runs of one series column over time.

    Bands rather than a mean line because outcomes are skewed and discrete (counts of states and
    posts): the median is a value runs actually take, and the bands show how far runs disagree.
    Several scenarios are overlaid in distinct colours.
    """
    frames = frames_of(series, "series")
    require(frames, ["month"], "series")
    require(frames, [column], "series")
    ax = ax if ax is not None else new_axes(1, None, 1, (7.0, 4.0))[0]
    handles = []
    for i, (label, df) in enumerate(frames.items()):
        q = quantiles(df, column)
        c = colour(i)
        if bands:
            ax.fill_between(q.index, q[0.05], q[0.95], color=c, alpha=0.15, linewidth=0)
            ax.fill_between(q.index, q[0.25], q[0.75], color=c, alpha=0.3, linewidth=0)
        (line,) = ax.plot(q.index, q[0.5], color=c, linewidth=2, label=f"{label} (median)" if label else "median")
        handles.append(line)
    if bands:
        handles += [
            Patch(color="0.5", alpha=0.45, label="middle 50% of runs"),
            Patch(color="0.5", alpha=0.15, label="middle 90% of runs"),
        ]
    ax.legend(handles=handles, loc="best", fontsize="small")
    ax.set_ylabel(unit(column) or pretty(column))
    ax.set_title(pretty(column))
    time_axis(ax, dates_of(frames))
    ax.grid(alpha=0.3)
    return ax


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
    end = 0
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
        share = f"{observed.sum()}/{len(df)} runs ({observed.mean():.0%}) recognised by month {h}"
        ax.step(
            np.r_[t, h],
            np.r_[s, s[-1]],
            where="post",
            color=colour(i),
            linewidth=2,
            label=f"{label}: {share}" if label else share,
        )
        end = max(end, h)
    ax.set_xlim(0, end)
    ax.set_ylim(0, 1.02)
    ax.set_xlabel("months since start")
    ax.set_ylabel("P(no de jure recognition yet)")
    ax.set_title("Time to the first de jure recognition (Kaplan–Meier)")
    ax.legend(loc="lower left", fontsize="small")
    ax.grid(alpha=0.3)
    return ax


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
        ax = new_axes(1, None, 1, (5.5, 0.8 + 0.24 * len(table)))[0]
    image = ax.imshow(table.to_numpy(), cmap="Blues", vmin=0, vmax=1, aspect="auto", interpolation="nearest")
    for (r, c), p in np.ndenumerate(table.to_numpy()):
        if np.isnan(p):
            continue
        ax.text(c, r, f"{p:.0%}", ha="center", va="center", fontsize=7, color="white" if p > 0.6 else "black")
    ax.set_xticks(
        range(table.shape[1]), [c.replace("hosts_", "hosts\n").replace("_", " ") for c in table.columns], fontsize=8
    )
    ax.set_yticks(range(len(table)), table.index, fontsize=8 if len(table) > 25 else 9)
    ax.tick_params(top=True, labeltop=True, bottom=False, labelbottom=False, length=0)
    ax.set_title("P(reached level by horizon)", fontsize="medium")
    image.set_label("probability")
    return ax


def missions_by_controller(series: Frames, ax: AxesArg = None, stat: str = "median") -> Axes | np.ndarray:
    """Stacked areas of posts held by the Taliban, held by the Republic and closed, over time.

    Stacked because the three add up to every post abroad: the picture is who holds the network.
    The layers are per-month medians (or means, ``stat="mean"``) over replications; medians of the
    parts need not add up to the total, so the top edge may wobble by a post or two, where means
    add up exactly. One panel per scenario, with a shared y axis.
    """
    if stat not in ("median", "mean"):
        raise ValueError(f"stat must be 'median' or 'mean', got {stat!r}")
    frames = frames_of(series, "series")
    columns = list(CONTROLLER_COLUMNS)
    require(frames, ["month", *columns], "series")
    axes = new_axes(len(frames), ax, 3, (4.8, 3.6), sharey=True)
    for a, (label, df) in zip(axes, frames.items(), strict=True):
        layers = df.groupby("month")[columns].agg(stat).astype(float)
        a.stackplot(
            layers.index,
            *(layers[c] for c in columns),
            labels=list(CONTROLLER_COLUMNS.values()),
            colors=_CONTROLLER_COLOURS,
            alpha=0.85,
        )
        time_axis(a, dates_of({label: df}))
        a.set_title(
            f"{label}: posts abroad ({stat} of runs)" if label else f"Posts abroad ({stat} of runs)", fontsize="medium"
        )
        a.margins(x=0)
    axes[0].set_ylabel("posts")
    axes[0].legend(loc="lower left", fontsize="small", framealpha=0.9)
    return one_or_many(axes)
