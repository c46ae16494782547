"""``uncertain:`` blocks of joint draws (``from: FILE.parquet``): where the file is looked for, and
every way the file or its columns can be wrong, each a one-line error through the command line
(exit 2, nothing written) before anything runs."""

from __future__ import annotations

import contextlib
import io
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from recogsim import cli
from recogsim.config import loading
from recogsim.errors import InputError

DATA = Path(__file__).resolve().parents[1] / "data"
TINY, UNCERTAIN = DATA / "tiny.yaml", DATA / "tiny_uncertain.yaml"


def scenario(folder: Path, entries: list[dict], extends: Path = TINY, name: str = "joint") -> Path:
    f = folder / f"{name}.yaml"
    f.write_text(yaml.safe_dump({"extends": str(extends), "name": name, "uncertain": entries}, sort_keys=False))
    return f


def block(file: str = "post.parquet", **more) -> dict:
    return {"from": file, **more, "reason": "a test posterior"}


def parquet(path: Path, columns: dict) -> Path:
    pd.DataFrame(columns).to_parquet(path)
    return path


@pytest.fixture
def cli_error(run_cli):
    """Run the CLI in this process; the status and its one line on stderr."""

    def call(argv: list) -> tuple[int, str]:
        rc, err = run_cli(argv)
        lines = err.strip("\n").splitlines()
        assert len(lines) == 1 and "Traceback" not in err, err
        return rc, lines[0]

    return call


def grid_experiment(folder: Path, scenario: str, path: str, values: list) -> Path:
    """A two-replication grid experiment over one path, written to ``folder/exp.yaml``."""
    exp = folder / "exp.yaml"
    design = {"kind": "grid"}
    body = {"name": "e", "scenario": scenario, "replications": 2, "design": design}
    exp.write_text(yaml.safe_dump({**body, "parameters": [{"path": path, "values": values}]}))
    return exp


GOOD = {"rules.thresholds.de_jure": [8.0, 9.0, 10.0], "rules.w_economic": [0.2, 0.5, 0.9]}


def test_a_valid_block_loads_validates_and_shows_its_file_resolved_from_the_scenario(tmp_path):
    parquet(tmp_path / "post.parquet", GOOD)
    f = scenario(tmp_path, [block()])
    s = loading.load(f)
    assert s.uncertain[0].from_ == str(tmp_path / "post.parquet")  # absolute: the same from any folder
    assert s.canonical()["uncertain"] == [
        {"from": str(tmp_path / "post.parquet"), "weight": None, "reason": "a test posterior"}
    ]
    assert loading.validate(s.canonical()).digest() == s.digest()  # a manifest's scenario loads again
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert cli.main(["validate", str(f)]) == 0
        assert cli.main(["show", str(f)]) == 0
    shown = yaml.safe_load(out.getvalue().split("\n", 1)[1])
    assert shown["uncertain"][0]["from"] == str(tmp_path / "post.parquet")


def test_the_file_is_found_beside_the_scenario_that_names_it_even_when_inherited(tmp_path, monkeypatch, cli_error):
    (tmp_path / "parent" / "draws").mkdir(parents=True)
    (tmp_path / "child").mkdir()
    parquet(tmp_path / "parent" / "draws" / "post.parquet", GOOD)
    parent = scenario(tmp_path / "parent", [block("draws/post.parquet")], name="parent")
    child = tmp_path / "child" / "child.yaml"
    child.write_text(yaml.safe_dump({"extends": "../parent/parent.yaml", "name": "child"}))
    monkeypatch.chdir(tmp_path / "child")  # neither the working folder nor the child's folder holds it
    assert loading.load("child.yaml").uncertain[0].from_ == str(tmp_path / "parent" / "draws" / "post.parquet")
    assert loading.load(parent).digest() != loading.load("child.yaml").digest()  # names differ, files do not
    err = cli_error(["validate", str(scenario(tmp_path / "child", [block("draws/post.parquet")], name="c2"))])[1]
    assert "c2.yaml: uncertain[0].from: expected a Parquet file" in err and "not found" in err


def _bad_cases(tmp: Path) -> list[tuple[str, list[dict], str, str]]:
    """(id, uncertain entries, key path, words) for each problem; files are built in ``tmp``."""
    (tmp / "text.parquet").write_text("replication,value\n0,1\n")
    (tmp / "folder.parquet").mkdir()
    parquet(tmp / "good.parquet", GOOD)
    parquet(tmp / "weights.parquet", {**GOOD, "w": [1.0, -0.5, 2.0]})
    parquet(tmp / "infweights.parquet", {**GOOD, "w": [1.0, np.inf, 2.0]})
    parquet(tmp / "zeroweights.parquet", {**GOOD, "w": [0, 0, 0]})
    parquet(tmp / "textweights.parquet", {**GOOD, "w": ["a", "b", "c"]})
    parquet(tmp / "nopath.parquet", {**GOOD, "rules.nothing": [1.0, 2.0, 3.0]})
    parquet(tmp / "fixed.parquet", {"militants[name=ISK].strength": [0.1, 0.2, 0.3]})
    parquet(tmp / "record.parquet", {"rules.thresholds": [0.1, 0.2, 0.3]})
    parquet(tmp / "outside.parquet", {"rules.rate_up": [0.1, 1.5, 0.2]})
    parquet(tmp / "crossing.parquet", {"rules.thresholds.de_facto": [4.0, 9.0], "rules.thresholds.de_jure": [8.0, 8.5]})
    parquet(tmp / "horizon.parquet", {"horizon_months": [12, 4]})  # tiny schedules an event at month 6
    parquet(tmp / "strings.parquet", {"rules.w_economic": ["low", "high"]})
    parquet(tmp / "missing.parquet", {"rules.w_economic": [0.5, None]})
    parquet(tmp / "empty.parquet", {"rules.w_economic": pd.Series([], dtype=float)})
    parquet(tmp / "onlyweight.parquet", {"w": [1.0]})
    parquet(tmp / "overlap.parquet", {"rules.w_economic": [0.2], "rules.thresholds.de_facto": [5.0]})
    parquet(tmp / "neighbours.parquet", {"states[name=China].economic_interest": [0.5]})
    parquet(tmp / "low_jure.parquet", {"rules.thresholds.de_jure": [8.0, 9.0]})
    pd.DataFrame({"rules.w_economic": [0.1, 0.2]}).to_parquet(tmp / "twice.parquet")
    return [
        ("missing file", [block("nowhere.parquet")], "uncertain[0].from", "expected a Parquet file, got"),
        ("a folder", [block("folder.parquet")], "uncertain[0].from", "folder.parquet': not a regular file"),
        ("a device", [block("/dev/zero")], "uncertain[0].from", "'/dev/zero': not a regular file"),
        ("not parquet", [block("text.parquet")], "uncertain[0].from", "text.parquet without Parquet's PAR1"),
        ("no weight column", [block("good.parquet", weight="w")], "uncertain[0].weight", "expected a column 'w'"),
        ("negative weight", [block("weights.parquet", weight="w")], "uncertain[0].weight", "got -0.5 in row 1"),
        ("inf weight", [block("infweights.parquet", weight="w")], "uncertain[0].weight", "got inf in row 1"),
        ("zero weights", [block("zeroweights.parquet", weight="w")], "uncertain[0].weight", "got all 0"),
        ("text weights", [block("textweights.parquet", weight="w")], "uncertain[0].weight", "expected numbers"),
        (
            "not a path",
            [block("nopath.parquet")],
            "uncertain[0].from",
            "nopath.parquet to be a parameter path, got 'rules.nothing'",
        ),
        ("initial state", [block("fixed.parquet")], "uncertain[0].from", "initial state or identity"),
        ("a record", [block("record.parquet")], "uncertain[0].from", "not a whole record"),
        ("out of bounds", [block("outside.parquet")], "uncertain[0].from", "row 1 of outside.parquet cannot be"),
        ("crossing", [block("crossing.parquet")], "uncertain[0].from", "must not decrease up the ladder"),
        ("event dropped", [block("horizon.parquet")], "uncertain[0].from", "events[0].month: must be within"),
        ("strings", [block("strings.parquet")], "uncertain[0].from", "expected numbers in column"),
        ("null value", [block("missing.parquet")], "uncertain[0].from", "got a missing value in row 1"),
        ("no rows", [block("empty.parquet")], "uncertain[0].from", "got an empty table"),
        ("only weights", [block("onlyweight.parquet", weight="w")], "uncertain[0].from", "at least one parameter"),
        ("no reason", [{"from": "good.parquet"}], "uncertain[0].reason", "required key is missing"),
        ("typo", [block("good.parquet", wieght="w")], "uncertain[0].wieght", "expected one of from, reason, weight"),
        ("empty name", [block("")], "uncertain[0].from", "at least 1 character"),
        (
            "per-path and block",
            [
                {
                    "path": "rules.thresholds.de_facto",
                    "distribution": {"kind": "uniform", "min": 4, "max": 5},
                    "reason": "x",
                },
                block("overlap.parquet"),
            ],
            "uncertain[1].from",
            "column 'rules.thresholds.de_facto' of overlap.parquet reaches rules.thresholds.de_facto, which "
            "uncertain[0] already draws",
        ),
        (
            "block and per-path",
            [
                block("overlap.parquet"),
                {
                    "path": "rules.thresholds.de_facto",
                    "distribution": {"kind": "uniform", "min": 4, "max": 5},
                    "reason": "x",
                },
            ],
            "uncertain[1].path",
            "reaches rules.thresholds.de_facto, which uncertain[0] (column 'rules.thresholds.de_facto' of overlap",
        ),
        (
            "two blocks",
            [block("good.parquet"), block("overlap.parquet")],
            "uncertain[1].from",
            "column 'rules.w_economic' of overlap.parquet reaches rules.w_economic, which uncertain[0] (column",
        ),
        (
            "selector over a block's state",
            [
                block("neighbours.parquet"),
                {
                    "path": "states[bloc=neighbour].economic_interest",
                    "distribution": {"kind": "uniform", "min": 0.1, "max": 0.9},
                    "reason": "x",
                },
            ],
            "uncertain[1].path",
            "reaches states[1].economic_interest, which uncertain[0]",
        ),
        (
            "with a per-path range",
            [
                {
                    "path": "rules.thresholds.de_facto",
                    "distribution": {"kind": "uniform", "min": 4.0, "max": 8.5},
                    "reason": "x",
                },
                block("low_jure.parquet"),
            ],
            "uncertain[1].from",
            "uncertain[0] and uncertain[1] can be drawn together into an invalid scenario",
        ),
        ("twice the same", [block("twice.parquet"), block("twice.parquet")], "uncertain[1].from", "already draws"),
    ]


def test_every_problem_is_a_one_line_error_naming_file_and_key_before_anything_runs(tmp_path, cli_error):
    for name, entries, loc, words in _bad_cases(tmp_path):
        f = scenario(tmp_path, entries)
        with pytest.raises(InputError) as info:
            loading.load(f)
        assert (info.value.file, info.value.path) == (str(f), loc), (name, str(info.value))
        assert words in info.value.message, (name, str(info.value))
        rc, line = cli_error(["run", f, "-n", 2, "--out", tmp_path / "out", "--no-plots"])
        assert rc == 2 and line == f"recogsim: error: {info.value}", name
        assert not (tmp_path / "out").exists(), name  # nothing written
        rc, line = cli_error(["validate", f])
        assert rc == 2 and loc in line, name


def test_errors_name_the_parquet_file(tmp_path):
    parquet(tmp_path / "post.parquet", {"rules.rate_up": [0.1, 1.5]})
    with pytest.raises(InputError) as info:
        loading.load(scenario(tmp_path, [block()]))
    assert "row 1 of post.parquet cannot be drawn ({'rules.rate_up': 1.5})" in info.value.message
    assert "rules.rate_up must be between 0 and 1" in info.value.message


def test_rows_that_cannot_be_drawn_are_not_checked(tmp_path):
    """A row of weight 0 is never drawn, so its values need not make a valid scenario."""
    parquet(tmp_path / "post.parquet", {"rules.rate_up": [0.1, 1.5, 0.3], "w": [1.0, 0.0, 2.0]})
    assert loading.load(scenario(tmp_path, [block(weight="w")])).uncertain[0].weight == "w"


def test_a_pandas_index_is_no_column(tmp_path):
    pd.DataFrame(GOOD, index=[10, 11, 12]).to_parquet(tmp_path / "post.parquet")  # stores __index_level_0__
    from recogsim.config import joint

    assert joint.read(tmp_path / "post.parquet", None).columns == tuple(GOOD)


@pytest.mark.parametrize(
    "path, words",
    [
        ("rules.w_economic", "which the scenario draws per replication (uncertain[0], column 'rules.w_economic'"),
        ("rules.thresholds.de_jure", "uncertain[0], column 'rules.thresholds.de_jure' of post.parquet"),
    ],
)
def test_a_sweep_may_not_vary_a_column_the_scenario_draws(tmp_path, path, words, cli_error):
    parquet(tmp_path / "post.parquet", GOOD)
    s = scenario(tmp_path, [block()])
    exp = grid_experiment(tmp_path, s.name, path, [8.6, 8.9])
    rc, line = cli_error(["sweep", exp, "--out", tmp_path / "out"])
    assert rc == 2 and f"{exp}: parameters[0].path:" in line and words in line
    assert not (tmp_path / "out").exists()


def test_a_sweep_value_that_cannot_go_with_a_drawn_row_is_refused_up_front(tmp_path, cli_error):
    parquet(tmp_path / "post.parquet", {"rules.thresholds.de_jure": [8.2, 9.0, 10.0]})
    s = scenario(tmp_path, [block()])
    exp = grid_experiment(tmp_path, s.name, "rules.thresholds.de_facto", [4.0, 8.5])
    rc, line = cli_error(["sweep", exp, "--out", tmp_path / "out"])
    assert rc == 2 and "parameters[0].values: 8.5 is outside the bounds of rules.thresholds.de_facto" in line
    assert "with row 0 of post.parquet (uncertain[0])" in line and "must not decrease" in line


def test_a_drawn_column_is_refused_as_drawn_even_when_its_values_clash_with_the_rows(tmp_path, cli_error):
    """The shipped baseline draws the de facto threshold from a file (the ABC posterior) whose rows
    hold de jure thresholds below 7.0: a sweep of de facto over 6.0 and 7.0 is refused for varying a
    drawn path (the cause), not for clashing with a row (a symptom)."""
    baseline = Path(__file__).resolve().parents[2] / "scenarios" / "baseline.yaml"
    exp = grid_experiment(tmp_path, str(baseline), "rules.thresholds.de_facto", [6.0, 7.0])
    rc, line = cli_error(["sweep", exp, "--out", tmp_path / "out"])
    assert rc == 2 and "parameters[0].path:" in line and "draws per replication" in line
    assert "column 'rules.thresholds.de_facto' of posterior.parquet" in line
    assert not (tmp_path / "out").exists()
