"""Figures of one run as it unfolds, for the page's "one run" view: what a single trajectory looks
like month by month, and what moves one state. An ensemble's figures (``ensemble.py``) show spread
across runs; these show one run only, and say so in their titles.

Each function takes data and ``ax=None`` and returns the axes; labels come from the output record.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.ticker import MaxNLocator

from .common import colour, new_axes, pretty, require, time_axis

RUN_COUNTS = ("countries_taliban_presence", "de_facto_count", "de_jure_count", "missions_taliban")
"""The counts the one-run view follows by default: states engaged, the two top rungs, posts taken."""


def run_counts(
    series: pd.DataFrame, columns: Sequence[str] = RUN_COUNTS, dates: Mapping[int, str] | None = None, ax=None
) -> Axes:
    """Counts of one run over the months simulated so far, one line per column (steps: counts
    change from one month to the next, not in between)."""
    require({"": series}, ["month", *columns], "series")
    a = new_axes(1, ax, 1, (6.4, 3.4))[0]
    for i, c in enumerate(columns):
        a.step(series["month"], series[c].astype(float), where="post", color=colour(i), label=pretty(c))
    time_axis(a, dict(dates) if dates else None)
    a.yaxis.set_major_locator(MaxNLocator(integer=True))
    a.set_ylim(bottom=0)
    a.set_ylabel("count")
    a.set_title(f"one run, month {int(series['month'].max())}", fontsize="medium")
    a.legend(loc="upper left", fontsize="small", framealpha=0.9)
    return a


def term_bars(contributions: Mapping[str, float], state: str, ax=None) -> Axes:
    """One state's utility of the next rung up, term by term (weighted and signed: gains right,
    costs left), and their sum: what pulls the state up the ladder and what holds it back."""
    terms = list(contributions)
    values = np.array([contributions[t] for t in terms], dtype=float)
    a = new_axes(1, ax, 1, (6.0, 0.32 * len(terms) + 1.4))[0]
    colours = ["tab:green" if v >= 0 else "tab:red" for v in values]
    a.barh(range(len(terms)), values, color=colours)
    a.set_yticks(range(len(terms)), [pretty(f"u_{t}").removeprefix("mean ").split(" term")[0] for t in terms])
    a.invert_yaxis()
    a.axvline(0.0, color="0.3", linewidth=0.8)
    a.set_xlabel("weighted term of the utility of the next rung up (utility)")
    a.set_title(f"{state}: utility {values.sum():+.2f}, term by term", fontsize="medium")
    return a
