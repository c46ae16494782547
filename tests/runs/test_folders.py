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
