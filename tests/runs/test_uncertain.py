"""Parameters no data identifies: each replication draws its own values (``uncertain:``), from its
own seed, the same at every design point, recorded in ``parameters.parquet``."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from recogsim import load_experiment, load_results, load_sweep, run_ensemble, run_ensemble_to, run_sweep
from recogsim.config import loading
from recogsim.errors import InputError

DATA = Path(__file__).resolve().parents[1] / "data"
UNCERTAIN = DATA / "tiny_uncertain.yaml"
PATHS = ["rules.thresholds.de_facto", "states[bloc=neighbour].economic_interest", "horizon_months"]


@pytest.fixture(scope="module")
def ensemble():
    return run_ensemble(loading.load(UNCERTAIN), 12, seed=5)


def test_each_replication_draws_its_own_values_within_the_prior(ensemble):
    p = ensemble.parameters
    assert list(p.columns) == ["replication", "draw", *PATHS] and list(p["replication"]) == list(range(12))
    assert p["rules.thresholds.de_facto"].between(4.0, 6.5).all()
    assert p["states[bloc=neighbour].economic_interest"].between(0.2, 1.0).all()
    assert p["horizon_months"].between(6, 12).all() and (p["horizon_months"] % 1 == 0).all()
    assert p[PATHS].nunique().min() >= 4  # draws differ between replications


def test_the_runs_use_the_values_they_drew(ensemble):
    # the drawn horizon is the number of months each run simulated, and the length of its series
    drawn = ensemble.parameters.set_index("replication")["horizon_months"]
    assert (ensemble.runs.set_index("replication")["months"] == drawn).all()
    assert (ensemble.series.groupby("replication")["month"].max() == drawn).all()


def test_draws_depend_on_root_seed_and_replication_only(ensemble, tmp_path):
    s = loading.load(UNCERTAIN)
    more = run_ensemble(s, 15, seed=5)  # the first 12 replications draw what they drew before
    pd.testing.assert_frame_equal(more.parameters.iloc[:12], ensemble.parameters)
    other = run_ensemble(s, 12, seed=6)
    assert not other.parameters[PATHS].equals(ensemble.parameters[PATHS])
    a = run_ensemble_to(s, 6, tmp_path / "one", seed=5, workers=1)
    b = run_ensemble_to(s, 6, tmp_path / "two", seed=5, workers=2, chunk_runs=2)
    for name in ("runs", "series", "states", "parameters"):
        assert (a / f"{name}.parquet").read_bytes() == (b / f"{name}.parquet").read_bytes(), name
    pd.testing.assert_frame_equal(load_results(a).parameters, more.parameters.iloc[:6])


def _experiment(tmp_path: Path, parameters: list[dict]) -> Path:
    exp = tmp_path / "exp.yaml"
    exp.write_text(
        yaml.safe_dump(
            {
                "name": "crn",
                "scenario": str(UNCERTAIN),
                "replications": 5,
                "seed": 3,
                "design": {"kind": "grid"},
                "parameters": parameters,
            }
        )
    )
    return exp


def test_every_design_point_sees_the_same_draws(tmp_path):
    exp = _experiment(tmp_path, [{"path": "taliban.lobbying", "values": [0.2, 0.9]}])
    r = load_sweep(run_sweep(load_experiment(exp), tmp_path / "out", workers=2))
    p = r.parameters
    assert list(p.columns) == ["point", "replication", "draw", *PATHS] and len(p) == 10
    at = {pt: g.set_index("replication")[PATHS] for pt, g in p.groupby("point")}
    pd.testing.assert_frame_equal(at[0], at[1])  # common random numbers across points
    assert not np.array_equal(r.runs.loc[r.runs.point == 0, "seed"], r.runs.loc[r.runs.point == 1, "seed"])


@pytest.mark.parametrize(
    "path, words",
    [
        ("rules.thresholds.de_facto", "which the scenario draws per replication (uncertain[0])"),
        ("states[name=China].economic_interest", "reaches states[1].economic_interest, which the scenario draws"),
    ],
)
def test_a_sweep_may_not_vary_what_the_scenario_draws(tmp_path, path, words):
    exp = _experiment(tmp_path, [{"path": path, "values": [0.5, 0.6] if "economic" in path else [4.5, 5.0]}])
    with pytest.raises(InputError) as info:
        load_experiment(exp)
    assert info.value.path == "parameters[0].path" and words in info.value.message


BAD = [
    (
        {"path": "taliban.nothing", "distribution": {"kind": "uniform", "min": 0, "max": 1}, "reason": "x"},
        "uncertain[0].path",
        "matches nothing",
    ),
    (
        {"path": "states[name=Pakistan].level", "distribution": {"kind": "uniform", "min": 0, "max": 1}, "reason": "x"},
        "uncertain[0].path",
        "initial state or identity",
    ),
    (
        {"path": "rules.rate_up", "distribution": {"kind": "uniform", "min": 0.1, "max": 1.5}, "reason": "x"},
        "uncertain[0].distribution",
        "1.5 cannot be drawn for rules.rate_up",
    ),
    (
        {"path": "rules.rate_up", "distribution": {"kind": "uniform", "min": 0.1, "max": 0.5}},
        "uncertain[0].reason",
        "required key is missing",
    ),
    (
        {"path": "rules.rate_up", "distribution": {"kind": "uniform", "min": 0.5, "max": 0.1}, "reason": "x"},
        "uncertain[0].distribution",
        "min must be below max",
    ),
    (
        {
            "path": "rules.rate_up",
            "distribution": {"kind": "uniform", "min": 0.1, "max": 0.5, "mode": 0.2},
            "reason": "x",
        },
        "uncertain[0].distribution",
        "mode does not apply to a uniform distribution",
    ),
    (
        {"path": "rules.rate_up", "distribution": {"kind": "normal", "min": 0.1, "max": 0.5}, "reason": "x"},
        "uncertain[0].distribution.kind",
        "must be one of",
    ),
]


@pytest.mark.parametrize("entry, loc, words", BAD, ids=[b[2][:24] for b in BAD])
def test_bad_uncertain_entries_are_one_line_errors(tmp_path, entry, loc, words):
    f = tmp_path / "s.yaml"
    f.write_text(yaml.safe_dump({"extends": str(DATA / "tiny.yaml"), "name": "bad", "uncertain": [entry]}))
    with pytest.raises(InputError) as info:
        loading.load(f)
    assert (info.value.file, info.value.path) == (str(f), loc), str(info.value)
    assert words in info.value.message and "\n" not in str(info.value)


def test_two_paths_reaching_one_field_or_crossing_each_other_are_refused(tmp_path):
    def load(entries):
        f = tmp_path / "s.yaml"
        f.write_text(yaml.safe_dump({"extends": str(DATA / "tiny.yaml"), "name": "bad", "uncertain": entries}))
        with pytest.raises(InputError) as info:
            loading.load(f)
        return info.value

    uniform = lambda lo, hi: {"kind": "uniform", "min": lo, "max": hi}  # noqa: E731
    err = load(
        [
            {"path": "states[bloc=neighbour].migration_concern", "distribution": uniform(0, 1), "reason": "x"},
            {"path": "states[name=China].migration_concern", "distribution": uniform(0, 1), "reason": "x"},
        ]
    )
    assert err.path == "uncertain[1].path" and "states[1].migration_concern, which uncertain[0] already draws" in str(
        err
    )
    err = load(
        [
            {"path": "rules.thresholds.de_facto", "distribution": uniform(4.0, 8.0), "reason": "x"},
            {"path": "rules.thresholds.de_jure", "distribution": uniform(7.5, 9.0), "reason": "x"},
        ]
    )
    assert err.path == "uncertain[1].distribution" and "must not decrease up the ladder" in str(err)
    assert "uncertain[0] and uncertain[1] can be drawn together into an invalid scenario" in str(err)


def test_draws_that_break_other_keys_are_refused_before_anything_runs(tmp_path):
    """A drawn horizon that would drop a scheduled event, or a drawn set-event value out of bounds."""
    uniform = lambda lo, hi: {"kind": "uniform", "min": lo, "max": hi}  # noqa: E731
    cases = [
        (
            [{"path": "horizon_months", "distribution": uniform(3, 12), "reason": "x"}],
            "uncertain[0].distribution",
            "events[0].month: must be within the horizon",
        ),
        (
            [{"path": "events[kind=set].value", "distribution": uniform(0.5, 1.5), "reason": "x"}],
            "uncertain[0].distribution",
            "taliban.crackdown must be between 0 and 1",
        ),
        (
            [
                {"path": "events[kind=set].month", "distribution": uniform(2, 10), "reason": "x"},
                {"path": "horizon_months", "distribution": uniform(8, 12), "reason": "x"},
            ],
            "uncertain[1].distribution",
            "can be drawn together",
        ),
    ]
    for entries, loc, words in cases:
        f = tmp_path / "s.yaml"
        f.write_text(yaml.safe_dump({"extends": str(DATA / "tiny.yaml"), "name": "bad", "uncertain": entries}))
        with pytest.raises(InputError) as info:
            loading.load(f)
        assert info.value.path == loc and words in info.value.message, str(info.value)


@pytest.mark.parametrize(
    "value, words",
    [(0, "greater than or equal to 1"), (True, "whole number"), (2.5, "whole number"), ("3", "whole number")],
)
def test_bad_runs_per_draw_is_a_one_line_error(tmp_path, value, words):
    f = tmp_path / "s.yaml"
    f.write_text(yaml.safe_dump({"extends": str(UNCERTAIN), "name": "bad", "runs_per_draw": value}))
    with pytest.raises(InputError) as info:
        loading.load(f)
    assert info.value.path == "runs_per_draw" and words in info.value.message and "\n" not in str(info.value)


def test_a_censored_month_other_than_first_recognition_gets_no_recognition_hint(tmp_path):
    from recogsim.analysis.sweeps import outcome_values

    exp = _experiment(tmp_path, [{"path": "taliban.lobbying", "values": [0.2, 0.9]}])
    r = load_sweep(run_sweep(load_experiment(exp), tmp_path / "out"))
    with pytest.raises(InputError) as info:
        outcome_values(r, "un_seat_month")
    assert "un_seat_month is censored at the horizon" in str(info.value) and "recognized" not in str(info.value)
