"""Sweeps: identical files across executors, crash-and-resume, refusal of changed inputs, a Dask
worker dying mid-sweep, and SALib indices of the right shape."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
import yaml

from recogsim.analysis.sweeps import sensitivity, summarize
from recogsim.cli import main
from recogsim.config import experiment as ex
from recogsim.errors import InputError
from recogsim.runs import executors
from recogsim.runs.runner import run_sweep
from recogsim.runs.store import load_sweep

DATA = Path(__file__).resolve().parents[1] / "data"
FILES = ("points.parquet", "runs.parquet", "series.parquet", "manifest.json")


def write_experiment(folder: Path, name="exp", **changes) -> Path:
    d = {
        "name": name,
        "scenario": str(DATA / "tiny.yaml"),
        "replications": 4,
        "seed": 7,
        "design": {"kind": "grid"},
        "keep_series": True,
        "parameters": [
            {"path": "taliban.crackdown", "values": [0.1, 0.5, 0.9]},
            {"path": "states[name=Tajikistan].resistance_support", "range": [0.2, 0.8], "steps": 3},
            {"path": "events[kind=set].month", "values": [3, 9]},
        ],
    }
    d.update(changes)
    path = folder / f"{name}.yaml"
    path.write_text(yaml.safe_dump(d, sort_keys=False))
    return path


def same_files(a: Path, b: Path) -> None:
    for name in FILES:
        if (a / name).exists() or (b / name).exists():
            assert (a / name).read_bytes() == (b / name).read_bytes(), name
    # a sweep always writes its points, runs and manifest: two empty folders are not "the same files"
    assert all((a / name).exists() for name in FILES if name != "series.parquet")
    assert not (a / "chunks").exists() and not (b / "chunks").exists()


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    folder = tmp_path_factory.mktemp("ref")
    loaded = ex.load(write_experiment(folder))
    return loaded, run_sweep(loaded, folder / "out", workers=1, progress=False)


def test_reference_sweep_has_every_run(reference):
    _, out = reference
    r = load_sweep(out)
    assert len(r.points) == 18 and len(r.runs) == 18 * 4
    assert list(r.runs[["point", "replication"]].itertuples(index=False, name=None)) == [
        (p, k) for p in range(18) for k in range(4)
    ]
    assert len(r.series) == 18 * 4 * 13
    assert r.manifest["status"] == "complete" and r.manifest["runs"] == 72
    assert r.runs["seed"].nunique() == 72
    # a point's scenario really carries its values: crackdown shows in the series from month 1
    first = r.series[(r.series.month == 1)].merge(r.points, on="point")
    assert len(first) == 72 and first["taliban.crackdown"].nunique() == 3
    assert (first["crackdown"] == first["taliban.crackdown"]).all()


def test_two_workers_and_dask_give_identical_files(reference, tmp_path):
    loaded, out = reference
    same_files(out, run_sweep(loaded, tmp_path / "two", workers=2, chunk_runs=7, progress=False))
    same_files(out, run_sweep(loaded, tmp_path / "dask", dask_local=2, chunk_runs=5, progress=False))


def test_sigkill_then_resume_gives_the_same_files(tmp_path):
    # a bigger design so there is time to kill it part-way
    path = write_experiment(tmp_path, replications=40, keep_series=True)
    full = run_sweep(ex.load(path), tmp_path / "full", workers=1, progress=False, engine="mesa")
    target = tmp_path / "killed"  # the Mesa engine, whose small tasks leave time to kill it part-way
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "recogsim.cli",
            "sweep",
            str(path),
            "--out",
            str(target),
            "--workers",
            "1",
            "--chunk",
            "20",
            "--engine",
            "mesa",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.time() + 60
    while time.time() < deadline and len(list((target / "chunks").glob("runs-*.parquet"))) < 3:
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    chunks = list((target / "chunks").glob("runs-*.parquet"))
    assert len(chunks) >= 3, "the sweep should have been killed part-way"
    assert json.loads((target / "manifest.json").read_text())["status"] == "running"
    assert not (target / "runs.parquet").exists()
    assert main(["sweep", str(path), "--out", str(target), "--resume", "--workers", "1"]) == 0  # auto keeps mesa
    same_files(full, target)


def test_resume_refuses_a_changed_experiment_or_scenario(reference, tmp_path):
    own = tmp_path / "tiny.yaml"
    own.write_text((DATA / "tiny.yaml").read_text())
    path = write_experiment(tmp_path, scenario=str(own))
    out = tmp_path / "out"
    first = []
    run_sweep(ex.load(path), out, workers=1, progress=False, on_result=first.append)
    assert first  # on_result reports finished tasks, so the empty list at the end below means something
    with pytest.raises(InputError, match="already holds results"):
        run_sweep(ex.load(path), out, workers=1, progress=False)
    changed = write_experiment(tmp_path, name="exp2", scenario=str(own), replications=5)
    with pytest.raises(InputError, match="experiment changed"):
        run_sweep(ex.load(changed), out, resume=True, progress=False)
    original = own.read_text()
    own.write_text(original.replace("migration_pressure: 0.6", "migration_pressure: 0.7"))
    with pytest.raises(InputError, match="scenario changed"):
        run_sweep(ex.load(path), out, resume=True, progress=False)
    own.write_text(original)
    # resuming a complete sweep redoes nothing and changes nothing
    before = {n: (out / n).read_bytes() for n in ("runs.parquet", "points.parquet", "manifest.json")}
    ran = []
    run_sweep(ex.load(path), out, resume=True, progress=False, on_result=ran.append)
    assert ran == []
    assert before == {n: (out / n).read_bytes() for n in before}


def test_a_dask_worker_killed_mid_sweep_costs_only_a_retry(reference, tmp_path):
    from distributed import Client, LocalCluster

    loaded = ex.load(write_experiment(tmp_path, replications=20, keep_series=False))
    expected = run_sweep(loaded, tmp_path / "local", workers=1, progress=False)
    with (
        LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0") as cluster,
        Client(cluster) as client,
    ):
        pids = client.run(os.getpid)
        killed = []

        def kill_one(done):
            if not killed:
                victim = sorted(pids.values())[0]
                os.kill(victim, signal.SIGKILL)
                killed.append(victim)

        out = run_sweep(
            loaded, tmp_path / "dask", scheduler=cluster.scheduler_address, progress=False, on_result=kill_one
        )
        assert killed
    same_files(expected, out)


def test_salib_indices_have_the_right_shape(tmp_path):
    params = [
        {"path": "taliban.crackdown", "range": [0.0, 1.0]},
        {"path": "rules.w_conditions", "range": [0.5, 4.0]},
        {"path": "world.migration_pressure", "range": [0.2, 1.0]},
    ]
    sob = write_experiment(
        tmp_path,
        name="sob",
        replications=2,
        keep_series=False,
        parameters=params,
        design={"kind": "sobol", "samples": 8, "second_order": True},
    )
    out = run_sweep(ex.load(sob), tmp_path / "sob", workers=2, progress=False)
    r = load_sweep(out)
    assert len(r.points) == 8 * (2 * 3 + 2)
    idx = sensitivity(r, "sobol", "countries_taliban_presence")
    first = idx[idx["S1"].notna()]
    assert list(first["parameter"]) == [p["path"] for p in params]
    assert {"S1", "S1_conf", "ST", "ST_conf"} <= set(idx.columns)
    assert len(idx) == 3 + 3  # three first/total rows, three pairs
    mor = write_experiment(
        tmp_path,
        name="mor",
        replications=2,
        keep_series=False,
        parameters=params,
        design={"kind": "morris", "trajectories": 4, "levels": 4},
    )
    r = load_sweep(run_sweep(ex.load(mor), tmp_path / "mor", workers=1, progress=False))
    assert len(r.points) == 4 * (3 + 1)
    idx = sensitivity(r, "morris", "missions_taliban")
    assert list(idx.columns) == ["parameter", "mu", "mu_star", "mu_star_conf", "sigma"] and len(idx) == 3
    assert (idx["mu_star"] >= 0).all()
    with pytest.raises(InputError, match="morris design"):
        sensitivity(load_sweep(tmp_path / "sob"), "morris")
    with pytest.raises(InputError, match="censored"):
        sensitivity(r, "morris", "first_recognition_month")


def test_summary_and_analyze_cli(reference, tmp_path, capsys):
    _, out = reference
    s = summarize(load_sweep(out))
    runs = load_sweep(out).runs
    assert len(s) == 18
    expected = runs.groupby("point")["missions_taliban"].mean()
    pd.testing.assert_series_equal(s.set_index("point")["mean_missions_taliban"], expected, check_names=False)
    p = runs.groupby("point")["first_recognition_month"].apply(lambda x: x.notna().mean())
    pd.testing.assert_series_equal(s.set_index("point")["p_recognition"], p, check_names=False)
    assert main(["analyze", str(out)]) == 0
    written = pd.read_csv(out / "summary.csv")
    pd.testing.assert_frame_equal(written, s, check_dtype=False)
    (out / "summary.csv").unlink()
    capsys.readouterr()
    assert main(["analyze", str(out), "--method", "sobol"]) == 2
    assert "needs a sobol design" in capsys.readouterr().err
    assert not (out / "summary.csv").exists()  # refused before anything is written
    assert main(["analyze", str(out)]) == 0  # the shared folder as the other tests find it


def test_workers_with_other_versions_are_refused(tmp_path, monkeypatch):
    from distributed import LocalCluster

    loaded = ex.load(write_experiment(tmp_path, replications=1, keep_series=False))
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=True, dashboard_address=":0") as cluster:
        monkeypatch.setattr(executors, "version_info", lambda: {"recogsim": "0.0.1", "mesa": "1.0", "numpy": "1.0"})
        with pytest.raises(InputError, match="different versions"):
            run_sweep(loaded, tmp_path / "out", scheduler=cluster.scheduler_address, progress=False)
    assert not (tmp_path / "out" / "manifest.json").exists()  # refused before anything was written


@pytest.mark.parametrize(
    "address, words",
    [("tcp://127.0.0.1:1", "Timed out"), ("foo", "missing port"), ("http://x:1", "unknown address scheme")],
)
def test_an_unreachable_or_malformed_scheduler_is_one_line(tmp_path, address, words):
    loaded = ex.load(write_experiment(tmp_path, replications=1))
    with pytest.raises(InputError) as info:
        run_sweep(loaded, tmp_path / "out", scheduler=address, progress=False, connect_timeout=1)
    err = info.value
    assert err.path == "--scheduler" and words in err.message and "\n" not in str(err)
    assert not (tmp_path / "out" / "manifest.json").exists()


@pytest.mark.parametrize(
    "argv, words",
    [
        (["--chunk", "0"], "--chunk: must be at least 1, got 0"),
        (["--dask-local", "0"], "--dask-local: must be at least 1, got 0"),
        (["--dask-local", "2", "--scheduler", "tcp://h:1"], "not allowed with argument"),
        (["--workers", "x"], "expected a whole number, got 'x'"),
    ],
)
def test_bad_sweep_flags(tmp_path, capsys, argv, words):
    path = write_experiment(tmp_path, replications=1)
    with pytest.raises(SystemExit) as info:
        main(["sweep", str(path), "--out", str(tmp_path / "o"), *argv])
    assert info.value.code == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and words in err


def test_plot_and_analyze_refuse_the_wrong_kind_of_folder(reference, tmp_path, capsys):
    from recogsim import load_scenario as load
    from recogsim import run_ensemble, write_results

    _, out = reference
    ens = write_results(run_ensemble(load(DATA / "tiny.yaml"), 2, progress=False), tmp_path / "ens")
    cases = [
        (["plot", str(out), "--kind", "fan"], "plots ensemble results"),
        (["plot", str(ens), "--kind", "heatmap"], "plots a sweep folder"),
        (["analyze", str(ens)], "not a sweep results folder"),
        (["analyze", str(out), "--outcome", "nosuch"], "unknown or non-numeric outcome 'nosuch'"),
    ]
    for argv, words in cases:
        assert main(argv) == 2, argv
        err = capsys.readouterr().err.strip()
        assert err.count("\n") == 0 and words in err, (argv, err)
    # an interrupted sweep is not analysed as if it were complete
    manifest = json.loads((out / "manifest.json").read_text())
    half = tmp_path / "half"
    half.mkdir()
    (half / "points.parquet").write_bytes((out / "points.parquet").read_bytes())
    (half / "manifest.json").write_text(json.dumps({**manifest, "status": "running"}))
    assert main(["analyze", str(half)]) == 2
    assert (
        f"not finished; finish them with `recogsim sweep EXPERIMENT --out {half} --resume`" in capsys.readouterr().err
    )


# ---------------------------------------------------------------- bad draws: refused up front, or by --resume
def _bad_row_sweep(folder: Path, crossing: bool = True) -> Path:
    """A sweep over a scenario whose from: file has a row (2) whose thresholds cross and which
    holds no column's extreme, so loading the scenario (beyond ROW_CHECK_LIMIT) passes it."""
    import pandas as pd

    rows = {
        "rules.thresholds.de_facto": [4.0, 6.0, 5.5],
        "rules.thresholds.de_jure": [4.5, 8.0, 5.4 if crossing else 5.6],
    }
    pd.DataFrame(rows).to_parquet(folder / "post.parquet")
    scen = folder / "joint.yaml"
    uncertain = [{"from": "post.parquet", "reason": "x"}]
    scen.write_text(yaml.safe_dump({"extends": str(DATA / "tiny.yaml"), "name": "joint", "uncertain": uncertain}))
    return write_experiment(folder, scenario=str(scen), replications=12, keep_series=False)


def test_a_bad_row_the_replications_will_draw_is_refused_before_the_folder_starts(tmp_path, monkeypatch, run_cli):
    from recogsim.config import joint

    monkeypatch.setattr(joint, "ROW_CHECK_LIMIT", 1)
    path = _bad_row_sweep(tmp_path)
    rc, err = run_cli(["sweep", path, "--out", tmp_path / "out"])
    assert rc == 2 and err.count("\n") == 1 and "Traceback" not in err, err
    assert "uncertain[0].from: row 2 of post.parquet (uncertain[0]) cannot be drawn by replication" in err
    assert "must not decrease up the ladder" in err
    assert not (tmp_path / "out").exists()
    assert run_cli(["validate", path]) == (2, err)


def test_a_sweep_stopped_by_a_bad_draw_leaves_nothing_and_the_corrected_sweep_runs(tmp_path, monkeypatch, run_cli):
    """Draws beyond those checked up front (MAX_DRAWS_CHECKED) are checked as drawn: a bad one
    stops the sweep in one line and removes the folder it started (its runs drew from a file that
    must change before the sweep can finish, and --resume refuses a changed file: they could
    never be used); the corrected sweep then runs into the same place."""
    from recogsim.config import joint
    from recogsim.runs import plan

    monkeypatch.setattr(joint, "ROW_CHECK_LIMIT", 1)
    monkeypatch.setattr(plan, "MAX_DRAWS_CHECKED", 0)
    path, out = _bad_row_sweep(tmp_path), tmp_path / "out"
    rc, err = run_cli(["sweep", path, "--out", out, "--chunk", 1, "--workers", 1])  # one worker: one first error
    assert rc == 2 and err.count("\n") == 1 and "cannot be drawn at design point 0" in err, err
    assert not out.exists()
    _bad_row_sweep(tmp_path, crossing=False)
    assert run_cli(["sweep", path, "--out", out])[0] == 0
    assert json.loads((out / "manifest.json").read_text())["status"] == "complete"
