"""Joint draws: the rows of an ``uncertain:`` block's ``from:`` file, and how a draw picks one.

A posterior sample keeps what independent priors lose, the correlations between parameters; so a
block's columns are drawn together, one whole row per draw. Here the file is read (once per
content: a small cache keyed by path, size and modification time, since a scenario, its
experiment and its run plan all ask for it), its bytes hashed (manifests record the hash, so
``--resume`` can tell the file changed) and its shape checked: Parquet, rows, numeric finite
columns, usable weights. Whether the columns are parameters a scenario may draw, and whether each
row makes a valid scenario, is the business of :mod:`.references`, which knows the scenario.

Problems raise :class:`JointFileError` with ``key`` ``"from"`` or ``"weight"`` and a one-line
message naming the file; the caller adds the scenario file and the entry (``uncertain[2].from``).
"""

from __future__ import annotations

import hashlib
import os
import stat
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

ROW_CHECK_LIMIT = 2000
"""Distinct drawable rows up to which every row is checked against the scenario before a run; a
larger file has the rows holding each column's minimum and maximum checked, and every other row
when a run draws it."""


class JointFileError(ValueError):
    """A ``from:`` file that cannot serve as joint draws; ``key`` is the entry's key to blame."""

    def __init__(self, key: str, message: str):
        super().__init__(message)
        self.key, self.message = key, message


@dataclass(frozen=True)
class JointTable:
    """The rows of one ``from:`` file: ``values[row, column]`` for each parameter path in
    ``columns``, ``cumulative`` the running sum of the weights (None: rows equally likely)."""

    file: str
    columns: tuple[str, ...]
    values: np.ndarray
    cumulative: np.ndarray | None
    sha256: str

    @property
    def name(self) -> str:
        return Path(self.file).name

    @property
    def rows(self) -> int:
        return len(self.values)

    def pick(self, u: float) -> int:
        """The row a draw takes for the uniform number ``u`` in [0, 1): inverse transform of the
        weights' distribution, so a row of weight 0 is never taken."""
        return int(self.picks(np.array([u]))[0])

    def picks(self, u: np.ndarray) -> np.ndarray:
        """:meth:`pick` for an array of uniform numbers at once."""
        u = np.asarray(u, dtype=float)
        if self.cumulative is None:
            return np.minimum((u * self.rows).astype(np.int64), self.rows - 1)
        total = float(self.cumulative[-1])
        rows = np.searchsorted(self.cumulative, u * total, side="right")
        # u * total rounded up to the total: the last row that has weight
        last = int(np.flatnonzero(self.cumulative < total).max(initial=-1)) + 1
        return np.where(rows >= self.rows, last, rows).astype(np.int64)

    def drawable(self) -> np.ndarray:
        """Indices of the rows a draw can take (weight above 0)."""
        if self.cumulative is None:
            return np.arange(self.rows)
        return np.flatnonzero(np.diff(self.cumulative, prepend=0.0) > 0)

    def row(self, i: int) -> dict[str, float]:
        return {c: float(v) for c, v in zip(self.columns, self.values[i], strict=True)}

    def rows_to_check(self) -> tuple[list[int], bool]:
        """Rows to check against a scenario, those holding a column's minimum or maximum first
        (they meet each parameter's bounds), and whether that is all of them (False when the file
        has more than :data:`ROW_CHECK_LIMIT` distinct drawable rows)."""
        rows = self.drawable()
        _, first = np.unique(self.values[rows], axis=0, return_index=True)
        distinct = rows[np.sort(first)]
        ends = self.extreme_rows()
        if len(distinct) > ROW_CHECK_LIMIT:
            return ends, False
        seen = set(ends)
        return ends + [int(r) for r in distinct if int(r) not in seen], True

    def extreme_rows(self) -> list[int]:
        """The drawable rows holding each column's smallest and largest value, in row order."""
        rows = self.drawable()
        vals = self.values[rows]
        picked = {int(rows[i]) for i in (*vals.argmin(axis=0), *vals.argmax(axis=0))}
        return sorted(picked)


_CACHE: dict[tuple[str, str | None, int, int], JointTable] = {}
_CACHE_SIZE = 8


def read(file: str | Path, weight: str | None) -> JointTable:
    """The joint draws in ``file`` (resolved by the loader), checked for shape; see the module."""
    path = Path(file)
    try:
        st = path.stat()
    except FileNotFoundError:
        raise JointFileError("from", f"expected a Parquet file, got {str(path)!r}: not found") from None
    except OSError as exc:
        raise JointFileError("from", f"expected a Parquet file, got {str(path)!r}: {exc.strerror or exc}") from None
    if not stat.S_ISREG(st.st_mode):  # a folder, device or pipe: no Parquet file, and a device may never end
        raise JointFileError("from", f"expected a Parquet file, got {str(path)!r}: not a regular file")
    key = (os.path.abspath(path), weight, st.st_mtime_ns, st.st_size)
    if key not in _CACHE:
        if len(_CACHE) >= _CACHE_SIZE:
            _CACHE.pop(next(iter(_CACHE)))
        _CACHE[key] = _read(path, weight)
    return _CACHE[key]


def _read(path: Path, weight: str | None) -> JointTable:
    name = path.name
    try:
        blob = path.read_bytes()
    except OSError as exc:
        raise JointFileError(
            "from", f"expected a readable Parquet file, got {str(path)!r}: {exc.strerror or exc.__class__.__name__}"
        ) from None
    if len(blob) < 12 or blob[:4] != b"PAR1" or blob[-4:] != b"PAR1":
        raise JointFileError("from", f"expected a Parquet file, got {name} without Parquet's PAR1 markers")
    try:
        table = pq.read_table(pa.BufferReader(blob), use_threads=False, pre_buffer=False)
    except Exception as exc:  # pyarrow raises several types for damaged files
        first = str(exc).splitlines()[0] if str(exc) else exc.__class__.__name__
        raise JointFileError("from", f"expected a readable Parquet file, got {name}: {first}") from None
    table = _without_pandas_index(table)
    names = table.column_names
    dupes = sorted({c for c in names if names.count(c) > 1})
    if dupes:
        raise JointFileError("from", f"expected each column once in {name}, got {dupes[0]!r} twice")
    if weight is not None and weight not in names:
        raise JointFileError(
            "weight", f"expected a column {weight!r} in {name}, got columns {', '.join(names) or 'none'}"
        )
    columns = tuple(c for c in names if c != weight)
    if not columns:
        raise JointFileError("from", f"expected at least one parameter column in {name}, got none")
    if table.num_rows == 0:
        raise JointFileError("from", f"expected rows of joint draws in {name}, got an empty table")
    values = np.column_stack([_numbers(table, c, name, "from") for c in columns])
    cumulative = None if weight is None else _cumulative(_numbers(table, weight, name, "weight"), weight, name)
    return JointTable(str(path), columns, values, cumulative, hashlib.sha256(blob).hexdigest())


def _without_pandas_index(table: pa.Table) -> pa.Table:
    """Drop a DataFrame index that pandas stored as a column: it is no parameter."""
    meta = table.schema.pandas_metadata or {}
    index = [c for c in meta.get("index_columns", []) if isinstance(c, str) and c in table.column_names]
    return table.drop_columns(index) if index else table


def _numbers(table: pa.Table, column: str, name: str, key: str) -> np.ndarray:
    """A column as finite floats, or a one-line error naming the first offending row."""
    col = table.column(column)
    if not (pa.types.is_integer(col.type) or pa.types.is_floating(col.type)):
        raise JointFileError(key, f"expected numbers in column {column!r} of {name}, got {col.type}")
    values = np.asarray(col.to_numpy(zero_copy_only=False), dtype=float)
    bad = np.flatnonzero(~np.isfinite(values))
    if len(bad):
        found = "a missing value" if not col[int(bad[0])].is_valid else f"{values[bad[0]]}"
        raise JointFileError(
            key, f"expected a finite number in every row of column {column!r} of {name}, got {found} in row {bad[0]}"
        )
    return values


def _cumulative(weights: np.ndarray, column: str, name: str) -> np.ndarray:
    negative = np.flatnonzero(weights < 0)
    if len(negative):
        r = int(negative[0])
        raise JointFileError(
            "weight", f"expected weights of at least 0 in column {column!r} of {name}, got {weights[r]} in row {r}"
        )
    cumulative = np.cumsum(weights)
    if not cumulative[-1] > 0:
        raise JointFileError("weight", f"expected some weight above 0 in column {column!r} of {name}, got all 0")
    if not np.isfinite(cumulative[-1]):
        raise JointFileError("weight", f"expected weights with a finite sum in column {column!r} of {name}, got inf")
    return cumulative
