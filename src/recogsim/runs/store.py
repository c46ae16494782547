"""Results: where finished runs go while a plan runs, and the folders they end in.

Two sinks take finished runs as Arrow tables with the output record's schemas: :class:`MemorySink`
(an ensemble returned to Python) and :class:`ChunkStore` (a results folder: runs accumulate in
``chunks/``, each chunk written to a temporary name and renamed, so a killed run loses nothing it
finished and ``--resume`` redoes nothing). Both consolidate the same way, sorted by point and
replication, so the files are the same bit for bit whatever the executor, the number of workers,
the order runs finish in, or how many times a run was interrupted.

A results folder holds ``runs.parquet``, ``series.parquet`` (ensembles; sweeps with
``keep_series``), ``states.parquet`` and ``missions.parquet`` (ensembles), ``points.parquet``
(sweeps) and ``manifest.json``, whose ``status`` is ``running`` until the tables are consolidated.
Ensemble folders written before the ``missions`` table existed lack ``missions.parquet``; they are
still read (``EnsembleResult.missions`` is then None).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, cast

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from ..config.schema import Scenario
from ..errors import InputError
from ..model import record

TABLES = ("runs", "series", "states")
"""The tables every complete ensemble folder holds; ``missions`` and ``parameters`` may be absent."""
SORT_KEYS = ("point", "replication")
CHUNK = re.compile(r"^runs-(\d{6})\.parquet$")
PART = re.compile(r"^([a-z]+)-(\d{6})\.parquet$")
"""A chunk's file of any table: ``series-000003.parquet``."""


class StoreError(InputError):
    """A results folder that cannot be started, resumed, read or consolidated as asked."""


# ---------------------------------------------------------------- result classes
@dataclass
class EnsembleResult:
    """An ensemble's tables and its manifest (see README, "Results"); ``parameters`` holds each
    replication's drawn values when the scenario has ``uncertain:`` paths. ``missions`` (one row
    per run and post) is None only for a folder written before that table existed."""

    runs: pd.DataFrame
    series: pd.DataFrame
    states: pd.DataFrame
    manifest: dict[str, Any] = field(default_factory=dict)
    parameters: pd.DataFrame | None = None
    missions: pd.DataFrame | None = None


@dataclass
class SweepResult:
    """A sweep folder read back: the design points, one row per run, series if kept, the manifest."""

    points: pd.DataFrame
    runs: pd.DataFrame
    series: pd.DataFrame | None
    manifest: dict[str, Any]
    parameters: pd.DataFrame | None = None


def frame(table: pa.Table) -> pd.DataFrame:
    """A table as pandas, nullable whole-number columns as ``Int64`` (not floats with NaN)."""
    df = table.to_pandas()
    for f in table.schema:
        if pa.types.is_integer(f.type) and f.nullable:
            df[f.name] = df[f.name].astype("Int64")
    return df


# ---------------------------------------------------------------- atomic files
_UMASK = os.umask(0)
os.umask(_UMASK)


def atomic_write(path: Path, write: Callable[[Path], Any]) -> None:
    """Call ``write(tmp_path)`` then rename over ``path``; the temp file is removed on failure."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    os.chmod(tmp, 0o666 & ~_UMASK)  # as open() would make it: mkstemp's files are private
    try:
        write(Path(tmp))
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_table(table: pa.Table, path: Path, scratch: bool = False) -> None:
    """``scratch``: a file read back once and removed (a chunk), written for speed, not size (LZ4,
    no dictionaries: about half the time, twice the bytes)."""
    options: dict[str, Any] = {"compression": "lz4", "use_dictionary": False} if scratch else {}
    atomic_write(path, lambda tmp: pq.write_table(table.replace_schema_metadata(None), tmp, **options))


def write_json(data: dict[str, Any], path: Path) -> None:
    atomic_write(path, lambda tmp: tmp.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n"))


def read_manifest(folder: Path) -> dict[str, Any]:
    path = folder / "manifest.json"
    try:
        data = json.loads(path.read_text())
    except FileNotFoundError:
        raise StoreError(str(folder), None, "not a results folder (no manifest.json)") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise StoreError(
            str(path), None, f"unreadable manifest ({exc.__class__.__name__}); cannot tell what this folder holds"
        ) from None
    if not isinstance(data, dict):
        raise StoreError(str(path), None, f"expected a JSON object, got {type(data).__name__}")
    return data


def _read_table(path: Path) -> pa.Table:
    if not path.exists():
        raise StoreError(str(path), None, "missing: not a complete results folder")
    try:
        return pq.read_table(path)
    except Exception as exc:  # pyarrow raises several types for damaged files
        raise StoreError(str(path), None, f"unreadable Parquet file ({exc.__class__.__name__})") from None


# ---------------------------------------------------------------- sinks
def consolidate(parts: dict[str, list[pa.Table]], schemas: dict[str, pa.Schema]) -> dict[str, pa.Table]:
    """Each table's parts concatenated and sorted by point and replication (a stable sort, so a
    run's months and states keep their order)."""
    out = {}
    for name, sch in schemas.items():
        pieces = parts.get(name) or [sch.empty_table()]
        table = pa.concat_tables([p.cast(sch) for p in pieces])
        keys: list[tuple[str, Literal["ascending", "descending"]]] = [
            (k, "ascending") for k in SORT_KEYS if k in sch.names
        ]
        out[name] = (table if _sorted(table, [k for k, _ in keys]) else table.sort_by(keys)).combine_chunks()
    return out


def _sorted(table: pa.Table, keys: list[str]) -> bool:
    """Whether the rows are already in order of ``keys`` (non-null integers), as the runs of one
    process come: then the stable sort would leave them as they are, and is skipped."""
    if not keys or table.num_rows < 2:
        return True
    first, *rest = (table.column(k).to_numpy() for k in keys)
    ahead, tied = first[1:] > first[:-1], first[1:] == first[:-1]
    for col in rest:
        ahead, tied = ahead | (tied & (col[1:] > col[:-1])), tied & (col[1:] == col[:-1])
    return bool(np.all(ahead | tied))


class MemorySink:
    """Finished runs kept in memory (an ensemble returned to Python)."""

    def __init__(self, schemas: dict[str, pa.Schema]):
        self.schemas = schemas
        self.parts: dict[str, list[pa.Table]] = {name: [] for name in schemas}

    def done(self) -> set[tuple[int, int]]:
        return set()

    def write(self, results: list[dict[str, pa.Table]]) -> None:
        for res in results:
            for name, table in res.items():
                self.parts[name].append(table)

    def tables(self) -> dict[str, pa.Table]:
        return consolidate(self.parts, self.schemas)


KEEP_BYTES = 64 * 2**20
"""How much of the chunks it wrote a results folder keeps in memory to consolidate them."""


class ChunkStore:
    """Finished runs on disk in numbered chunks; a chunk counts only once its runs file exists
    (the other tables of a chunk are written first) and it holds every table of ``schemas``."""

    def __init__(self, out: Path, schemas: dict[str, pa.Schema]):
        self.out, self.dir, self.schemas = out, out / "chunks", schemas
        self.dir.mkdir(parents=True, exist_ok=True)
        for tmp in self.dir.glob(".*.tmp"):  # debris of a write that was killed
            tmp.unlink()
        numbers = {int(m.group(1)) for f in self.dir.iterdir() if (m := CHUNK.match(f.name))}
        self.next = max(numbers, default=-1) + 1
        # other tables written, runs not (a killed write), or runs without a table this version
        # keeps (a chunk of an older version, before the missions table): redo those runs, or a
        # consolidated table would miss them
        numbers = {n for n in numbers if all((self.dir / f"{t}-{n:06d}.parquet").exists() for t in schemas)}
        for orphan in self.dir.glob("*-*.parquet"):
            m = PART.match(orphan.name)
            if m and int(m.group(2)) not in numbers:  # names of other kinds are not this store's: left
                orphan.unlink()
        self.kept: dict[int, dict[str, pa.Table]] = {}
        """The first chunks this process wrote, as written, up to :data:`KEEP_BYTES`: not read back
        to consolidate them. Later chunks are read back, so that a long sweep's memory stays flat
        while it runs (a million runs must fit in 1 GiB with their workers: README, Scale)."""
        self.kept_bytes = 0

    def done(self) -> set[tuple[int, int]]:
        done: set[tuple[int, int]] = set()
        for f in sorted(self.dir.glob("runs-*.parquet")):
            if not CHUNK.match(f.name):
                continue
            t = _read_chunk(f)
            # point and replication are non-null integer columns (record.KEYS)
            points = cast("list[int]", t["point"].to_pylist()) if "point" in t.column_names else [0] * t.num_rows
            done.update(zip(points, cast("list[int]", t["replication"].to_pylist()), strict=True))
        return done

    def write(self, results: list[dict[str, pa.Table]]) -> None:
        n = self.next
        written = {}
        for name in sorted(self.schemas, key=lambda t: t == "runs"):  # runs last: it marks the chunk done
            written[name] = pa.concat_tables([r[name] for r in results])
            write_table(written[name], self.dir / f"{name}-{n:06d}.parquet", scratch=True)
        size = sum(t.nbytes for t in written.values())
        if self.kept_bytes + size <= KEEP_BYTES:
            self.kept[n] = written
            self.kept_bytes += size
        self.next += 1

    def tables(self) -> dict[str, pa.Table]:
        def part(name: str, sch: pa.Schema, f: Path) -> pa.Table:
            kept = self.kept.get(int(f.stem.split("-")[1]))
            return kept[name] if kept is not None else _read_chunk(f, sch)

        parts = {
            name: [part(name, sch, f) for f in sorted(self.dir.glob(f"{name}-*.parquet")) if PART.match(f.name)]
            for name, sch in self.schemas.items()
        }
        return consolidate(parts, self.schemas)

    def remove_chunks(self) -> None:
        remove_chunks(self.dir)


def _read_chunk(path: Path, schema: pa.Schema | None = None) -> pa.Table:
    """A chunk read back; a damaged one (written whole and renamed, so damaged after the fact) is a
    one-line error that says how to redo its runs."""
    try:
        return pq.read_table(path, schema=schema)
    except Exception as exc:  # pyarrow raises several types for damaged files
        raise StoreError(
            str(path),
            None,
            f"unreadable chunk ({exc.__class__.__name__}); remove it and the other tables' files of its number "
            "to run its runs again with --resume",
        ) from None


def remove_chunks(folder: Path) -> None:
    """Remove the chunks folder and whatever is in it (it is this store's alone)."""
    if folder.is_dir():
        shutil.rmtree(folder)


# ---------------------------------------------------------------- folders
def drawn_parameters(manifest: dict[str, Any]) -> list[str]:
    """The parameters a folder's runs drew, in order (the columns of ``parameters.parquet`` after
    its keys): each ``uncertain:`` path, and the columns of each ``from:`` file."""
    files = {f.get("entry"): f.get("columns", []) for f in manifest.get("uncertain_files", [])}
    return [
        path
        for i, u in enumerate(manifest.get("scenario", {}).get("uncertain", []))
        for path in ([u["path"]] if "path" in u else files.get(f"uncertain[{i}]", []))
    ]


def write_results(result: EnsembleResult, out: str | Path) -> Path:
    """Write an ensemble held in memory to a folder (the same files ``recogsim run`` writes)."""
    out = Path(out)
    scenario = Scenario.model_validate(result.manifest["scenario"])
    uncertain = drawn_parameters(result.manifest)
    tables: dict[record.Table, pd.DataFrame | None] = {
        "runs": result.runs,
        "series": result.series,
        "states": result.states,
        "missions": result.missions,
        "parameters": result.parameters,
    }
    for name, df in tables.items():
        if df is not None:
            sch = record.schema(name, list(df.columns), scenario, uncertain)
            write_table(pa.Table.from_pandas(df, schema=sch, preserve_index=False), out / f"{name}.parquet")
    manifest = dict(result.manifest)
    if "tables" in manifest:  # the tables this folder holds (a result read from an older folder may lack one)
        manifest["tables"] = sorted(name for name, df in tables.items() if df is not None)
    write_json(manifest, out / "manifest.json")
    return out


def is_sweep(directory: str | Path) -> bool:
    return (Path(directory) / "points.parquet").exists()


def _complete(d: Path, what: str) -> dict[str, Any]:
    if not (d / "manifest.json").is_file():
        raise StoreError(str(d), None, f"not a results folder (expected {what} and manifest.json)")
    manifest = read_manifest(d)
    if manifest.get("status", "complete") == "complete" and not (d / "runs.parquet").exists():
        raise StoreError(str(d / "runs.parquet"), None, "missing, though manifest.json says the runs are complete")
    if manifest.get("status", "complete") != "complete":
        sweep, name = manifest.get("kind") == "sweep", manifest.get("scenario_name")
        command = "recogsim sweep EXPERIMENT" if sweep else "recogsim run SCENARIO"
        moved = "" if sweep or d.name in (name, f".{name}.partial") else f" (in a folder named {name!r} there)"
        raise StoreError(
            str(d),
            None,
            f"the runs in this folder are not finished; finish them with `{command} "
            f"--out {d if sweep else d.parent} --resume`{moved}",
        )
    return manifest


def load_results(directory: str | Path, only: Collection[str] | None = None) -> EnsembleResult:
    """Read an ensemble's folder back; a missing, unreadable or damaged file is a one-line error.
    ``only``: read just these tables (a summary needs runs and parameters; the series alone is
    most of a folder), the others empty."""
    from .checks import checked_tables  # the checks read this module's files: imported when reading

    d = Path(directory)
    manifest = _complete(d, "runs.parquet, series.parquet, states.parquet")
    tables = checked_tables(d, manifest, sweep=False, only=only)
    return EnsembleResult(
        tables["runs"],
        tables.get("series", pd.DataFrame()),
        tables.get("states", pd.DataFrame()),
        manifest,
        tables.get("parameters"),
        tables.get("missions"),
    )


def load_sweep(directory: str | Path) -> SweepResult:
    from .checks import checked_tables

    d = Path(directory)
    if not (d / "points.parquet").exists():
        raise StoreError(
            str(d), None, "not a sweep results folder (expected points.parquet, runs.parquet, manifest.json)"
        )
    manifest = _complete(d, "points.parquet, runs.parquet")
    tables = checked_tables(d, manifest, sweep=True)
    return SweepResult(tables["points"], tables["runs"], tables.get("series"), manifest, tables.get("parameters"))
