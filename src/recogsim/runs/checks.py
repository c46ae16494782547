"""What a results folder must hold to be read back: its manifest consistent with itself (the
scenario and experiment its hashes name, the numbers readers take from it), every table it lists,
each with the output record's columns and types and as many rows as its runs make. Any failure is
one :class:`~.store.StoreError` line, so no plot or analysis meets a damaged folder."""

from __future__ import annotations

from collections.abc import Collection
from pathlib import Path
from typing import Any, TypeVar, cast

import pandas as pd
import pyarrow as pa
from pydantic import BaseModel, ValidationError

from ..config.schema import Scenario, digest
from ..model import record
from .store import StoreError, _read_table, drawn_parameters, frame

OPTIONAL = ("missions",)
"""Tables a folder may lack: written by a version before they existed (a manifest that lists its
``tables`` says whether they were written)."""


def checked_tables(
    d: Path, manifest: dict[str, Any], sweep: bool, only: Collection[str] | None = None
) -> dict[str, pd.DataFrame]:
    """Every table the manifest implies, read and checked against the output record: each holds
    the record's columns for these runs, with the record's types, or the folder is refused with a
    one-line error (plots and analyses then never meet a column they cannot read)."""
    from .plan import table_columns  # the plan says which columns runs fill; it sits beside the store

    scenario = manifest_scenario(d, manifest)
    swept = _check_manifest(d, manifest, scenario, sweep)
    outcomes = manifest.get("outcomes")
    if not isinstance(outcomes, list) or not all(isinstance(o, str) for o in outcomes):
        raise StoreError(str(d / "manifest.json"), "outcomes", f"expected a list of column names, got {outcomes!r}")
    uncertain = drawn_parameters(manifest)
    written = manifest.get("tables")  # which tables its runs wrote (older folders do not say)
    if written is not None and not (isinstance(written, list) and all(isinstance(t, str) for t in written)):
        raise StoreError(str(d / "manifest.json"), "tables", f"expected a list of table names, got {written!r}")
    series = "series" in written if written is not None else (d / "series.parquet").exists()
    record_columns = table_columns(
        scenario,
        sweep=sweep,
        outcomes=outcomes,
        keep_series=series or not sweep,
        keep_states=not sweep,
        uncertain=uncertain,
    )
    expected: dict[str, list[str]] = {str(name): cols for name, cols in record_columns.items()}
    if sweep:
        expected["points"] = ["point", *swept]
    rows = _expected_rows(d, manifest, scenario, swept)
    out = {}
    for name, columns in expected.items():
        path = d / f"{name}.parquet"
        optional = name in OPTIONAL and not (written is not None and name in written)
        if (optional and not path.exists()) or (only is not None and name not in only):
            continue
        table = _read_table(path)
        missing = [c for c in columns if c not in table.column_names]
        if missing:
            raise StoreError(
                str(path),
                None,
                f"expected the output record's columns for these runs; missing {_some(missing)} "
                f"(found {_some(table.column_names) or 'none'})",
            )
        table = table.select(columns)
        if name != "points":  # a swept parameter's values may be text or numbers
            try:
                table = table.cast(record.schema(cast("record.Table", name), columns, scenario, uncertain))
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError, ValueError) as exc:
                raise StoreError(
                    str(path),
                    None,
                    f"a column does not hold the output record's type ({str(exc).splitlines()[0][:120]})",
                ) from None
        if name in rows and table.num_rows != rows[name][0]:
            raise StoreError(
                str(path),
                None,
                f"expected {rows[name][0]:,} rows ({rows[name][1]}, as manifest.json records), found "
                f"{table.num_rows:,}: the folder is damaged",
            )
        out[name] = frame(table)
    return out


def _check_manifest(d: Path, manifest: dict[str, Any], scenario: Scenario, sweep: bool) -> list[str]:
    """The manifest's own record of what ran, against itself: the scenario and the experiment it
    holds must be the ones its hashes name, and the numbers readers take from it (horizon, seed,
    replications) must be numbers that agree. Checked once here, so no plot or analysis meets a
    damaged one (a folder from before a key was recorded lacks it: nothing to check). Returns the
    swept paths (none for an ensemble)."""
    where = str(d / "manifest.json")
    # the hashes are of the data as stored: re-validating it first could tidy it into other bytes
    if "scenario_hash" in manifest and manifest["scenario_hash"] != digest(manifest.get("scenario")):
        raise StoreError(where, "scenario", "damaged: it is not the scenario its scenario_hash names")
    if "horizon_months" in manifest and manifest["horizon_months"] != scenario.horizon_months:
        raise StoreError(
            where,
            "horizon_months",
            f"expected the scenario's {scenario.horizon_months}, got {manifest['horizon_months']!r}",
        )
    for key, least in (("root_seed", 0), ("replications", 1)):
        value = manifest.get(key, least)
        if type(value) is not int or value < least:
            raise StoreError(where, key, f"expected a whole number, at least {least}, got {value!r}")
    if not sweep:
        return []
    from ..config.experiment import Experiment, design_digest

    experiment = _stored(Experiment, d, manifest, "experiment")
    if "experiment_hash" in manifest and manifest["experiment_hash"] != design_digest(manifest["experiment"]):
        raise StoreError(where, "experiment", "damaged: it is not the experiment its experiment_hash names")
    return [p.path for p in experiment.parameters]


def _expected_rows(
    d: Path, manifest: dict[str, Any], scenario: Scenario, swept: list[str]
) -> dict[str, tuple[int, str]]:
    """Each table's row count as the manifest's runs imply (``record.rows_per_run``), with how it
    is made up; none for a manifest without the counts (written before they were recorded). A
    table cut short or padded would otherwise be read as if it were every run."""
    points, runs = manifest.get("points"), manifest.get("runs")
    if runs is None and points is None:
        return {}
    for key, value in (("points", points), ("runs", runs)):
        if type(value) is not int or value < 0:
            raise StoreError(str(d / "manifest.json"), key, f"expected a whole number of {key}, got {value!r}")
    assert isinstance(runs, int) and isinstance(points, int)
    out = {"points": (points, "one per design point")}
    varied = {*drawn_parameters(manifest), *swept}
    for table, n in record.rows_per_run(scenario).items():
        if table == "series" and "horizon_months" in varied:  # runs of several lengths
            continue
        out[table] = (runs * n, f"{runs:,} runs" + (f" x {n:,} {_UNITS[table]}" if n != 1 else ""))
    return out


_UNITS = {"series": "months", "states": "states", "missions": "posts", "runs": "", "parameters": ""}


def _some(names: list[str], shown: int = 5) -> str:
    return ", ".join(names[:shown]) + (f" and {len(names) - shown} more" if len(names) > shown else "")


def manifest_scenario(d: Path, manifest: dict[str, Any]) -> Scenario:
    """The scenario a folder's runs simulated, from its manifest (a one-line error if damaged)."""
    return _stored(Scenario, d, manifest, "scenario")


M = TypeVar("M", bound=BaseModel)


def _stored(model: type[M], d: Path, manifest: dict[str, Any], key: str) -> M:
    """``manifest[key]`` read as ``model``; a one-line error naming the key path if damaged."""
    try:
        return model.model_validate(manifest.get(key))
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in (key, *err["loc"]))
        raise StoreError(
            str(d / "manifest.json"), where, f"damaged, or written by another version of recogsim: {err['msg']}"
        ) from None
