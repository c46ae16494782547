"""The command line's flags: every default said in its help, --version, --workers read the same
way by every command, plot kinds sorted by what they fit, and -o places a plot cannot go."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from recogsim import __version__
from recogsim.cli import build_parser
from recogsim.plots.kinds import ENSEMBLE_KINDS, SWEEP_KINDS

DATA = Path(__file__).resolve().parents[1] / "data"


def subcommands() -> dict[str, argparse.ArgumentParser]:
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(sub.choices)


@pytest.mark.parametrize("command", sorted(subcommands()))
def test_every_optional_flag_states_its_default(command):
    for action in subcommands()[command]._actions:
        if not action.option_strings or isinstance(action, (argparse._HelpAction, argparse._VersionAction)):
            continue
        text = (action.help or "").lower()
        assert "default" in text or action.required, f"{command} {action.option_strings}: {action.help!r}"


@pytest.mark.parametrize("command", ["run", "sweep", "calibrate"])
def test_workers_means_the_same_in_every_command(command):
    workers = next(a for a in subcommands()[command]._actions if "--workers" in a.option_strings)
    run = next(a for a in subcommands()["run"]._actions if "--workers" in a.option_strings)
    assert (workers.default, workers.type, workers.help) == (run.default, run.type, run.help)


def test_version(capsys):
    with pytest.raises(SystemExit) as info:
        build_parser().parse_args(["--version"])
    assert info.value.code == 0
    assert capsys.readouterr().out.strip() == f"recogsim {__version__}"


def test_plot_kind_help_says_which_kinds_fit_ensembles_and_which_sweeps():
    kind = next(a for a in subcommands()["plot"]._actions if "--kind" in a.option_strings)
    ensembles, sweeps = kind.help.split("For a sweep folder:")
    assert all(k in ensembles for k in ENSEMBLE_KINDS)
    assert all(k in sweeps for k in SWEEP_KINDS if k not in ENSEMBLE_KINDS)


@pytest.fixture(scope="module")
def results(tmp_path_factory) -> Path:
    from recogsim import load_scenario, run_ensemble_to

    return run_ensemble_to(load_scenario(DATA / "tiny.yaml"), 2, tmp_path_factory.mktemp("r") / "tiny")


def test_plot_onto_a_folder_is_one_line(results, tmp_path, run_cli):
    (tmp_path / "d.png").mkdir()
    rc, err = run_cli(["plot", results, "--kind", "fan", "-o", tmp_path / "d.png"])
    assert rc == 2 and err.count("\n") == 1 and "found a folder" in err


def test_plot_under_a_file_is_one_line(results, tmp_path, run_cli):
    (tmp_path / "afile").write_text("x")
    rc, err = run_cli(["plot", results, "--kind", "fan", "-o", tmp_path / "afile" / "x.png"])
    assert rc == 2 and err.count("\n") == 1 and "cannot write the figure there" in err
    assert (tmp_path / "afile").read_text() == "x"


def test_a_plot_is_written_whole(results, tmp_path, run_cli):
    rc, _ = run_cli(["plot", results, "--kind", "fan", "-o", tmp_path / "f.png"])
    assert rc == 0
    assert [p.name for p in tmp_path.iterdir()] == ["f.png"]  # no temporary file left beside it
    assert (tmp_path / "f.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_an_out_with_dot_dots_makes_no_folder_on_the_way(tmp_path, run_cli):
    """``a/sub/../../b`` is ``b``: made component by component, ``a/sub`` would be left behind,
    outside the place asked for."""
    out = tmp_path / "a" / "sub" / ".." / ".." / "b"
    rc, err = run_cli(["run", DATA / "tiny.yaml", "-n", 2, "--out", out, "--no-plots"])
    assert rc == 0, err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["b"]
    assert (tmp_path / "b" / "tiny" / "runs.parquet").exists()
