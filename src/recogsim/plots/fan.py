"""Fan charts: how one series spreads across runs over time.

An ensemble is a distribution, not a trajectory, so the chart shows the median run and the middle
50% and 90% of runs month by month. Three things keep it readable for its readers (analysts, not
modellers): several scenarios get a panel each on a shared y axis (overlaid bands of two colours
blend into a third that belongs to neither); counts sit on whole-number ticks from zero and
indices on their whole 0-1 range with a line saying what they measure; and a series whose median
is 0 in every month (de jure recognition, a rare event) is drawn as the share of runs at one or
more, since bands pinned at 0 would hide every run that did recognise.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.patches import Patch
from matplotlib.ticker import MaxNLocator, PercentFormatter

from ..analysis.statistics import quantiles, wilson_interval
from .common import (
    AxesArg,
    Frames,
    colour,
    dates_of,
    frames_of,
    is_count,
    new_axes,
    note,
    one_or_many,
    pretty,
    require,
    time_axis,
    unit,
)

Show = Literal["auto", "bands", "share"]
Layout = Literal["panels", "overlay"]

OUTER_ALPHA, INNER_ALPHA = 0.15, 0.3
"""Band opacities. The inner band is drawn over the outer, so it shows at 1 - (1 - 0.15)(1 - 0.3)."""
_INNER_SEEN = 1 - (1 - OUTER_ALPHA) * (1 - INNER_ALPHA)


def is_rare(frames: dict[str, pd.DataFrame], column: str) -> bool:
    """A count whose per-month median is 0 throughout in every scenario: bands would be a flat 0."""
    return is_count(column) and all((df.groupby("month")[column].median() == 0).all() for df in frames.values())


def fan_chart(
    series: Frames,
    column: str,
    ax: AxesArg = None,
    bands: bool = True,
    show: Show = "auto",
    layout: Layout = "panels",
    full_range: bool = True,
) -> Axes | np.ndarray:
    """Median and the middle 50% and 90% of runs of one series column over time.

    Bands rather than a mean line because outcomes are skewed and discrete (counts of states and
    posts): the median is a value runs actually take, and the bands show how far runs disagree.

    ``show="share"`` (chosen by ``"auto"`` for a count whose median is 0 in every month) draws the
    share of runs at one or more instead, with its 90% Wilson interval. ``layout="panels"``
    gives each scenario a panel, titled with its label, on a shared y axis; ``"overlay"`` draws them
    on one axes, medians and inner bands filled and outer bands as dashed edges. ``full_range``
    puts an index on 0-1 (or 0 to its maximum above 1); ``False`` zooms to the data. Returns the
    axes, an array of them for panels.
    """
    if show not in ("auto", "bands", "share"):
        raise ValueError(f"show must be 'auto', 'bands' or 'share', got {show!r}")
    if layout not in ("panels", "overlay"):
        raise ValueError(f"layout must be 'panels' or 'overlay', got {layout!r}")
    frames = frames_of(series, "series")
    require(frames, ["month", column], "series")
    as_share = show == "share" or (show == "auto" and is_rare(frames, column))
    panels = layout != "overlay"
    axes = (
        new_axes(len(frames), ax, min(3, len(frames)), (5.0, 3.8) if len(frames) > 1 else (7.0, 4.2), sharey=True)
        if panels
        else new_axes(1, ax, 1, (7.0, 4.2))
    )
    top = 0.0
    handles: list[list] = [[] for _ in axes]
    for i, (label, df) in enumerate(frames.items()):
        j, name = (i, "") if panels else (0, label)
        if as_share:
            drawn, high = _share(axes[j], df, column, colour(i), name)
            top = max(top, high)
        else:
            drawn = _bands(axes[j], df, column, colour(i), name, bands, outline=not panels and len(frames) > 1)
        handles[j] += drawn
    several = panels and len(frames) > 1
    for i, (a, label) in enumerate(zip(axes, frames if panels else [""], strict=True)):
        _dress(a, {label: frames[label]} if panels else frames, column, as_share, full_range, top)
        a.legend(handles=handles[i], loc="best", fontsize="small")
        if several and ax is None:  # our own figure: the series named once above its panels
            a.set_title(label, fontsize="medium")
        else:
            title = f"{_title(column, as_share)}\n{_explain(column, as_share)}".rstrip()
            a.set_title(f"{label}: {title}" if label else title, fontsize="medium" if "\n" not in title else "small")
    if several and ax is None:
        text = f"{_title(column, as_share)}\n{_explain(column, as_share)}".rstrip()
        axes[0].figure.suptitle(text, fontsize="medium")
    return one_or_many(axes)


def _bands(a: Axes, df: pd.DataFrame, column: str, c: str, label: str, bands: bool, outline: bool) -> list:
    """Median line and bands of one scenario in colour ``c``; returns its legend handles."""
    q = quantiles(df, column)
    handles: list[Artist] = []
    if bands:
        if outline:  # overlaid scenarios: only the inner band filled, the outer as its edges
            for edge in (0.05, 0.95):
                a.plot(q.index, q[edge], color=c, linewidth=0.9, linestyle="--")
        else:
            a.fill_between(q.index, q[0.05], q[0.95], color=c, alpha=OUTER_ALPHA, linewidth=0)
        a.fill_between(q.index, q[0.25], q[0.75], color=c, alpha=INNER_ALPHA, linewidth=0)
    (line,) = a.plot(q.index, q[0.5], color=c, linewidth=2, label=f"{label} (median)" if label else "median")
    handles.append(line)
    if bands:
        inner = Patch(facecolor=c, alpha=INNER_ALPHA if outline else _INNER_SEEN, label="middle 50% of runs")
        outer = (
            Patch(facecolor="none", edgecolor=c, linestyle="--", label="middle 90% of runs (edges)")
            if outline
            else Patch(facecolor=c, alpha=OUTER_ALPHA, label="middle 90% of runs")
        )
        handles += [inner, outer]
    for h in handles[1:] if label else ():
        h.set_label(f"{label}: {h.get_label()}")
    return handles


def _share(a: Axes, df: pd.DataFrame, column: str, c: str, label: str) -> tuple[list, float]:
    """Share of runs at one or more per month, with its 90% Wilson band: legend handles, band's top."""
    at_least = (df[column] >= 1).groupby(df["month"]).agg(["sum", "size"])
    p = at_least["sum"] / at_least["size"]
    lo, hi = np.array([wilson_interval(k, n) for k, n in zip(at_least["sum"], at_least["size"], strict=True)]).T
    a.fill_between(p.index, lo, hi, color=c, alpha=INNER_ALPHA, linewidth=0)
    name = "share of runs at 1 or more"
    (line,) = a.plot(p.index, p, color=c, linewidth=2, label=f"{label}: {name}" if label else name)
    band = Patch(facecolor=c, alpha=INNER_ALPHA, label=f"{label}: 90% interval" if label else "90% interval")
    return [line, band], float(np.max(hi))


def _title(column: str, as_share: bool) -> str:
    return pretty(column) + (": share of runs with 1 or more" if as_share else "")


def _explain(column: str, as_share: bool) -> str:
    """What the reader needs to read the series: an index's meaning, or why a count is a share."""
    if as_share:
        return (
            "the median is 0 in every month: the line is the share of runs with at least one, the band its 90% interval"
        )
    return note(column)


def _dress(a: Axes, frames: dict[str, pd.DataFrame], column: str, as_share: bool, full_range: bool, top: float) -> None:
    """The y axis fit for the series' kind, and the time axis."""
    if as_share:
        a.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=None))
        a.set_ylim(0, min(1.0, max(0.05, 1.15 * top)))
        a.set_ylabel("share of runs")
    else:
        a.set_ylabel(unit(column) or pretty(column))
        values = pd.concat([df[column] for df in frames.values()])
        if is_count(column):
            a.yaxis.set_major_locator(MaxNLocator(integer=True))
            a.set_ylim(0, max(1.0, float(values.max())) * 1.05)
        elif full_range and note(column) and float(values.min()) >= 0:
            a.set_ylim(0, max(1.0, float(values.max())))
    time_axis(a, dates_of(frames))
    a.grid(alpha=0.3)
