"""The two engines: the same distributions (a small-n run of the equivalence family, and its
negative control), the engine recorded and held to by --resume, bad choices refused in one line."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

import recogsim as rs
from recogsim.analysis import equivalence
from recogsim.config.references import set_values

ROOT = Path(__file__).resolve().parents[2]
TINY = ROOT / "tests" / "data" / "tiny.yaml"


def _script():
    spec = importlib.util.spec_from_file_location("equivalence_script", ROOT / "benchmarks" / "equivalence.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _tables(scenario, n, seed, engine):
    r = rs.run_ensemble(scenario, n, seed=seed, workers=2, progress=False, engine=engine)
    return {"runs": r.runs, "series": r.series, "states": r.states}


def test_the_engines_agree_on_the_baseline_at_small_n():
    """The declared family at 200 runs per engine (the full one, n >= 2,000 per scenario, is
    benchmarks/equivalence.py): no test rejects at the Bonferroni level."""
    s = rs.load_scenario(ROOT / "scenarios" / "baseline.yaml")
    df = equivalence.table(equivalence.family(_tables(s, 200, 1, "mesa"), _tables(s, 200, 2, "batch"), 120), 200)
    assert df.attrs["tests"] > 60  # run outcomes, the first recognizer, states' rungs, the series by year
    assert not df["reject"].any(), df[df["reject"]].to_string()


def test_a_perturbed_batch_engine_is_flagged():
    """Negative control: rate_up x 1.2 in every replication (the script's own perturbation) is
    flagged against the unperturbed engine (the batch engine as reference keeps this fast)."""
    script = _script()
    s = set_values(rs.load_scenario(ROOT / "scenarios" / "baseline.yaml"), {"horizon_months": 36})
    reference = _tables(s, 1500, 1, "batch")
    with script.perturbed(1.2):
        perturbed = _tables(s, 1500, 2, "batch")
    df = equivalence.table(equivalence.family(reference, perturbed, 36), 1500)
    assert df["reject"].any()
    # and the same family does not flag the engine against itself
    same = equivalence.table(equivalence.family(reference, _tables(s, 1500, 2, "batch"), 36), 1500)
    assert not same["reject"].any(), same[same["reject"]].to_string()


def test_the_manifest_records_the_engine_and_resume_holds_to_it(tmp_path, run_cli):
    argv = ["run", TINY, "-n", 3, "--out", tmp_path, "--no-plots"]
    assert run_cli([*argv, "--engine", "batch"])[0] == 0
    assert json.loads((tmp_path / "tiny" / "manifest.json").read_text())["engine"] == "batch"
    rc, err = run_cli([*argv, "--resume", "--engine", "mesa"])
    assert rc == 2 and "engine changed" in err and len(err.strip().splitlines()) == 1
    rc, err = run_cli([*argv, "--resume"])  # auto keeps the folder's engine
    assert rc == 0 and "reused" in err


def test_an_unknown_engine_is_one_line_and_exit_2(tmp_path, run_cli):
    rc, err = run_cli(["run", TINY, "-n", 3, "--out", tmp_path, "--engine", "fast"])
    assert rc == 2 and "--engine" in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "tiny").exists()


def test_batch_where_it_is_not_supported_is_one_line_and_exit_2(tmp_path, run_cli):
    uncertain = ROOT / "tests" / "data" / "tiny_uncertain.yaml"  # draws a per-state field and the horizon
    rc, err = run_cli(["run", uncertain, "-n", 3, "--out", tmp_path, "--engine", "batch"])
    assert rc == 2 and "batch engine" in err and len(err.strip().splitlines()) == 1
    assert run_cli(["run", uncertain, "-n", 3, "--out", tmp_path, "--no-plots"])[0] == 0  # auto: mesa
    assert json.loads((tmp_path / "tiny_uncertain" / "manifest.json").read_text())["engine"] == "mesa"


def test_the_engine_is_an_experiment_key_outside_its_hash(tmp_path):
    from recogsim.config.experiment import Experiment

    data = {
        "name": "e",
        "scenario": str(TINY),
        "replications": 2,
        "design": {"kind": "grid"},
        "parameters": [{"path": "taliban.crackdown", "values": [0.1, 0.9]}],
    }
    auto, mesa = Experiment.model_validate(data), Experiment.model_validate({**data, "engine": "mesa"})
    assert auto.engine == "auto" and mesa.engine == "mesa"
    assert auto.digest() == mesa.digest()
    with pytest.raises(ValueError, match="engine"):
        Experiment.model_validate({**data, "engine": "fast"})


def test_an_interrupted_batch_ensemble_resumes_to_the_same_files(tmp_path, interrupt_after, monkeypatch):
    from recogsim.runs import blocks
    from recogsim.runs.runner import run_ensemble_to

    s = set_values(rs.load_scenario(ROOT / "scenarios" / "from_2021.yaml"), {"horizon_months": 24})
    full = run_ensemble_to(s, 10, tmp_path / "full", seed=4, engine="batch")
    monkeypatch.setattr(blocks, "BLOCK", 3)  # blocks of 3: the interruption falls between two
    with pytest.raises(KeyboardInterrupt):
        run_ensemble_to(s, 10, tmp_path / "cut", seed=4, chunk_runs=1, on_result=interrupt_after(3), engine="batch")
    assert json.loads((tmp_path / "cut" / "manifest.json").read_text())["status"] == "running"
    run_ensemble_to(s, 10, tmp_path / "cut", seed=4, resume=True)  # auto: the folder's engine
    for name in ("runs", "series", "states", "missions", "parameters", "manifest"):
        suffix = ".json" if name == "manifest" else ".parquet"
        assert (full / f"{name}{suffix}").read_bytes() == (tmp_path / "cut" / f"{name}{suffix}").read_bytes(), name
