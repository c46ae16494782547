"""``recogsim discover``: on an ensemble's drawn parameters and on a sweep's design, the files it
writes and the sentences it prints; bad input is one line, exit 2, and nothing written."""

from __future__ import annotations

import contextlib
import io
from pathlib import Path

import pandas as pd
import pytest
import yaml

from recogsim import cli

DATA = Path(__file__).resolve().parents[1] / "data"
WHERE = "max_level_pakistan >= 3"  # de facto or more: easier the lower the drawn de facto threshold
FILES = ("", "_trajectory")


def discover(argv: list) -> tuple[int, str, str]:
    """``recogsim discover argv`` in this process: exit status, stdout, stderr."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            rc = cli.main(["discover", *map(str, argv)])
        except SystemExit as exc:
            rc = exc.code
    return rc, out.getvalue(), err.getvalue()


def swept(folder: Path, scenario: str, replications: int, parameters: list[dict]) -> Path:
    """A grid sweep of ``scenario`` over ``parameters``, run into ``folder/grid``."""
    design = {
        "name": "grid",
        "scenario": str(DATA / scenario),
        "replications": replications,
        "seed": 5,
        "design": {"kind": "grid"},
        "parameters": parameters,
    }
    exp = folder / "grid.yaml"
    exp.write_text(yaml.safe_dump(design, sort_keys=False))
    with contextlib.redirect_stderr(io.StringIO()), contextlib.redirect_stdout(io.StringIO()):
        assert cli.main(["sweep", str(exp), "--out", str(folder / "grid")]) == 0
    return folder / "grid"


@pytest.fixture(scope="module")
def ensemble(tmp_path_factory) -> Path:
    """200 replications of tiny_uncertain (three parameters drawn per replication)."""
    out = tmp_path_factory.mktemp("ens")
    with contextlib.redirect_stderr(io.StringIO()), contextlib.redirect_stdout(io.StringIO()):
        argv = ["run", DATA / "tiny_uncertain.yaml", "-n", 200, "--seed", 3, "--out", out, "--no-plots"]
        assert cli.main([str(a) for a in argv]) == 0
    return out / "tiny_uncertain"


@pytest.fixture(scope="module")
def sweep(tmp_path_factory) -> Path:
    """A grid of 4 x 4 points of tiny, 8 replications each."""
    parameters = [
        {"path": "rules.thresholds.de_facto", "values": [3.5, 4.5, 5.5, 6.5]},
        {"path": "taliban.crackdown", "values": [0.1, 0.4, 0.7, 1.0]},
    ]
    return swept(tmp_path_factory.mktemp("sweep"), "tiny.yaml", 8, parameters)


def test_prim_on_an_ensemble_finds_the_drawn_threshold(ensemble, tmp_path):
    rc, out, err = discover([ensemble, "--where", WHERE, "--out", tmp_path])
    assert rc == 0, err
    name = "max_level_pakistan_ge_3"
    written = sorted(p.name for p in tmp_path.iterdir())
    assert written == sorted(
        [f"discover_{name}{s}.csv" for s in FILES]
        + [f"discover_{name}_{k}.png" for k in ("limits", "scatter", "trajectory")]
    )
    table = pd.read_csv(tmp_path / f"discover_{name}.csv")
    restricted = table.loc[table["restricted"], "parameter"].tolist()
    assert "rules.thresholds.de_facto" in restricted
    row = table.set_index("parameter").loc["rules.thresholds.de_facto"]
    assert row["restrict_upper"] and 4.0 < row["upper"] < 6.5  # a de facto threshold low in its prior
    assert (table[["lower", "upper"]].to_numpy() != 0).any()
    lines = out.splitlines()
    assert lines[0].startswith("PRIM on 200 runs of an ensemble, 3 inputs; box ")
    assert "highest rung pakistan reached >= 3 in " in out and "rules.thresholds.de_facto <= " in out
    assert "these hold " in out and "quasi-p" in out


def test_the_same_seed_gives_the_same_table(ensemble, tmp_path):
    for folder in ("a", "b"):
        assert discover([ensemble, "--where", WHERE, "--out", tmp_path / folder, "--no-plots", "--seed", 4])[0] == 0
    name = "discover_max_level_pakistan_ge_3.csv"
    assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()


def test_cart_on_a_sweep_prints_rules_over_the_design(sweep, tmp_path):
    rc, out, err = discover(
        [sweep, "--where", "de_facto_count >= 1", "--method", "cart", "--name", "any_de_facto", "--out", tmp_path]
    )
    assert rc == 0, err
    assert out.startswith("CART on 128 runs of a sweep, 2 inputs; rule 0 of ")
    assert "rules.thresholds.de_facto <= " in out
    table = pd.read_csv(tmp_path / "discover_any_de_facto.csv")
    assert set(table["parameter"]) == {"rules.thresholds.de_facto", "taliban.crackdown"}
    assert table["chosen"].sum() == 2  # one rule chosen, one row per input


def test_a_sweeps_shared_draws_are_left_out_unless_named(tmp_path):
    """Replication r draws the same values at every design point (common random numbers): as
    inputs they would name replications, so they are left out, with a note, unless asked for."""
    drawn = swept(tmp_path, "tiny_uncertain.yaml", 12, [{"path": "taliban.crackdown", "values": [0.1, 0.5, 0.9]}])
    argv = [drawn, "--where", "de_facto_count >= 1", "--method", "cart", "--no-plots"]
    rc, out, err = discover([*argv, "--out", tmp_path / "a"])
    assert rc == 0, err
    assert out.startswith("note: left out 3 drawn inputs (rules.thresholds.de_facto, ")
    assert "runs of a sweep, 1 input;" in out
    rc, out, err = discover(
        [*argv, "--out", tmp_path / "b", "--inputs", "taliban.crackdown", "rules.thresholds.de_facto"]
    )
    assert rc == 0, err
    assert "left out" not in out and "runs of a sweep, 2 inputs" in out


def test_discover_writes_beside_the_results_by_default(sweep):
    rc, _, err = discover(
        [sweep, "--where", "de_facto_count >= 1", "--inputs", "rules.thresholds.de_facto", "--no-plots"]
    )
    assert rc == 0, err
    assert (sweep / "discover_de_facto_count_ge_1.csv").exists()


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--where", "de_fact_count >= 1"], "--where: unknown column 'de_fact_count'; expected one of "),
        (["--where", "de_facto_count = 1"], "compare with '==', not '='"),
        (["--where", "__import__('os').system('true')"], "a function call is not allowed"),
        (["--where", "de_facto_count >= 0"], "holds in 200 of 200 runs; discovery needs at least 10"),
        (["--where", WHERE, "--inputs", "rules.nope"], "--inputs: unknown input 'rules.nope'; expected one of "),
        (["--where", WHERE, "--box", 999], "--box: expected one of the boxes of the peeling trajectory 0 to "),
        (["--where", WHERE, "--name", "../escape"], "--name: "),
        (["--where", WHERE, "--method", "svm"], "invalid choice: 'svm'"),
    ],
)
def test_bad_input_is_one_line_and_writes_nothing(ensemble, tmp_path, argv, message):
    out = tmp_path / "out"
    rc, _, err = discover([ensemble, *argv, "--out", out])
    assert rc == 2 and message in err, err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert not out.exists()


def test_an_ensemble_that_drew_nothing_is_refused(tmp_path):
    with contextlib.redirect_stderr(io.StringIO()), contextlib.redirect_stdout(io.StringIO()):
        assert cli.main(["run", str(DATA / "tiny.yaml"), "-n", "3", "--out", str(tmp_path), "--no-plots"]) == 0
    rc, _, err = discover([tmp_path / "tiny", "--where", "de_facto_count >= 1", "--out", tmp_path / "d"])
    assert rc == 2 and "draws no parameters (no uncertain:)" in err and err.count("\n") == 1
    assert not (tmp_path / "d").exists()


def test_a_folder_of_no_results_is_refused(tmp_path):
    rc, _, err = discover([tmp_path, "--where", "de_facto_count >= 1"])
    assert rc == 2 and err.count("\n") == 1 and str(tmp_path) in err


def test_a_sweep_over_a_text_input_alone_says_why_it_cannot_be_used(tmp_path):
    """``taliban.mode`` varies (fixed, adaptive), but PRIM and CART take numbers: the line names
    the input rather than saying that nothing varies."""
    folder = swept(tmp_path, "tiny.yaml", 2, [{"path": "taliban.mode", "values": ["fixed", "adaptive"]}])
    rc, _, err = discover([folder, "--where", "missions_taliban >= 2", "--no-plots", "--out", tmp_path / "d"])
    assert rc == 2 and err.count("\n") == 1, err
    assert "only taliban.mode varies, and not as numbers" in err
    assert not (tmp_path / "d").exists()
