"""Ensembles: seeds, determinism across worker counts, the results schema, the store round trip."""

import json

import pandas as pd
import pytest

from recogsim.config import loading, references, schema
from recogsim.runs.runner import run_ensemble
from recogsim.runs.seeds import replication_seed
from recogsim.runs.store import load_results, write_results

RUN_COLUMNS = {
    "replication",
    "seed",
    "first_recognition_month",
    "first_recognition_date",
    "first_recognizer",
    "de_jure_count",
    "de_facto_count",
    "western_de_jure_count",
    "missions_taliban",
    "missions_republic",
    "missions_closed",
    "missions_changed_hands",
    "countries_taliban_presence",
    "western_missions_taliban",
    "legitimacy",
    "resistance_strength",
    "strength_isk",
}


@pytest.fixture(scope="module")
def short():
    """The baseline over 24 months, with point thresholds low and a high climb rate so that
    recognitions do happen (its drawn parameters dropped: they would redraw the thresholds)."""
    s = references.apply(loading.load("scenarios/baseline.yaml"), "horizon_months", 24)
    s = references.apply(s, "uncertain", [])
    s = references.apply(s, "rules.rate_up", 0.15)
    return references.apply(
        s, "rules.thresholds", {"engaged": 0, "hosts_diplomats": 0.3, "de_facto": 1.0, "de_jure": 1.5}
    )


def test_replication_seeds_depend_only_on_root_and_key():
    assert replication_seed(5, 0) == replication_seed(5, 0)
    assert len({replication_seed(5, i) for i in range(1000)}) == 1000
    assert replication_seed(5, 0) != replication_seed(6, 0)
    assert replication_seed(5, 1, 2) != replication_seed(5, 2, 1)
    assert 0 <= replication_seed(2**40, 3) < 2**63


def test_one_and_two_workers_give_identical_files(short, tmp_path):
    a = write_results(run_ensemble(short, 6, seed=11, workers=1, progress=False), tmp_path / "a")
    b = write_results(run_ensemble(short, 6, seed=11, workers=2, progress=False), tmp_path / "b")
    for name in ("runs.parquet", "series.parquet", "states.parquet", "missions.parquet", "manifest.json"):
        assert (a / name).read_bytes() == (b / name).read_bytes(), name


def test_other_root_seed_other_results(short):
    a = run_ensemble(short, 4, seed=1, progress=False)
    b = run_ensemble(short, 4, seed=2, progress=False)
    assert not a.series.equals(b.series)


def test_results_schema(short):
    r = run_ensemble(short, 5, seed=3, progress=False)
    runs, series, states = r.runs, r.series, r.states
    assert set(runs.columns) >= RUN_COLUMNS
    assert list(runs["replication"]) == list(range(5))
    assert len(series) == 5 * 25 and {"replication", "month", "date", "legitimacy"} <= set(series.columns)
    assert series.groupby("replication")["month"].agg(list).map(lambda m: m == list(range(25))).all()
    assert series.loc[series.month == 0, "date"].eq("2023-04").all()
    assert series.loc[series.month == 24, "date"].eq("2025-04").all()
    assert len(states) == 5 * len(short.states)
    assert set(states["level"]) <= set(schema.LEVELS)
    # the run table's outcomes are the series' last month
    last = series[series.month == 24].reset_index(drop=True)
    pd.testing.assert_series_equal(runs["de_jure_count"], last["de_jure_count"], check_names=False)
    # first recognition: month and recogniser are both set or both null, and match the states table
    has = runs["first_recognition_month"].notna()
    assert has.any(), "the short scenario is built to produce recognitions"
    assert (has == runs["first_recognizer"].notna()).all()
    for _, row in runs[has].iterrows():
        st = states[(states.replication == row.replication) & (states.state == row.first_recognizer)].iloc[0]
        assert st["month_de_jure"] == row.first_recognition_month


def test_store_round_trip_and_manifest(short, tmp_path):
    r = run_ensemble(short, 3, seed=9, progress=False)
    out = write_results(r, tmp_path / "res")
    back = load_results(out)
    pd.testing.assert_frame_equal(back.runs, r.runs)
    pd.testing.assert_frame_equal(back.series, r.series)
    pd.testing.assert_frame_equal(back.states, r.states)
    assert back.missions is not None and r.missions is not None
    pd.testing.assert_frame_equal(back.missions, r.missions)
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["scenario_hash"] == short.digest() and manifest["root_seed"] == 9
    assert {"recogsim", "mesa", "numpy"} <= set(manifest["versions"])
    assert loading.validate(manifest["scenario"]).digest() == short.digest()
    assert not list(out.glob("*.tmp"))


def test_bad_arguments_are_rejected(short):
    with pytest.raises(ValueError, match="replications"):
        run_ensemble(short, 0)
    with pytest.raises(ValueError, match="workers"):
        run_ensemble(short, 2, workers=-1)
