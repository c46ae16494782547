"""A block's results as the output record's columns, one value (or row) per replication."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from ..config.schema import LEVELS, slug
from .shared import HOSTS, TERMS

if TYPE_CHECKING:
    from .batch import Batch


def outcomes(b: Batch) -> dict[str, Any]:
    """Run-level outcomes, one value per replication: the last month's series columns and the
    ``runs`` columns of the output record (months as integers, -1 where null)."""
    out: dict[str, Any] = {name: v[b.month if b.keep_series else 0] for name, v in b.series.items()}
    recognized = b.first_recognition >= 0
    names = np.array(b.state_names, dtype=object)
    out["first_recognition_month"] = b.first_recognition
    recognizer = names[np.maximum(b.recognizer, 0)]
    recognizer[~recognized] = None
    out["first_recognizer"] = recognizer
    out["months"] = np.full(b.R, b.month, dtype=np.int64)
    un = np.flatnonzero(~b.counted)
    out["un_seat_month"] = b.first_month[:, un[0], HOSTS] if un.size else np.full(b.R, -1, dtype=np.int64)
    for i, name in enumerate(b.state_names):
        out[f"max_level_{slug(name)}"] = b.max_levels[:, i]
    return out


def state_columns(b: Batch) -> dict[str, np.ndarray]:
    """The ``states`` columns, replication by replication (R * states rows); rungs as their
    index on the ladder, months -1 where null."""
    S = len(b.state_names)
    out: dict[str, np.ndarray] = {
        "state": np.tile(np.arange(S), b.R),
        "bloc": np.tile(np.arange(S), b.R),
        "level": b.levels.ravel(),
        "max_level": b.max_levels.ravel(),
    }
    for rung, name in enumerate(LEVELS[1:], start=1):
        out[f"month_{name}"] = b.first_month[:, :, rung].ravel()
    means = b.term_sums / max(b.month, 1)
    for j, term in enumerate(TERMS):
        out[f"u_{term}"] = means[j].ravel()
    return out


def mission_columns(b: Batch) -> dict[str, np.ndarray]:
    """The ``missions`` columns (R * posts rows): posts and hosts as indices, the controller
    and cause of closure as codes (-1: open), months -1 where null."""
    P = len(b.scenario.missions)
    return {
        "mission": np.tile(np.arange(P), b.R),
        "host": np.tile(b.post_hosts, b.R),
        "controller": b.controller.ravel().astype(np.int64),
        "month_taliban": b.month_taliban.ravel(),
        "month_closed": b.month_closed.ravel(),
        "closed_by": b.closed_by.ravel().astype(np.int64),
    }
