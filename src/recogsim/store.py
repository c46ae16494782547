"""Results directories: Parquet tables and a JSON manifest, written atomically, read back whole.

Layout (README, "Results"): ``runs.parquet``, ``series.parquet``, ``states.parquet``,
``manifest.json``. Every file is written to a temporary name in the same directory and renamed,
so an interrupted write never leaves a truncated file under the final name.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from .ensemble import EnsembleResult
from .errors import InputError

TABLES = ("runs", "series", "states")


def atomic_write(path: Path, write) -> None:
    """Call ``write(tmp_path)`` then rename over ``path``; the temp file is removed on failure."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        write(Path(tmp))
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_table(df: pd.DataFrame, path: Path) -> None:
    atomic_write(path, lambda tmp: df.to_parquet(tmp, index=False))


def write_json(data: dict[str, Any], path: Path) -> None:
    atomic_write(path, lambda tmp: tmp.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n"))


def write_results(result: EnsembleResult, out: str | Path) -> Path:
    out = Path(out)
    for name in TABLES:
        write_table(getattr(result, name), out / f"{name}.parquet")
    write_json(result.manifest, out / "manifest.json")
    return out


def load_results(directory: str | Path) -> EnsembleResult:
    """Read a results directory back; a missing or unreadable file is a one-line InputError."""
    d = Path(directory)
    if not d.is_dir():
        raise InputError(str(d), None, "not a results directory (expected runs.parquet, series.parquet, "
                                       "states.parquet and manifest.json)")
    tables = {}
    for name in TABLES:
        path = d / f"{name}.parquet"
        if not path.exists():
            raise InputError(str(path), None, "missing: not a complete results directory")
        try:
            tables[name] = pd.read_parquet(path)
        except Exception as exc:  # pyarrow raises several types for damaged files
            raise InputError(str(path), None, f"unreadable Parquet file ({exc.__class__.__name__})") from None
    try:
        manifest = json.loads((d / "manifest.json").read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise InputError(str(d / "manifest.json"), None, f"unreadable manifest ({exc.__class__.__name__})") from None
    return EnsembleResult(tables["runs"], tables["series"], tables["states"], manifest)


@dataclass
class SweepResult:
    """A sweep folder read back: the design points, one row per run, series if kept, the manifest."""

    points: pd.DataFrame
    runs: pd.DataFrame
    series: pd.DataFrame | None
    manifest: dict[str, Any]


def load_sweep(directory: str | Path) -> SweepResult:
    d = Path(directory)
    if not (d / "points.parquet").exists():
        raise InputError(str(d), None, "not a sweep results folder (expected points.parquet, runs.parquet, manifest.json)")
    manifest = json.loads((d / "manifest.json").read_text())
    if manifest.get("status") != "complete" or not (d / "runs.parquet").exists():
        raise InputError(str(d), None, "the sweep is not complete; finish it with `recogsim sweep EXPERIMENT --out "
                                       f"{d} --resume`")
    series = pd.read_parquet(d / "series.parquet") if (d / "series.parquet").exists() else None
    return SweepResult(pd.read_parquet(d / "points.parquet"), pd.read_parquet(d / "runs.parquet"), series, manifest)


def is_sweep(directory: str | Path) -> bool:
    return (Path(directory) / "points.parquet").exists()
