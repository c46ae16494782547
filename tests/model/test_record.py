"""The output record: every column produced is described, every column described is produced,
and every table's types come from the record, in ensembles and sweeps alike."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml

from recogsim import load_experiment, run_ensemble_to, run_sweep
from recogsim.config import loading, references
from recogsim.model import record
from recogsim.model.model import RecognitionModel

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data"
SCENARIOS = [*sorted((ROOT / "scenarios").glob("*.yaml")), DATA / "tiny.yaml", DATA / "tiny_child.yaml"]


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_a_run_produces_exactly_the_columns_the_record_describes(path):
    s = references.apply(loading.load(path), "horizon_months", 3)
    m = RecognitionModel(s, seed=1)
    m.run()
    assert list(m.observe()) == record.series_columns(s)
    assert list(m.datacollector.model_vars) == record.series_columns(s)
    assert set(m.outcome()) == set(record.run_outcomes(s))
    described_states = [n for n in record.expand("states", s) if n not in record.KEYS or n in ("state", "bloc")]
    assert list(m.state_table()) == described_states
    described_missions = [n for n in record.expand("missions", s) if n not in ("point", "replication")]
    assert list(m.mission_table()) == described_missions


def test_every_column_has_a_label_and_a_type():
    s = loading.load(ROOT / "scenarios" / "baseline.yaml")
    for table in ("runs", "series", "states", "missions"):
        for name, col in record.expand(table, s).items():
            assert col.label and (col.label != name or "_" not in name), name  # words, not identifiers
            assert "{}" not in col.label and "{}" not in name, name
            assert isinstance(col.arrow_type, pa.DataType)
    assert record.label("strength_jund_al_khilafah", s) == "strength of Jund al-Khilafah"
    assert record.label("max_level_tajikistan", s) == "highest rung Tajikistan reached"
    assert record.label("strength_isk") == "strength of isk"  # a family member without its scenario
    assert record.label("no_such_column") == "no such column"


def test_default_outcomes_are_run_outcomes():
    s = loading.load(DATA / "tiny.yaml")
    assert set(record.default_outcomes(s)) <= set(record.run_outcomes(s))
    assert "first_recognition_month" in record.default_outcomes(s)
    assert not set(record.ensemble_outcomes(s)) & {f"max_level_{x}" for x in ("pakistan", "china")}


def _types(path: Path) -> dict[str, pa.DataType]:
    return {f.name: f.type for f in pq.read_schema(path)}


def test_ensemble_and_sweep_tables_take_their_types_from_the_record(tmp_path):
    s = loading.load(DATA / "tiny.yaml")
    ens = run_ensemble_to(s, 2, tmp_path / "ens", seed=1)
    for table in ("runs", "series", "states", "missions"):
        expected = record.expand(table, s)
        for f in pq.read_schema(ens / f"{table}.parquet"):
            assert f.type == expected[f.name].arrow_type, (table, f.name)
            assert f.nullable == expected[f.name].nullable, (table, f.name)  # null only where the record allows
    exp = tmp_path / "exp.yaml"
    exp.write_text(
        yaml.safe_dump(
            {
                "name": "types",
                "scenario": str(DATA / "tiny.yaml"),
                "replications": 2,
                "seed": 1,
                "design": {"kind": "grid"},
                "keep_series": True,
                "parameters": [{"path": "taliban.crackdown", "values": [0.2, 0.6]}],
                # a real-valued outcome with a name no rule of thumb would guess, and a per-state rung
                "outcomes": ["strength_ttp", "legitimacy", "max_level_tajikistan", "first_recognizer"],
            }
        )
    )
    out = run_sweep(load_experiment(exp), tmp_path / "sweep")
    runs = _types(out / "runs.parquet")
    assert runs["strength_ttp"] == pa.float64() and runs["legitimacy"] == pa.float64()
    assert runs["max_level_tajikistan"] == pa.int64() and runs["first_recognizer"] == pa.string()
    expected = record.expand("series", s)
    assert all(typ == expected[n].arrow_type for n, typ in _types(out / "series.parquet").items())
    assert _types(out / "points.parquet") == {"point": pa.int64(), "taliban.crackdown": pa.float64()}


def test_a_column_outside_the_record_is_refused_by_the_schema():
    with pytest.raises(KeyError, match="happiness"):
        record.schema("runs", ["replication", "happiness"])


PLACEHOLDER = {"militant": "<group>", "state": "<state>", "rung": "<rung>", "term": "<term>", "cause": "<cause>"}


@pytest.mark.parametrize("doc", ["README.md", "docs/model.md"])
def test_the_docs_name_every_column_of_the_record(doc):
    """Each column by name; a family by its pattern (``strength_<group>``) or by all its members."""
    text = (ROOT / doc).read_text()
    missing = []
    for col in record.COLUMNS:
        if col.family is None:
            ok = f"`{col.name}`" in text
        elif col.family == "parameter":
            continue
        else:
            prefix = col.name.split("{}")[0]
            members = [n for n in record.expand(col.tables[0]) if n.startswith(prefix) and n not in record.KEYS]
            ok = f"`{col.name.format(PLACEHOLDER[col.family])}`" in text or (
                bool(members) and all(f"`{n}`" in text for n in members)
            )
        if not ok:
            missing.append(col.name)
    assert not missing, f"{doc} does not name {missing}"
