"""How much of an ensemble's spread comes from what we do not know, and how much from chance.

When a scenario draws its unidentified parameters per replication (``uncertain:``) and lets
``runs_per_draw`` replications share each draw, the runs form groups: the spread between groups is
what the parameters contribute, the spread within them is chance. A one-way random-effects
analysis of variance (the law of total variance, Var Y = Var E[Y|θ] + E Var[Y|θ]) splits them:

    σ²_chance = MSW,   σ²_parameters = max((MSB − MSW) / n₀, 0),   n₀ = (N − Σ n_g² / N) / (G − 1)

with G draws, N runs and n_g runs in draw g (n₀ handles a last, incomplete group). With one run
per draw the two cannot be told apart and the shares are not reported.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from .sweeps import RECOGNIZED


def _values(runs: pd.DataFrame, outcome: str) -> pd.Series:
    if outcome == RECOGNIZED:
        return runs["first_recognition_month"].notna().astype(float)
    return pd.to_numeric(runs[outcome]).astype(float)


def variance_components(y: ArrayLike, groups: ArrayLike) -> tuple[float, float]:
    """(between-group, within-group) variance components of ``y`` grouped by ``groups``."""
    df = pd.DataFrame({"y": np.asarray(y, dtype=float), "g": np.asarray(groups)})
    sizes = df.groupby("g")["y"].size()
    n, k = len(df), len(sizes)
    if k < 2 or n <= k:
        return float("nan"), float("nan")
    means = df.groupby("g")["y"].transform("mean")
    msw = float(((df["y"] - means) ** 2).sum() / (n - k))
    msb = float((sizes * (df.groupby("g")["y"].mean() - df["y"].mean()) ** 2).sum() / (k - 1))
    n0 = (n - float((sizes**2).sum()) / n) / (k - 1)
    return max((msb - msw) / n0, 0.0), msw


def spread_sources(runs: pd.DataFrame, parameters: pd.DataFrame | None, outcomes: Sequence[str]) -> pd.DataFrame:
    """Per outcome: its variance over runs and the shares from parameters and from chance.

    ``parameters`` is an ensemble's ``parameters`` table (its ``draw`` column groups the runs).
    Shares are NaN when no parameter is drawn or every draw has one run."""
    rows = []
    for outcome in outcomes:
        y = _values(runs, outcome)
        between, within = float("nan"), float("nan")
        if parameters is not None and parameters["draw"].nunique() < len(parameters):
            draw = runs["replication"].map(parameters.set_index("replication")["draw"])
            between, within = variance_components(y.to_numpy(), draw.to_numpy())
        total = between + within
        rows.append(
            {
                "outcome": outcome,
                "variance": float(y.var(ddof=1)) if len(y) > 1 else float("nan"),
                "from_parameters": between / total if total > 0 else float("nan"),
                "from_chance": within / total if total > 0 else float("nan"),
            }
        )
    return pd.DataFrame(rows)
