"""Joint draws (``uncertain:`` blocks ``from: FILE.parquet``): each draw takes one row, weighted or
not, from the draw's own stream; the row's values reach the run and ``parameters.parquet`` together;
the files are the same whatever runs them; and ``--resume`` refuses a file that changed."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from recogsim import (
    load_experiment,
    load_results,
    load_sweep,
    run_ensemble,
    run_ensemble_to,
    run_sweep,
    write_results,
)
from recogsim.analysis.summary import uncertainty_line
from recogsim.config import joint, loading
from recogsim.errors import InputError
from recogsim.plots.registry import uncertainty_caption
from recogsim.runs.plan import ensemble as ensemble_plan
from recogsim.runs.runner import draws
from recogsim.runs.store import drawn_parameters

DATA = Path(__file__).resolve().parents[1] / "data"
TINY, UNCERTAIN = DATA / "tiny.yaml", DATA / "tiny_uncertain.yaml"
PER_PATH = ["rules.thresholds.de_facto", "states[bloc=neighbour].economic_interest", "horizon_months"]
COLUMNS = ["rules.thresholds.de_jure", "rules.w_economic", "rules.w_migration"]
KEYS = ["replication", "draw"]


def scenario(folder: Path, entries: list[dict], extends: Path = TINY, name: str = "joint", **more) -> Path:
    f = folder / f"{name}.yaml"
    data = {"extends": str(extends), "name": name, "uncertain": entries, **more}
    f.write_text(yaml.safe_dump(data, sort_keys=False))
    return f


def posterior(folder: Path, rows: int = 40, seed: int = 0, name: str = "post.parquet") -> Path:
    """A posterior-like sample: de jure thresholds, and two weights equal in every row (perfectly
    correlated, which independent draws would never give)."""
    rng = np.random.default_rng(seed)
    w = rng.uniform(0.1, 2.0, rows)
    df = pd.DataFrame({COLUMNS[0]: rng.uniform(8.0, 10.0, rows), COLUMNS[1]: w, COLUMNS[2]: w})
    df.to_parquet(folder / name)
    return folder / name


@pytest.fixture(scope="module")
def joint_scenario(tmp_path_factory) -> Path:
    """tiny_uncertain's three per-path priors followed by a block of three joint columns (a child's
    ``uncertain:`` replaces its parent's, so the child repeats the priors it keeps)."""
    folder = tmp_path_factory.mktemp("joint")
    posterior(folder)
    kept = yaml.safe_load(UNCERTAIN.read_text())["uncertain"]
    return scenario(folder, [*kept, {"from": "post.parquet", "reason": "test posterior"}], extends=UNCERTAIN)


def test_a_block_draws_whole_rows_so_correlations_survive(joint_scenario):
    r = run_ensemble(loading.load(joint_scenario), 12, seed=5)
    p = r.parameters
    assert list(p.columns) == [*KEYS, *PER_PATH, *COLUMNS]
    assert (p[COLUMNS[1]] == p[COLUMNS[2]]).all()  # equal in every row of the file, equal in every run
    rows = pd.read_parquet(joint_scenario.parent / "post.parquet")
    drawn = p[COLUMNS].merge(rows, on=COLUMNS, how="left", indicator=True)
    assert (drawn["_merge"] == "both").all()  # every run's values are one row of the file
    assert p[COLUMNS[0]].nunique() >= 6  # and rows differ between draws


def test_the_runs_use_the_row_they_drew(tmp_path):
    pd.DataFrame({"horizon_months": [7, 9, 12], "taliban.lobbying": [0.2, 0.5, 0.9]}).to_parquet(
        tmp_path / "post.parquet"
    )
    r = run_ensemble(loading.load(scenario(tmp_path, [{"from": "post.parquet", "reason": "x"}])), 10, seed=1)
    p = r.parameters.set_index("replication")
    assert (r.runs.set_index("replication")["months"] == p["horizon_months"]).all()
    pairs = set(zip(p["horizon_months"], p["taliban.lobbying"], strict=True))
    assert pairs <= {(7, 0.2), (9, 0.5), (12, 0.9)} and len(pairs) > 1


def test_rows_are_taken_in_proportion_to_their_weights(tmp_path):
    """Rows weighted 1 : 0 : 3 over 400 draws: the middle row never, the others within four binomial
    standard deviations of 100 and 300."""
    pd.DataFrame({"rules.w_economic": [0.1, 0.2, 0.3], "w": [1.0, 0.0, 3.0]}).to_parquet(tmp_path / "post.parquet")
    s = loading.load(scenario(tmp_path, [{"from": "post.parquet", "weight": "w", "reason": "x"}]))
    picked = pd.Series([draws(s, 11, rep)["rules.w_economic"] for rep in range(400)]).value_counts()
    assert 0.2 not in picked.index
    sd = np.sqrt(400 * 0.25 * 0.75)
    assert abs(picked[0.1] - 100) < 4 * sd and abs(picked[0.3] - 300) < 4 * sd
    assert picked.sum() == 400


def test_without_weights_every_row_is_as_likely(tmp_path):
    pd.DataFrame({"rules.w_economic": [0.1, 0.2, 0.3, 0.4]}).to_parquet(tmp_path / "post.parquet")
    s = loading.load(scenario(tmp_path, [{"from": "post.parquet", "reason": "x"}]))
    picked = pd.Series([draws(s, 3, rep)["rules.w_economic"] for rep in range(400)]).value_counts()
    sd = np.sqrt(400 * 0.25 * 0.75)
    assert len(picked) == 4 and (abs(picked - 100) < 4 * sd).all()


def test_a_row_of_weight_zero_is_never_taken_at_any_uniform():
    t = joint.JointTable("x", ("a",), np.array([[0.0], [1.0], [2.0], [3.0]]), np.cumsum([0.0, 2.0, 0.0, 1.0]), "")
    u = np.concatenate([np.linspace(0, 1, 10_001)[:-1], [np.nextafter(1.0, 0.0)]])
    taken = {t.pick(float(x)) for x in u}
    assert taken == {1, 3} and list(t.drawable()) == [1, 3]


def test_adding_a_block_leaves_the_per_path_draws_as_they_were(joint_scenario):
    """Per-path entries take the draw's first uniforms, blocks the ones after: the per-path values
    of tiny_uncertain do not move when a block joins it."""
    with_block = run_ensemble(loading.load(joint_scenario), 8, seed=5).parameters
    alone = run_ensemble(loading.load(UNCERTAIN), 8, seed=5).parameters
    pd.testing.assert_frame_equal(with_block[KEYS + PER_PATH], alone[KEYS + PER_PATH])


def test_replications_sharing_a_draw_share_its_row(tmp_path):
    posterior(tmp_path)
    s = loading.load(scenario(tmp_path, [{"from": "post.parquet", "reason": "x"}], runs_per_draw=3))
    p = run_ensemble(s, 9, seed=2).parameters
    assert (p.groupby("draw")[COLUMNS].nunique() == 1).all().all() and p["draw"].nunique() == 3


def test_files_are_identical_for_any_workers_chunks_or_memory(joint_scenario, tmp_path):
    s = loading.load(joint_scenario)
    a = run_ensemble_to(s, 6, tmp_path / "one", seed=5, workers=1)
    b = run_ensemble_to(s, 6, tmp_path / "two", seed=5, workers=2, chunk_runs=2)
    c = write_results(run_ensemble(s, 6, seed=5, workers=2), tmp_path / "memory")
    for name in ("runs.parquet", "series.parquet", "states.parquet", "parameters.parquet", "manifest.json"):
        assert (a / name).read_bytes() == (b / name).read_bytes() == (c / name).read_bytes(), name
    back = load_results(a)
    pd.testing.assert_frame_equal(back.parameters, run_ensemble(s, 6, seed=5).parameters)


def _experiment(folder: Path, scen: Path, **more) -> Path:
    exp = folder / "exp.yaml"
    data = {
        "name": "crn",
        "scenario": str(scen),
        "replications": 5,
        "seed": 3,
        "design": {"kind": "grid"},
        "parameters": [{"path": "taliban.lobbying", "values": [0.2, 0.9]}],
        **more,
    }
    exp.write_text(yaml.safe_dump(data))
    return exp


@pytest.mark.filterwarnings("ignore:Port .* is already in use:UserWarning")  # a parallel test's Dask took it
def test_sweeps_give_identical_files_on_every_executor_and_the_same_rows_at_every_point(joint_scenario, tmp_path):
    loaded = load_experiment(_experiment(tmp_path, joint_scenario))
    one = run_sweep(loaded, tmp_path / "one", workers=1, progress=False)
    for other in (
        run_sweep(loaded, tmp_path / "two", workers=2, chunk_runs=3, progress=False),
        run_sweep(loaded, tmp_path / "dask", dask_local=2, chunk_runs=4, progress=False),
    ):
        for name in ("points.parquet", "runs.parquet", "parameters.parquet", "manifest.json"):
            assert (one / name).read_bytes() == (other / name).read_bytes(), name
    p = load_sweep(one).parameters
    at = {pt: g.set_index("replication")[PER_PATH + COLUMNS] for pt, g in p.groupby("point")}
    pd.testing.assert_frame_equal(at[0], at[1])  # common random numbers: the same rows at every point
    ens = run_ensemble(loading.load(joint_scenario), 5, seed=3).parameters
    pd.testing.assert_frame_equal(at[0].reset_index(), ens[["replication", *PER_PATH, *COLUMNS]])


def test_the_manifest_records_each_file_by_its_hash(joint_scenario):
    plan = ensemble_plan(loading.load(joint_scenario), 2)
    meta = plan.manifest()
    blob = (joint_scenario.parent / "post.parquet").read_bytes()
    assert meta["uncertain_files"] == [
        {
            "entry": "uncertain[3]",
            "file": str(joint_scenario.parent / "post.parquet"),
            "sha256": hashlib.sha256(blob).hexdigest(),
            "rows": 40,
            "columns": COLUMNS,
        }
    ]
    assert meta["scenario"]["uncertain"][3]["from"] == str(joint_scenario.parent / "post.parquet")
    assert drawn_parameters(meta) == PER_PATH + COLUMNS
    assert "uncertain_files" not in ensemble_plan(loading.load(UNCERTAIN), 2).manifest()  # unchanged without


def test_resume_refuses_a_file_that_changed_and_reuses_one_that_did_not(tmp_path, run_cli):
    posterior(tmp_path, seed=1)
    scen = scenario(tmp_path, [{"from": "post.parquet", "reason": "x"}])
    argv = ["run", scen, "-n", 3, "--out", tmp_path / "out", "--no-plots", "--resume"]
    assert run_cli(argv)[0] == 0
    before = (tmp_path / "out" / "joint" / "runs.parquet").read_bytes()
    assert run_cli(argv)[0] == 0 and (tmp_path / "out" / "joint" / "runs.parquet").read_bytes() == before
    posterior(tmp_path, seed=2)  # same columns, other rows: the scenario file is unchanged
    rc, err = run_cli(argv)
    assert rc == 2 and err.count("\n") == 1 and "Traceback" not in err
    assert "--resume: the file " in err and "uncertain[0].from draws from changed since these results" in err
    assert (tmp_path / "out" / "joint" / "runs.parquet").read_bytes() == before  # nothing rewritten


def test_a_sweep_resume_refuses_a_changed_file(tmp_path):
    posterior(tmp_path, seed=1)
    scen = scenario(tmp_path, [{"from": "post.parquet", "reason": "x"}])
    exp = _experiment(tmp_path, scen, replications=2)
    run_sweep(load_experiment(exp), tmp_path / "out", workers=1, progress=False)
    posterior(tmp_path, seed=2)
    with pytest.raises(InputError, match=r"uncertain\[0\]\.from draws from changed"):
        run_sweep(load_experiment(exp), tmp_path / "out", resume=True, progress=False)


def test_a_row_left_unchecked_up_front_is_a_one_line_error_when_drawn(tmp_path, monkeypatch, run_cli):
    """Beyond joint.ROW_CHECK_LIMIT distinct rows only each column's extreme rows are checked before
    the runs; a bad row among the others stops the run that draws it, in one line."""
    monkeypatch.setattr(joint, "ROW_CHECK_LIMIT", 1)
    rows = {"rules.thresholds.de_facto": [4.0, 6.0, 5.5], "rules.thresholds.de_jure": [4.5, 8.0, 5.4]}
    pd.DataFrame(rows).to_parquet(tmp_path / "post.parquet")  # row 2 crosses, and holds no extreme
    scen = scenario(tmp_path, [{"from": "post.parquet", "reason": "x"}])
    loading.load(scen)  # passes: rows 0 and 1 hold every extreme
    rc, err = run_cli(["run", scen, "-n", 12, "--out", tmp_path / "a" / "b" / "out", "--no-plots"])
    assert rc == 2 and err.count("\n") == 1 and "Traceback" not in err
    assert "uncertain[0].from: row 2 of post.parquet (uncertain[0]) cannot be drawn" in err
    assert "must not decrease up the ladder" in err
    assert not (tmp_path / "a").exists()  # nothing half-written: no folder, no runs so far


def test_summaries_and_captions_count_a_blocks_columns(joint_scenario):
    r = run_ensemble(loading.load(joint_scenario), 3, seed=1)
    assert uncertainty_line("joint", r).startswith("joint: spread includes 6 parameter(s) drawn per replication")
    manifest = json.loads(json.dumps(r.manifest))
    only_block = {
        **manifest,
        "scenario": {**manifest["scenario"], "uncertain": manifest["scenario"]["uncertain"][3:]},
        "uncertain_files": [{**manifest["uncertain_files"][0], "entry": "uncertain[0]"}],
    }
    assert drawn_parameters(only_block) == COLUMNS
    assert uncertainty_caption({"a": only_block, "b": {"scenario": {"uncertain": []}}}) is not None
