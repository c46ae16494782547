"""What every plot shares: scenarios as frames, checks of columns, axes, colours, the time axis and
labels (from the output record, never raw column names)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.ticker import MaxNLocator

from ..model import record
from ..runs.store import EnsembleResult

Frames = pd.DataFrame | Mapping[str, pd.DataFrame]
AxesArg = Axes | Sequence[Axes] | np.ndarray | None

_UNNAMED = ""  # label of a single scenario passed as a bare DataFrame
_KEYS = ("replication", "month", "point")


def pretty(column: str) -> str:
    """A column's human label, from the output record."""
    return record.label(column)


def unit(column: str) -> str:
    """A column's unit, from the output record (empty when it has none)."""
    col = record.describe(column)
    return col.unit if col is not None else ""


def note(column: str) -> str:
    """What an index column measures and its range, from the output record (empty when none)."""
    col = record.describe(column)
    return col.note if col is not None else ""


def is_count(column: str) -> bool:
    """Whole numbers of states or posts (integer ticks, never half a state)."""
    col = record.describe(column)
    return col is not None and col.kind == "count"


def percent(p: float) -> str:
    """A share as a percentage that never rounds a rare event to "0%" or a near-certain one to "100%".

    1 run in 300 is "0.3%", not "0%": readers of rare-event figures (recognition) need to see
    that it happened. Whole percentages otherwise.
    """
    if not np.isfinite(p):
        return "n/a"
    if p <= 0 or p >= 1:
        return f"{p:.0%}"
    if p < 0.001:
        return "<0.1%"
    if p > 0.999:
        return ">99.9%"
    if p < 0.01 or p > 0.99:
        return f"{p:.1%}"
    return f"{p:.0%}"


def share(k: int, n: int) -> str:
    """``k/n runs (p%)``, with :func:`percent`'s rounding."""
    return f"{k:,}/{n:,} runs ({percent(k / n) if n else 'n/a'})"


MAX_LABEL = 30
"""Longest name drawn on an axis; longer names are cut with an ellipsis so figures stay bounded."""


def shorten(name: object, limit: int = MAX_LABEL) -> str:
    """A name cut to ``limit`` characters (an ellipsis marks the cut) and with line breaks flattened."""
    text = " ".join(str(name).split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def frames_of(data: Frames, what: str) -> dict[str, pd.DataFrame]:
    """Scenarios as ``{label: frame}``; a bare DataFrame is one unnamed scenario."""
    if isinstance(data, pd.DataFrame):
        return {_UNNAMED: data}
    if isinstance(data, Mapping) and data and all(isinstance(v, pd.DataFrame) for v in data.values()):
        return {str(k): v for k, v in data.items()}
    if isinstance(data, Mapping) and not data:
        raise ValueError(
            f"no scenarios given: expected {what} as a DataFrame or a non-empty mapping label -> DataFrame"
        )
    raise TypeError(
        f"expected {what} as a DataFrame or a mapping label -> DataFrame, got {type(data).__name__}"
        + (" (pass result.runs / .series / .states)" if _has_result(data) else "")
    )


def _has_result(data: object) -> bool:
    values = data.values() if isinstance(data, Mapping) else [data]
    return any(isinstance(v, EnsembleResult) for v in values)


def require(frames: Mapping[str, pd.DataFrame], columns: Sequence[str], what: str) -> None:
    """One-line ValueError naming the missing column, the scenario and what is available."""
    for label, df in frames.items():
        missing = [c for c in columns if c not in df.columns]
        if missing:
            where = f" of scenario {label!r}" if label else ""
            available = [c for c in df.columns if c not in _KEYS]
            raise ValueError(f"no column {missing[0]!r} in {what}{where}; available: {', '.join(available)}")


def colour(i: int) -> str:
    """The i-th colour of matplotlib's default cycle, fixed by index so overlays match across panels."""
    return f"C{i % 10}"


def new_axes(n: int, ax: AxesArg, ncols: int, panel: tuple[float, float], **kw) -> np.ndarray:
    """``n`` axes: the caller's (checked for count) or a new constrained-layout figure's."""
    if ax is not None:
        axes = np.asarray([ax] if isinstance(ax, Axes) else list(np.ravel(np.asarray(ax, dtype=object))), dtype=object)
        if len(axes) != n:
            raise ValueError(f"this plot draws {n} panel(s) but {len(axes)} axes were given")
        return axes
    ncols = max(1, min(ncols, n))
    nrows = -(-n // ncols)
    fig, grid = plt.subplots(
        nrows, ncols, squeeze=False, layout="constrained", figsize=(panel[0] * ncols, panel[1] * nrows), **kw
    )
    for extra in grid.ravel()[n:]:
        fig.delaxes(extra)
    return grid.ravel()[:n]


def one_or_many(axes: np.ndarray) -> Axes | np.ndarray:
    return axes[0] if len(axes) == 1 else axes


def dates_of(frames: Mapping[str, pd.DataFrame]) -> dict[int, str] | None:
    """month -> 'YYYY-MM' if every scenario has dates and they agree (same start), else None."""
    merged: dict[int, str] = {}
    for df in frames.values():
        if "date" not in df.columns:
            return None
        pairs = df[["month", "date"]].drop_duplicates()
        for m, d in zip(pairs["month"], pairs["date"], strict=True):
            if merged.setdefault(int(m), str(d)) != str(d):
                return None
    return merged


def time_axis(ax: Axes, dates: dict[int, str] | None) -> None:
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
    if span:  # a single month (a run at its start) keeps matplotlib's own margins
        ax.set_xlim(months[0], months[-1])
    ax.set_xlabel("date")
