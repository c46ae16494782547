"""``recogsim run``: a scenario's folder is replaced whole, --resume finishes or reuses the same
runs, two writers never mix, and every folder is checked before the first run."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from recogsim.cli import run as run_cli_module
from recogsim.runs.executors import available_cores
from recogsim.runs.folders import locked
from recogsim.runs.runner import run_ensemble_to

DATA = Path(__file__).resolve().parents[1] / "data"
TINY = DATA / "tiny.yaml"


def listing(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*"))


def test_a_second_run_replaces_the_folder_whole(tmp_path, run_cli):
    argv = ["run", TINY, "-n", 3, "--out", tmp_path]
    assert run_cli(argv)[0] == 0
    stale = tmp_path / "tiny" / "plots" / "stale.png"
    stale.write_text("from an older run")
    first = (tmp_path / "tiny" / "runs.parquet").read_bytes()
    rc, err = run_cli([*argv, "--seed", 5])
    assert rc == 0, err
    assert not stale.exists()  # no stale plot beside new tables
    assert (tmp_path / "tiny" / "runs.parquet").read_bytes() != first
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tiny"]  # no staging or lock left


def test_resume_reuses_the_same_runs_and_refuses_others(tmp_path, run_cli):
    argv = ["run", TINY, "-n", 3, "--out", tmp_path, "--no-plots"]
    assert run_cli(argv)[0] == 0
    before = (tmp_path / "tiny" / "runs.parquet").stat().st_mtime_ns
    rc, err = run_cli([*argv, "--resume"])
    assert rc == 0 and "reused" in err
    assert (tmp_path / "tiny" / "runs.parquet").stat().st_mtime_ns == before
    rc, err = run_cli(["run", TINY, "-n", 4, "--out", tmp_path, "--no-plots", "--resume"])
    assert rc == 2 and "number of replications changed" in err and err.count("\n") == 1


def test_an_interrupted_run_keeps_the_old_folder_and_resume_finishes_it(
    tmp_path, run_cli, interrupt_after, monkeypatch
):
    common = ["run", TINY, "-n", 6, "--no-plots", "--workers", 1, "--out"]
    argv = [*common, tmp_path / "out"]
    assert run_cli([*argv, "--seed", 9])[0] == 0
    old = (tmp_path / "out" / "tiny" / "runs.parquet").read_bytes()
    clean = tmp_path / "clean"
    assert run_cli([*common, clean])[0] == 0

    def stopping(*args, **kwargs):
        return run_ensemble_to(*args, **kwargs, chunk_runs=1, on_result=interrupt_after(3))

    monkeypatch.setattr(run_cli_module, "run_ensemble_to", stopping)
    rc, err = run_cli(argv)
    assert rc == 130 and "interrupted" in err
    assert (tmp_path / "out" / "tiny" / "runs.parquet").read_bytes() == old  # the old folder is untouched
    assert (tmp_path / "out" / ".tiny.partial" / "manifest.json").exists()
    monkeypatch.undo()
    rc, err = run_cli([*argv, "--resume"])
    assert rc == 0, err
    assert (tmp_path / "out" / "tiny" / "runs.parquet").read_bytes() == (clean / "tiny" / "runs.parquet").read_bytes()
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["tiny"]


def test_a_run_while_another_builds_the_same_folder_is_refused(tmp_path, run_cli):
    with locked(tmp_path / ".tiny.lock"):
        rc, err = run_cli(["run", TINY, "-n", 2, "--out", tmp_path, "--no-plots"])
    assert rc == 2 and "another recogsim process is writing" in err and err.count("\n") == 1
    assert not (tmp_path / "tiny").exists()


def test_two_sweeps_started_together_into_one_folder(tmp_path):
    """Real processes: one sweep writes the folder, the other gets one line (busy, or the
    folder already holds results), and the folder is what one sweep alone writes."""
    (tmp_path / "tiny.yaml").write_text(TINY.read_text())
    (tmp_path / "e.yaml").write_text(
        "name: e\nscenario: tiny.yaml\nreplications: 40\ndesign: {kind: grid}\n"
        "parameters: [{path: taliban.lobbying, values: [0.2, 0.5, 0.8]}]\n"
    )
    cmd = [sys.executable, "-m", "recogsim", "sweep", "e.yaml", "--workers", "1"]
    env = {**os.environ, "MPLBACKEND": "Agg"}
    procs = [
        subprocess.Popen(
            [*cmd, "--out", "both"], cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        for _ in range(2)
    ]
    results = [(p.wait(timeout=120), p.stderr.read()) for p in procs]
    codes = sorted(rc for rc, _ in results)
    assert codes == [0, 2], results
    loser = next(err for rc, err in results if rc == 2)
    assert loser.count("\n") == 1 and ("another recogsim process" in loser or "already holds results" in loser)
    alone = subprocess.run([*cmd, "--out", "alone"], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert alone.returncode == 0
    for table in ("runs", "points"):
        assert (tmp_path / "both" / f"{table}.parquet").read_bytes() == (
            tmp_path / "alone" / f"{table}.parquet"
        ).read_bytes()


@pytest.mark.parametrize("kind", ["sweep", "own files"])
def test_run_never_replaces_a_sweep_or_a_folder_of_other_files(tmp_path, run_cli, kind):
    folder = tmp_path / "tiny"
    folder.mkdir()
    if kind == "sweep":
        (folder / "manifest.json").write_text('{"kind": "sweep", "status": "complete"}')
    else:
        (folder / "notes.txt").write_text("mine")
    before = listing(tmp_path)
    rc, err = run_cli(["run", TINY, "-n", 2, "--out", tmp_path])
    assert rc == 2 and err.count("\n") == 1 and str(folder) in err
    assert listing(tmp_path) == before


@pytest.mark.parametrize("kind", ["own files", "a file"])
def test_the_comparison_plots_never_replace_files_of_the_users_own(tmp_path, run_cli, kind):
    """Several scenarios' plots go to ``comparison``, replaced whole: only when it holds nothing
    but such plots, checked before the first run (it once deleted a notes file, and a file there
    stranded every finished run behind a traceback)."""
    other = tmp_path / "other.yaml"
    other.write_text(TINY.read_text().replace("name: tiny", "name: other"))
    out = tmp_path / "out"
    out.mkdir()
    comparison = out / "comparison"
    if kind == "a file":
        comparison.write_text("mine")
    else:
        comparison.mkdir()
        (comparison / "notes.txt").write_text("mine")
    before = listing(tmp_path)
    rc, err = run_cli(["run", TINY, other, "-n", 2, "--out", out])
    assert rc == 2 and err.count("\n") == 1 and str(comparison) in err, err
    assert listing(tmp_path) == before
    if kind == "own files":  # an earlier run's plots alone are replaced, with a file manager's traces
        (comparison / "notes.txt").unlink()
        (comparison / "states.png").write_text("an earlier run's plot")
        (comparison / ".DS_Store").write_text("left by a look at the plots")
        rc, err = run_cli(["run", TINY, other, "-n", 2, "--out", out])
        assert rc == 0, err
        assert (comparison / "states.png").read_bytes()[:4] == b"\x89PNG"


def test_an_out_that_cannot_be_a_folder_is_refused_before_any_run(tmp_path, run_cli):
    (tmp_path / "file").write_text("x")
    rc, err = run_cli(["run", TINY, "-n", 2, "--out", tmp_path / "file" / "out"])
    assert rc == 2 and err.count("\n") == 1 and "--out" in err


def test_a_name_that_would_leave_out_writes_nothing_anywhere(tmp_path, run_cli):
    scen = tmp_path / "s" / "esc.yaml"
    scen.parent.mkdir()
    scen.write_text(TINY.read_text().replace("name: tiny", "name: '../../escape'"))
    rc, err = run_cli(["run", scen, "-n", 2, "--out", tmp_path / "a" / "b"])
    assert rc == 2 and "name" in err and err.count("\n") == 1
    assert listing(tmp_path) == ["s", "s/esc.yaml"]


def test_workers_above_the_cores_are_capped_with_a_warning(tmp_path, run_cli):
    rc, err = run_cli(["run", TINY, "-n", 2, "--out", tmp_path, "--no-plots", "--workers", 10_000])
    assert rc == 0
    assert f"--workers 10000 is more than this machine's {available_cores()} cores; using {available_cores()}" in err


def test_runs_that_would_not_fit_in_memory_are_refused_before_any_runs(tmp_path, run_cli, monkeypatch):
    import psutil

    real = psutil.virtual_memory()
    monkeypatch.setattr(psutil, "virtual_memory", lambda: real._replace(available=50 * 2**20))  # 50 MiB
    rc, err = run_cli(["run", TINY, "-n", 100_000, "--out", tmp_path / "out"])
    assert rc == 2 and err.count("\n") == 1
    assert "--replications: 100,000 runs would need about" in err and "50 MiB available" in err
    assert not (tmp_path / "out").exists()
    assert run_cli(["run", TINY, "-n", 2, "--out", tmp_path / "out", "--no-plots"])[0] == 0  # a small run fits


def test_resume_of_several_scenarios_checks_every_finished_folder_before_running_any(tmp_path, run_cli):
    """A finished folder to be reused but damaged was found only when its turn came, after the
    scenarios before it had run."""
    out = tmp_path / "out"
    assert run_cli(["run", TINY, "-n", 3, "--out", out, "--no-plots"])[0] == 0
    runs = out / "tiny" / "runs.parquet"
    pq.write_table(pq.read_table(runs).slice(0, 2), runs)
    other = tmp_path / "other.yaml"
    other.write_text(TINY.read_text().replace("name: tiny", "name: other"))
    before = listing(tmp_path)
    rc, err = run_cli(["run", other, TINY, "-n", 3, "--out", out, "--no-plots", "--resume"])
    assert rc == 2 and err.count("\n") == 1 and "runs.parquet" in err and "damaged" in err, err
    assert listing(tmp_path) == before
