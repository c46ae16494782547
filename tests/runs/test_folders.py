"""Results folders: one writer at a time, folders replaced whole, and damaged folders refused in
one line by every reader."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from recogsim import load_results, load_scenario, load_sweep, run_ensemble_to
from recogsim.errors import InputError
from recogsim.runs.folders import FolderError, check_writable, locked, replace_folder

DATA = Path(__file__).resolve().parents[1] / "data"


@pytest.fixture(scope="module")
def finished(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("finished") / "tiny"
    return run_ensemble_to(load_scenario(DATA / "tiny.yaml"), 3, out, seed=1)


# ---------------------------------------------------------------- locks
def test_a_locked_folder_refuses_a_second_writer_in_one_line(tmp_path):
    with locked(tmp_path / "out"), pytest.raises(FolderError) as info, locked(tmp_path / "out"):
        pass
    assert "another recogsim process is writing this folder" in str(info.value) and "\n" not in str(info.value)
    with locked(tmp_path / "out"):  # released when the block ends
        pass


def test_a_writer_into_a_locked_folder_writes_nothing(tmp_path):
    out = tmp_path / "out"
    with locked(out), pytest.raises(FolderError):
        run_ensemble_to(load_scenario(DATA / "tiny.yaml"), 2, out)
    assert list(out.iterdir()) == []


def test_a_lock_folder_is_removed_when_released(tmp_path):
    with locked(tmp_path / ".x.lock", remove=True):
        assert (tmp_path / ".x.lock").is_dir()
    assert not (tmp_path / ".x.lock").exists()


def test_a_file_where_a_folder_should_be_is_one_line(tmp_path):
    (tmp_path / "f").write_text("x")
    with pytest.raises(FolderError, match="found a file"), locked(tmp_path / "f" / "out"):
        pass


def test_check_writable_leaves_nothing_behind(tmp_path):
    check_writable(tmp_path)
    assert list(tmp_path.iterdir()) == []


# ---------------------------------------------------------------- replacing
def test_replace_folder_swaps_in_the_new_and_removes_the_old(tmp_path):
    old, new = tmp_path / "final", tmp_path / ".final.partial"
    old.mkdir()
    (old / "stale.png").write_text("old")
    new.mkdir()
    (new / "runs.parquet").write_text("new")
    replace_folder(new, old)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["final"]
    assert [p.name for p in old.iterdir()] == ["runs.parquet"]


def test_replace_folder_into_nothing(tmp_path):
    (tmp_path / "new").mkdir()
    replace_folder(tmp_path / "new", tmp_path / "final")
    assert [p.name for p in tmp_path.iterdir()] == ["final"]


# ---------------------------------------------------------------- damaged folders
def damaged(src: Path, dst: Path, name: str, table: pa.Table | None = None, text: str | None = None) -> Path:
    dst.mkdir()
    for f in src.iterdir():
        if f.is_file():
            (dst / f.name).write_bytes(f.read_bytes())
    if table is not None:
        pq.write_table(table, dst / name)
    elif text is not None:
        (dst / name).write_text(text)
    else:
        (dst / name).unlink()
    return dst


def one_line(exc: InputError, *words: str) -> None:
    line = str(exc)
    assert "\n" not in line
    for w in words:
        assert w in line, line


@pytest.mark.parametrize(
    "name, table, text, words",
    [
        ("runs.parquet", None, "garbage", ["runs.parquet", "unreadable Parquet"]),
        ("manifest.json", None, "{", ["manifest.json", "unreadable manifest"]),
        ("manifest.json", None, "[1, 2]", ["manifest.json", "JSON object"]),
        ("manifest.json", None, None, ["not a results folder"]),
        ("series.parquet", None, None, ["series.parquet", "missing"]),
        ("missions.parquet", None, None, ["missions.parquet", "missing"]),  # its manifest lists it
        ("runs.parquet", None, None, ["runs.parquet", "missing, though manifest.json says the runs are complete"]),
        ("runs.parquet", pa.table({"x": [1, 2]}), None, ["runs.parquet", "missing replication", "found x"]),
        ("states.parquet", pa.table({"x": [1]}), None, ["states.parquet", "missing replication"]),
        ("series.parquet", pa.table({"replication": ["a"]}), None, ["series.parquet", "missing month"]),
    ],
)
def test_a_damaged_ensemble_folder_is_refused_in_one_line(finished, tmp_path, name, table, text, words):
    folder = damaged(finished, tmp_path / "bad", name, table, text)
    with pytest.raises(InputError) as info:
        load_results(folder)
    one_line(info.value, *words)


def test_a_column_of_the_wrong_type_is_refused(finished, tmp_path):
    runs = pq.read_table(finished / "runs.parquet")
    i = runs.column_names.index("replication")
    bad = runs.set_column(i, "replication", pa.array([f"r{k}" for k in range(runs.num_rows)]))
    with pytest.raises(InputError) as info:
        load_results(damaged(finished, tmp_path / "bad", "runs.parquet", bad))
    one_line(info.value, "runs.parquet", "output record's type")


def test_a_manifest_whose_scenario_is_damaged_is_refused(finished, tmp_path):
    manifest = json.loads((finished / "manifest.json").read_text())
    manifest["scenario"]["horizon_months"] = "twelve"
    folder = damaged(finished, tmp_path / "bad", "manifest.json", text=json.dumps(manifest))
    with pytest.raises(InputError) as info:
        load_results(folder)
    one_line(info.value, "manifest.json", "scenario.horizon_months", "damaged")


def test_an_ensemble_folder_is_not_a_sweep(finished):
    with pytest.raises(InputError) as info:
        load_sweep(finished)
    one_line(info.value, "not a sweep results folder")


def test_folders_made_for_a_writer_that_fails_before_writing_are_removed(tmp_path):
    with pytest.raises(RuntimeError), locked(tmp_path / "a" / "b"):
        raise RuntimeError("the cluster could not be reached")
    assert list(tmp_path.iterdir()) == []


def test_a_sweep_whose_cluster_cannot_be_reached_leaves_nothing(tmp_path, run_cli):
    (tmp_path / "e.yaml").write_text(
        f"name: e\nscenario: {DATA / 'tiny.yaml'}\nreplications: 1\ndesign: {{kind: grid}}\n"
        "parameters: [{path: taliban.lobbying, values: [0.2]}]\n"
    )
    rc, err = run_cli(["sweep", tmp_path / "e.yaml", "--scheduler", "notaurl", "--out", tmp_path / "a" / "sw"])
    assert rc == 2 and err.count("\n") == 1 and "--scheduler" in err
    assert [p.name for p in tmp_path.iterdir()] == ["e.yaml"]


@pytest.mark.parametrize(
    ("name", "edit", "words"),
    [
        (
            "runs.parquet",
            lambda t: t.slice(0, 2),
            ["runs.parquet", "expected 3 rows (3 runs, as manifest.json", "found 2"],
        ),
        (
            "states.parquet",
            lambda t: pa.concat_tables([t, t.slice(0, 1)]),
            ["states.parquet", "expected 12 rows (3 runs x 4 states", "found 13"],
        ),
        ("series.parquet", lambda t: t.slice(1), ["series.parquet", "(3 runs x 13 months", "found 38"]),
    ],
)
def test_a_table_with_rows_missing_or_added_is_refused(finished, tmp_path, name, edit, words):
    """Rows cut short or padded (a table rewritten by hand, a copy that failed half-way) would be
    read as if they were every run: plots and scores would silently count fewer."""
    table = edit(pq.read_table(finished / name))
    with pytest.raises(InputError) as info:
        load_results(damaged(finished, tmp_path / "bad", name, table))
    one_line(info.value, *words, "the folder is damaged")


def test_a_folder_from_before_the_missions_table_still_loads(finished, tmp_path):
    manifest = json.loads((finished / "manifest.json").read_text())
    del manifest["tables"]  # as written before folders listed their tables
    folder = damaged(finished, tmp_path / "old", "manifest.json", text=json.dumps(manifest))
    (folder / "missions.parquet").unlink()
    assert load_results(folder).missions is None


def test_a_manifest_whose_run_count_is_damaged_is_refused(finished, tmp_path):
    manifest = json.loads((finished / "manifest.json").read_text())
    manifest["runs"] = "three"
    with pytest.raises(InputError) as info:
        load_results(damaged(finished, tmp_path / "bad", "manifest.json", text=json.dumps(manifest)))
    one_line(info.value, "manifest.json", "runs", "expected a whole number of runs, got 'three'")


def finished_sweep(tmp_path: Path, run_cli, replications: int, more: str = "") -> tuple[Path, Path]:
    """A two-point grid sweep of the tiny scenario, run: its experiment file and its folder.
    ``more``: lines added to the experiment."""
    exp = tmp_path / "e.yaml"
    exp.write_text(
        f"name: e\nscenario: {DATA / 'tiny.yaml'}\nreplications: {replications}\ndesign: {{kind: grid}}\n"
        f"parameters: [{{path: taliban.lobbying, values: [0.2, 0.4]}}]\n{more}"
    )
    out = tmp_path / "sw"
    assert run_cli(["sweep", exp, "--out", out, "--workers", 1])[0] == 0
    return exp, out


def test_a_sweep_with_rows_missing_is_refused_before_anything_is_written(tmp_path, run_cli):
    """``analyze`` rewrote the folder's summary from the damaged rows, then refused; ``sweep
    --resume`` on the finished folder reported success with the runs still missing."""
    exp, out = finished_sweep(tmp_path, run_cli, replications=2)
    pq.write_table(pq.read_table(out / "runs.parquet").slice(0, 3), out / "runs.parquet")
    summary = (out / "summary.csv").read_bytes()
    for argv in (["analyze", out], ["sweep", exp, "--out", out, "--workers", 1, "--resume"]):
        rc, err = run_cli(argv)
        assert rc == 2 and err.count("\n") == 1 and "expected 4 rows (4 runs" in err, err
        assert (out / "summary.csv").read_bytes() == summary


@pytest.mark.parametrize(
    ("key", "value", "words"),
    [
        ("horizon_months", "x", ["horizon_months", "expected the scenario's 12, got 'x'"]),
        ("root_seed", "abc", ["root_seed", "expected a whole number, at least 0, got 'abc'"]),
        ("replications", -5, ["replications", "at least 1, got -5"]),
        ("scenario.rules.rate_up", 0.9, ["scenario", "not the scenario its scenario_hash names"]),
        ("tables", "runs", ["tables", "expected a list of table names, got 'runs'"]),
    ],
)
def test_a_manifest_that_disagrees_with_itself_is_refused(finished, tmp_path, key, value, words):
    """Plots read the horizon, seed and replications from the manifest: a damaged one was a
    traceback deep in a plot; an edited scenario would have been read as the one that ran."""
    manifest = json.loads((finished / "manifest.json").read_text())
    *parents, last = key.split(".")
    target = manifest
    for k in parents:
        target = target[k]
    target[last] = value
    with pytest.raises(InputError) as info:
        load_results(damaged(finished, tmp_path / "bad", "manifest.json", text=json.dumps(manifest)))
    one_line(info.value, "manifest.json", *words)


@pytest.mark.parametrize(
    ("edit", "words"),
    [
        (lambda e: e["parameters"][0].update(values=[0.9, 0.9]), ["experiment", "not the experiment"]),
        (lambda e: e.update(design="x"), ["experiment.design", "damaged"]),
    ],
)
def test_a_sweep_manifest_with_a_damaged_experiment_is_refused(tmp_path, run_cli, edit, words):
    _, out = finished_sweep(tmp_path, run_cli, replications=1)
    manifest = json.loads((out / "manifest.json").read_text())
    edit(manifest["experiment"])
    (out / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(InputError) as info:
        load_sweep(out)
    one_line(info.value, "manifest.json", *words)


def test_resume_reads_a_damaged_chunk_as_one_line_and_ignores_strays(tmp_path, interrupt_after):
    """An interrupted folder's chunks are this store's: a damaged one is named in one line (it was a
    pyarrow traceback), a stray file or folder among them neither stops the runs nor the tidying."""
    tiny = load_scenario(DATA / "tiny.yaml")
    for case in ("damaged", "strays"):
        out = tmp_path / case
        with pytest.raises(KeyboardInterrupt):
            run_ensemble_to(tiny, 4, out, seed=1, chunk_runs=1, on_result=interrupt_after(2))
        chunks = out / "chunks"
        if case == "damaged":
            (chunks / "runs-000000.parquet").write_text("junk")
            with pytest.raises(InputError) as info:
                run_ensemble_to(tiny, 4, out, seed=1, resume=True)
            one_line(info.value, "runs-000000.parquet", "unreadable chunk", "--resume")
        else:
            (chunks / "foo-bar.parquet").write_text("x")
            (chunks / "subdir").mkdir()
            run_ensemble_to(tiny, 4, out, seed=1, resume=True)
            assert not chunks.exists() and len(load_results(out).runs) == 4


def test_removing_a_stopped_commands_writes_leaves_everything_else(tmp_path):
    """Only what a command writes while its runs go on (manifest, points, chunks, temporary
    files), and only what was not there before it: a notes file added meanwhile stays."""
    from recogsim.runs.folders import remove_new

    out = tmp_path / "sw"
    (out / "chunks").mkdir(parents=True)
    (out / "mine").mkdir()
    for name in ("manifest.json", "points.parquet", ".runs.parquet.x1.tmp", "notes.md", "mine/draft.txt"):
        (out / name).write_text("x")
    remove_new(out, before={"mine"})
    assert sorted(p.name for p in out.iterdir()) == ["mine", "notes.md"]


def test_a_chunk_damaged_before_the_folder_is_joined_keeps_the_finished_runs(tmp_path, monkeypatch):
    """Consolidation reads chunks back: a damaged one is one line, and the other finished runs stay
    for --resume (only a draw refused during the runs removes what the command wrote)."""
    from recogsim.runs import runner

    finish = runner.finish_folder

    def damaging(store, meta):
        store.kept = {}  # read back from disk, as a long run's chunks beyond KEEP_BYTES are
        (store.dir / "runs-000001.parquet").write_text("junk")
        finish(store, meta)

    monkeypatch.setattr(runner, "finish_folder", damaging)
    out = tmp_path / "tiny"
    with pytest.raises(InputError) as info:
        run_ensemble_to(load_scenario(DATA / "tiny.yaml"), 6, out, seed=1, chunk_runs=2)
    one_line(info.value, "runs-000001.parquet", "unreadable chunk")
    assert json.loads((out / "manifest.json").read_text())["status"] == "running"
    assert len(list((out / "chunks").glob("runs-*.parquet"))) >= 2  # the finished runs, on disk


def test_a_sweep_that_kept_its_series_must_still_hold_them(tmp_path, run_cli):
    _, out = finished_sweep(tmp_path, run_cli, replications=1, more="keep_series: true\n")
    (out / "series.parquet").unlink()
    with pytest.raises(InputError) as info:
        load_sweep(out)
    one_line(info.value, "series.parquet", "missing")
