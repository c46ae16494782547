"""The ``recogsim`` command line: run, plot, validate, show, and the one-line rule for bad input.

Most tests call ``recogsim.cli.main`` in this process with ``--no-plots``; the plots live in
``plots.py``. Two tests draw the default plots, one test runs the installed console script.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml

from recogsim import cli
from recogsim.runs.seeds import replication_seed

DATA = Path(__file__).resolve().parent / "data"
TINY = DATA / "tiny.yaml"
CHILD = DATA / "tiny_child.yaml"
HORIZON = 12
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
RUN_COLUMNS = [
    "replication",
    "seed",
    "first_recognition_month",
    "first_recognizer",
    "de_jure_count",
    "de_facto_count",
    "western_de_jure_count",
    "missions_taliban",
    "missions_republic",
    "missions_closed",
    "countries_taliban_presence",
]
DEFAULT_PNGS = {
    "fan_countries_taliban_presence.png",
    "fan_missions_taliban.png",
    "fan_de_jure_count.png",
    "fan_legitimacy.png",
    "survival.png",
    "distribution.png",
    "states.png",
    "missions.png",
}


def call(argv) -> int:
    """``main`` returns its status; argparse usage errors leave through SystemExit with it."""
    try:
        return cli.main([str(a) for a in argv])
    except SystemExit as exc:
        return exc.code


def one_line_error(err: str) -> str:
    lines = err.strip("\n").splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err
    assert lines[0].startswith("recogsim"), lines[0]
    assert "error:" in lines[0]
    return lines[0]


@pytest.fixture(scope="module")
def tiny_results(tmp_path_factory):
    """``run tiny.yaml -n 4 --seed 3 --no-plots``, once: (results root, status, stdout, stderr)."""
    out = tmp_path_factory.mktemp("results")
    stdout, stderr = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
        rc = call(["run", TINY, "-n", 4, "--seed", 3, "--out", out, "--no-plots"])
    return out, rc, stdout.getvalue(), stderr.getvalue()


# ------------------------------------------------------------------------------------ run
def test_run_writes_the_five_files_and_prints_a_summary(tiny_results):
    out, rc, stdout, stderr = tiny_results
    assert rc == 0, stderr
    folder = out / "tiny"
    assert sorted(p.name for p in folder.iterdir()) == [
        "manifest.json",
        "missions.parquet",
        "runs.parquet",
        "series.parquet",
        "states.parquet",
    ]
    assert not (folder / "plots").exists()  # --no-plots
    tables = ("runs.parquet", "series.parquet", "states.parquet", "missions.parquet")
    assert all((folder / f).stat().st_size > 0 for f in tables)
    header, rule, row = stdout.splitlines()[:3]
    assert header.split()[:3] == ["scenario", "runs", "P(recog)"]
    assert set(rule.replace(" ", "")) == {"-"}
    assert row.split()[:2] == ["tiny", "4"]
    assert "wrote" in stderr and str(folder) in stderr


def test_runs_table_has_one_row_per_replication_and_the_documented_columns(tiny_results):
    out, *_ = tiny_results
    runs = pd.read_parquet(out / "tiny" / "runs.parquet")
    assert len(runs) == 4
    missing = [c for c in RUN_COLUMNS if c not in runs.columns]
    assert not missing
    assert list(runs["replication"]) == [0, 1, 2, 3]
    assert list(runs["seed"]) == [replication_seed(3, i) for i in range(4)]
    assert (runs["missions_taliban"] + runs["missions_republic"] + runs["missions_closed"] == 5).all()
    assert (runs["months"] == HORIZON).all()


def test_series_table_has_a_row_per_replication_and_month(tiny_results):
    out, *_ = tiny_results
    series = pd.read_parquet(out / "tiny" / "series.parquet")
    assert {"replication", "month", "date"} <= set(series.columns)
    assert len(series) == 4 * (HORIZON + 1)
    first = series[series["replication"] == 0]
    assert list(first["month"]) == list(range(HORIZON + 1))
    assert (first["date"].iloc[0], first["date"].iloc[-1]) == ("2023-04", "2024-04")
    states = pd.read_parquet(out / "tiny" / "states.parquet")
    assert len(states) == 4 * 4
    assert set(states["state"]) == {"Pakistan", "China", "Tajikistan", "Germany"}


def test_missions_table_has_a_row_per_replication_and_post(tiny_results):
    out, *_ = tiny_results
    missions = pd.read_parquet(out / "tiny" / "missions.parquet")
    assert list(missions.columns) == [
        "replication",
        "mission",
        "host",
        "controller",
        "month_taliban",
        "month_closed",
        "closed_by",
    ]
    assert len(missions) == 4 * 5
    assert list(missions["replication"]) == [r for r in range(4) for _ in range(5)]
    first = missions[missions["replication"] == 0]
    assert list(first["mission"]) == [
        "Islamabad embassy",
        "Peshawar consulate",
        "Beijing embassy",
        "Dushanbe embassy",
        "Berlin embassy",
    ]
    assert list(first["host"]) == ["Pakistan", "Pakistan", "China", "Tajikistan", "Germany"]
    # the controllers at the horizon are the runs table's counts of posts by controller
    runs = pd.read_parquet(out / "tiny" / "runs.parquet").set_index("replication")
    counts = missions.groupby("replication")["controller"].value_counts().unstack(fill_value=0)
    for controller in ("taliban", "republic", "closed"):
        got = counts.get(controller, 0)
        assert (got == runs[f"missions_{controller}"]).all(), controller


def test_manifest_records_hash_seed_and_versions(tiny_results):
    out, *_ = tiny_results
    manifest = json.loads((out / "tiny" / "manifest.json").read_text())
    assert len(manifest["scenario_hash"]) == 64 and int(manifest["scenario_hash"], 16) >= 0
    assert manifest["root_seed"] == 3
    assert manifest["replications"] == 4
    assert manifest["horizon_months"] == HORIZON
    assert {"recogsim", "mesa", "numpy"} <= set(manifest["versions"])
    assert all(manifest["versions"][k] for k in ("recogsim", "mesa", "numpy"))
    assert manifest["scenario"]["name"] == "tiny"


def test_run_one_scenario_saves_plots_beside_its_results(tmp_path, capsys):
    """Needs plots.py."""
    rc = call(["run", TINY, "-n", 2, "--seed", 1, "--out", tmp_path])
    captured = capsys.readouterr()
    assert rc == 0, captured.err
    plots = tmp_path / "tiny" / "plots"
    pngs = {p.name: p for p in plots.glob("*.png")}
    assert set(pngs) == DEFAULT_PNGS
    for p in pngs.values():
        assert p.stat().st_size > 1000 and p.read_bytes()[:8] == PNG_MAGIC
    assert not (tmp_path / "comparison").exists()
    assert "tiny" in captured.out


def test_run_two_scenarios_writes_both_and_comparison_plots(tmp_path, capsys):
    """Needs plots.py."""
    rc = call(["run", TINY, CHILD, "-n", 2, "--seed", 1, "--out", tmp_path])
    captured = capsys.readouterr()
    assert rc == 0, captured.err
    for name in ("tiny", "tiny_child"):
        assert (tmp_path / name / "runs.parquet").is_file() and (tmp_path / name / "manifest.json").is_file()
        assert not (tmp_path / name / "plots").exists()
    comparison = {p.name for p in (tmp_path / "comparison").glob("*.png")}
    assert comparison == DEFAULT_PNGS
    rows = [line.split()[0] for line in captured.out.splitlines()[2:4]]
    assert rows == ["tiny", "tiny_child"]


def test_run_two_scenarios_without_plots(tmp_path, capsys):
    rc = call(["run", TINY, CHILD, "-n", 2, "--out", tmp_path, "--no-plots"])
    assert rc == 0, capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tiny", "tiny_child"]
    child = json.loads((tmp_path / "tiny_child" / "manifest.json").read_text())
    parent = json.loads((tmp_path / "tiny" / "manifest.json").read_text())
    assert child["scenario_hash"] != parent["scenario_hash"]


def test_two_scenarios_with_the_same_name_is_an_error_before_anything_runs(tmp_path, capsys):
    twin = tmp_path / "twin.yaml"
    twin.write_text(f"extends: {TINY}\ndescription: same name as its parent\n")
    rc = call(["run", TINY, twin, "-n", 2, "--out", tmp_path / "out", "--no-plots"])
    captured = capsys.readouterr()
    assert rc == 2
    line = one_line_error(captured.err)
    assert "'tiny'" in line and "share the name" in line
    assert not (tmp_path / "out").exists()
    assert captured.out == ""


def test_run_with_a_bad_scenario_runs_nothing(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text(TINY.read_text().replace("migration_concern: 0.7", "migration_concern: 1.7"))
    rc = call(["run", TINY, bad, "-n", 2, "--out", tmp_path / "out", "--no-plots"])
    line = one_line_error(capsys.readouterr().err)
    assert rc == 2
    assert line == f"recogsim: error: {bad}: states[3].migration_concern: must be between 0 and 1, got 1.7"
    assert not (tmp_path / "out").exists()  # every scenario is validated before any runs


def test_run_missing_scenario_file(tmp_path, capsys):
    rc = call(["run", tmp_path / "nope.yaml", "-n", 1, "--out", tmp_path / "out", "--no-plots"])
    line = one_line_error(capsys.readouterr().err)
    assert rc == 2 and "nope.yaml" in line and "not found" in line


def test_run_out_pointing_at_a_file_is_a_one_line_error(tmp_path, capsys):
    blocker = tmp_path / "afile"
    blocker.write_text("not a folder")
    rc = call(["run", TINY, "-n", 1, "--out", blocker, "--no-plots"])
    line = one_line_error(capsys.readouterr().err)
    assert rc == 2
    assert str(blocker) in line


def test_same_seed_twice_gives_byte_identical_files(tmp_path, capsys):
    for d, seed in (("a", 5), ("b", 5), ("c", 6)):
        assert call(["run", TINY, "-n", 3, "--seed", seed, "--out", tmp_path / d, "--no-plots"]) == 0
    capsys.readouterr()
    for name in ("runs.parquet", "series.parquet", "states.parquet", "manifest.json"):
        a, b = (tmp_path / d / "tiny" / name for d in ("a", "b"))
        assert a.read_bytes() == b.read_bytes(), name
    other = tmp_path / "c" / "tiny"
    assert (other / "runs.parquet").read_bytes() != (tmp_path / "a" / "tiny" / "runs.parquet").read_bytes()
    assert json.loads((other / "manifest.json").read_text())["root_seed"] == 6


# ------------------------------------------------------------------------------------ plot
def test_plot_survival_to_a_file(tiny_results, tmp_path, capsys):
    out, *_ = tiny_results
    target = tmp_path / "sub" / "surv.png"
    rc = call(["plot", out / "tiny", "--kind", "survival", "-o", target])
    captured = capsys.readouterr()
    assert rc == 0, captured.err
    assert target.read_bytes()[:8] == PNG_MAGIC and target.stat().st_size > 1000
    assert captured.out.strip() == str(target)


def test_plot_fan_of_a_named_series(tiny_results, tmp_path, capsys):
    out, *_ = tiny_results
    target = tmp_path / "fan.png"
    rc = call(["plot", out / "tiny", "--kind", "fan", "--series", "missions_taliban", "-o", target])
    assert rc == 0, capsys.readouterr().err
    assert target.read_bytes()[:8] == PNG_MAGIC


def test_plot_a_folder_that_is_not_results(tmp_path, capsys):
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "notes.txt").write_text("hello")
    rc = call(["plot", empty, "--kind", "survival", "-o", tmp_path / "x.png"])
    line = one_line_error(capsys.readouterr().err)
    assert rc == 2
    assert str(empty) in line and "runs.parquet" in line and "not a results folder" in line
    assert not (tmp_path / "x.png").exists()


def test_plot_a_folder_that_does_not_exist(tmp_path, capsys):
    rc = call(["plot", tmp_path / "nowhere", "--kind", "survival", "-o", tmp_path / "x.png"])
    line = one_line_error(capsys.readouterr().err)
    assert rc == 2 and str(tmp_path / "nowhere") in line and "not a results folder" in line


def test_plot_a_damaged_manifest(tiny_results, tmp_path, capsys):
    out, *_ = tiny_results
    copy = tmp_path / "copy"
    shutil.copytree(out / "tiny", copy)
    (copy / "manifest.json").write_text("{not json")
    rc = call(["plot", copy, "--kind", "survival", "-o", tmp_path / "x.png"])
    line = one_line_error(capsys.readouterr().err)
    assert rc == 2 and "manifest.json" in line and "unreadable" in line


def test_plot_unknown_series_names_it(tiny_results, tmp_path, capsys):
    out, *_ = tiny_results
    rc = call(["plot", out / "tiny", "--kind", "fan", "--series", "nosuch", "-o", tmp_path / "x.png"])
    line = one_line_error(capsys.readouterr().err)
    assert rc == 2
    assert "--series" in line and "'nosuch'" in line and "missions_taliban" in line
    assert not (tmp_path / "x.png").exists()


def test_plot_unknown_kind(tiny_results, tmp_path, capsys):
    out, *_ = tiny_results
    rc = call(["plot", out / "tiny", "--kind", "pie"])
    line = one_line_error(capsys.readouterr().err)
    assert rc == 2 and "--kind" in line and "'pie'" in line


@pytest.mark.parametrize("name", ["plot.xyz", "plot.pgf"])
def test_plot_to_an_unsupported_file_type_is_a_one_line_error(tiny_results, tmp_path, capsys, monkeypatch, name):
    """PGF is matplotlib's but needs a TeX system to draw (a traceback from deep in matplotlib
    without one): refused unless one is on the PATH."""
    monkeypatch.setenv("PATH", str(tmp_path))  # no xelatex
    out, *_ = tiny_results
    rc = call(["plot", out / "tiny", "--kind", "survival", "-o", tmp_path / name])
    line = one_line_error(capsys.readouterr().err)
    assert rc == 2 and name in line and ".pdf" in line
    assert not (tmp_path / name).exists()


# ------------------------------------------------------------------------------------ validate, show
def test_validate_good_files(capsys):
    rc = call(["validate", TINY, CHILD])
    captured = capsys.readouterr()
    assert rc == 0
    lines = captured.out.splitlines()
    assert len(lines) == 2
    assert lines[0].startswith(f"ok {TINY}: tiny, 4 states, 5 posts, 2 militant groups, 1 events, 12 months")
    assert lines[1].startswith(f"ok {CHILD}: tiny_child, 4 states, 5 posts, 2 militant groups, 2 events")
    assert captured.err == ""


def test_validate_reports_the_good_files_beside_a_bad_one(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: bad\nstart: '2023-04'\nstates: [{name: A, bloc: other, migraton: 0.2}]\n")
    rc = call(["validate", TINY, bad, CHILD])
    captured = capsys.readouterr()
    assert rc == 2
    assert [line.split(":")[0] for line in captured.out.splitlines()] == [f"ok {TINY}", f"ok {CHILD}"]
    line = one_line_error(captured.err)
    assert line.startswith(f"recogsim: error: {bad}: states[0].migraton: unknown key; expected one of")
    assert "migration_concern" in line


def test_show_prints_the_resolved_child(capsys):
    rc = call(["show", CHILD])
    captured = capsys.readouterr()
    assert rc == 0, captured.err
    data = yaml.safe_load(captured.out)
    assert "extends" not in data
    assert data["name"] == "tiny_child"
    assert [s["name"] for s in data["states"]] == ["Pakistan", "China", "Tajikistan", "Germany"]
    tj = data["states"][2]
    assert tj["resistance_support"] == 0.3  # the child's override
    assert tj["migration_concern"] == 0.5 and tj["exposure"] == {"ISK": 0.5}  # the parent's other fields
    assert data["states"][3]["conditions_weight"] == 0.9  # bloc default filled in
    assert data["world"]["minority_violence"] == 0.7 and data["world"]["migration_pressure"] == 0.6
    assert [e["kind"] for e in data["events"]] == ["set", "withdraw_sanctuary"]
    assert len(data["missions"]) == 5


def test_show_a_bad_file(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text("- just\n- a list\n")
    rc = call(["show", bad])
    line = one_line_error(capsys.readouterr().err)
    assert rc == 2 and str(bad) in line and "expected a mapping" in line


# ------------------------------------------------------------------------------------ bad flags
@pytest.mark.parametrize(
    "argv, words",
    [
        (["run", TINY, "-n", "0"], ["-n/--replications", "must be at least 1, got 0"]),
        (["run", TINY, "-n", "two"], ["-n/--replications", "'two'"]),
        (["run", TINY, "--workers", "-1"], ["--workers", "got -1"]),
        (["run", TINY, "--seed", "abc"], ["--seed", "expected a whole number, got 'abc'"]),
        (["run", TINY, "--seed", "-3"], ["--seed", "got -3"]),
        (["frobnicate", TINY], ["invalid choice", "'frobnicate'"]),
        ([], ["required", "command"]),
        (["run"], ["required", "SCENARIO"]),
        (["run", TINY, "--colour"], ["unrecognized arguments", "--colour"]),
        (["plot", "somewhere"], ["required", "--kind"]),
    ],
)
def test_bad_flags_are_one_line_and_exit_2(tmp_path, capsys, monkeypatch, argv, words):
    monkeypatch.chdir(tmp_path)  # nothing may be written anywhere
    rc = call(argv)
    captured = capsys.readouterr()
    assert rc == 2
    line = one_line_error(captured.err)
    for w in words:
        assert w in line
    assert captured.out == ""
    assert list(tmp_path.iterdir()) == []


# ------------------------------------------------------------------------------------ console script
def _console_command() -> list[str]:
    script = Path(sys.executable).with_name("recogsim")
    if script.exists():
        return [str(script)]
    found = shutil.which("recogsim")
    return [found] if found else [sys.executable, "-m", "recogsim.cli"]


def test_console_script_reports_bad_input_in_one_line(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(TINY.read_text().replace("migration_concern: 0.7", "migration_concern: 1.7"))
    env = {**os.environ, "MPLBACKEND": "Agg"}
    proc = subprocess.run(
        [*_console_command(), "validate", str(bad)], capture_output=True, text=True, env=env, timeout=120
    )
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert proc.stderr.splitlines() == [
        f"recogsim: error: {bad}: states[3].migration_concern: must be between 0 and 1, got 1.7"
    ]
    assert proc.stdout == ""
    usage = subprocess.run(
        [*_console_command(), "run", str(TINY), "-n", "0"], capture_output=True, text=True, env=env, timeout=120
    )
    assert usage.returncode == 2 and len(usage.stderr.splitlines()) == 1 and "Traceback" not in usage.stderr


@pytest.mark.parametrize("command", [[], ["run"], ["sweep"], ["analyze"], ["plot"], ["validate"], ["show"]])
def test_every_help_page_prints(command):
    """``--help`` on the program and on each subcommand prints its page and exits 0 (a stray "%" in
    a help text once made argparse fail on ``plot --help``)."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out), pytest.raises(SystemExit) as info:
        cli.main([*command, "--help"])
    assert info.value.code == 0 and "usage: recogsim" in out.getvalue()
