"""The work a worker does on the batch engine: a task's replications of each point as one block.

The rows are those :func:`.runner.run_task` gives on the Mesa engine (the same columns and types,
from the output record), built from the block's arrays column by column.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pyarrow as pa

from ..config.calendar import add_month, month_labels
from ..config.joint import JointTable
from ..config.schema import LEVELS, Scenario
from ..model import batch_record, record
from ..model.batch import CAUSES, CONTROLLERS, Batch

BLOCK = 1000
"""Replications advanced together at most (a task's part of one point). The engine runs about 665 runs/s
in blocks of 250, 820 in blocks of 500, 920 in blocks of 1,000 and no faster beyond (890 at 2,000),
while memory grows with the block (README, "Engines")."""


def run_block(
    at_point: Scenario,
    where: str,
    point: int,
    reps: list[tuple[int, int]],
    root: int,
    tables: Mapping[int, JointTable],
    schemas: dict[str, pa.Schema],
) -> dict[str, pa.Table]:
    """Simulate one point's replications ``reps`` ((replication, seed) pairs) as one block and
    return their rows of each table (``runner.run_task`` on the batch engine)."""
    from .runner import _with_draws, draw_block  # the runner's own draws and row check

    replications = np.array([r for r, _ in reps], dtype=np.int64)
    seeds = np.array([s for _, s in reps], dtype=np.int64)
    drawn, rows = draw_block(at_point, root, replications, tables) if at_point.uncertain else ({}, {})
    unchecked = [i for i in rows if not tables[i].rows_to_check()[1]]
    if unchecked:  # rows of large files are checked as they are drawn, as the Mesa engine does
        combos = np.stack([rows[i] for i in unchecked], axis=1)
        for k in np.unique(combos, axis=0, return_index=True)[1]:
            _with_draws(
                at_point,
                {p: float(v[k]) for p, v in drawn.items()},
                {i: int(rows[i][k]) for i in unchecked},
                tables,
                where,
            )
    batch = Batch(at_point, seeds.tolist(), drawn, keep_series="series" in schemas)
    batch.run()
    keys = {"point": point, "replication": replications, "seed": seeds}
    keys["draw"] = replications // at_point.runs_per_draw
    return _tables(batch, at_point, keys, drawn, schemas)


def _tables(
    batch: Batch,
    scenario: Scenario,
    keys: dict[str, Any],
    drawn: Mapping[str, np.ndarray],
    schemas: dict[str, pa.Schema],
) -> dict[str, pa.Table]:
    R, months = batch.R, batch.month + 1
    states, posts = len(scenario.states), len(scenario.missions)
    state_names = [s.name for s in scenario.states]
    out = batch_record.outcomes(batch)
    first = out["first_recognition_month"]
    out["first_recognition_date"] = np.array(
        [add_month(scenario.start, int(m)) if m >= 0 else None for m in first], dtype=object
    )
    columns: dict[str, dict[str, Any]] = {
        "runs": {**keys, **out},
        "parameters": {**keys, **drawn},
    }
    if "series" in schemas:
        per_month = {"replication": np.repeat(keys["replication"], months), "month": np.tile(np.arange(months), R)}
        per_month["date"] = np.tile(np.array(month_labels(scenario.start, months - 1), dtype=object), R)
        per_month |= {name: v[:months].T.ravel() for name, v in batch.series.items()}
        columns["series"] = {"point": keys["point"], **per_month}
    if "states" in schemas:
        st: dict[str, Any] = dict(batch_record.state_columns(batch))
        st["state"] = _names(st["state"], state_names)
        st["bloc"] = _names(st["bloc"], [s.bloc for s in scenario.states])
        st["level"], st["max_level"] = _names(st["level"], LEVELS), _names(st["max_level"], LEVELS)
        columns["states"] = {"point": keys["point"], "replication": np.repeat(keys["replication"], states), **st}
    if "missions" in schemas:
        ms: dict[str, Any] = dict(batch_record.mission_columns(batch))
        ms["mission"] = _names(ms["mission"], [m.name for m in scenario.missions])
        ms["host"] = _names(ms["host"], state_names)
        ms["controller"] = _names(ms["controller"], CONTROLLERS)
        ms["closed_by"] = _names(ms["closed_by"], CAUSES)
        columns["missions"] = {"point": keys["point"], "replication": np.repeat(keys["replication"], posts), **ms}
    rows: dict[str, int] = {table: R * n for table, n in record.rows_per_run(scenario).items()}
    return {
        name: pa.table(
            [_array(columns[name][c], f.type, rows[name]) for c, f in zip(sch.names, sch, strict=True)], schema=sch
        )
        for name, sch in schemas.items()
    }


def _names(codes: np.ndarray, names: Any) -> pa.Array:
    """Names from their indices (-1: null), as Arrow text."""
    codes = np.asarray(codes)
    indices = pa.array(np.maximum(codes, 0).astype(np.int32), mask=codes < 0)
    return pa.DictionaryArray.from_arrays(indices, pa.array(list(names), pa.string())).dictionary_decode()


def _array(values: Any, kind: pa.DataType, n: int) -> pa.Array:
    """One column as Arrow: a key repeated, text, or numbers (months below 0 are null)."""
    if isinstance(values, pa.Array):
        return values.cast(kind)
    if np.isscalar(values):
        return pa.array(np.full(n, values), kind)
    values = np.asarray(values)
    if values.dtype.kind in "OUS":
        return pa.array(values.astype(object), kind)
    view = values.base is not None  # Arrow may share numpy's memory: a view would keep the block's arrays alive
    if pa.types.is_integer(kind):
        return pa.array(values.astype(np.int64, copy=view), kind, mask=values < 0)
    return pa.array(values.astype(np.float64, copy=view), kind)
