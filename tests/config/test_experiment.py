"""Experiment files: every way one can be wrong is a one-line error before anything runs."""

from pathlib import Path

import pytest
import yaml

from recogsim import load_experiment
from recogsim.cli import main
from recogsim.config import experiment as ex
from recogsim.errors import InputError

TINY = str(Path(__file__).resolve().parents[1] / "data" / "tiny.yaml")
SHIPPED = sorted(Path(__file__).resolve().parents[2].joinpath("experiments").glob("*.yaml"))


def base(**changes):
    d = {
        "name": "t",
        "scenario": TINY,
        "replications": 2,
        "seed": 1,
        "design": {"kind": "grid"},
        "parameters": [{"path": "taliban.crackdown", "values": [0.1, 0.5]}],
    }
    d.update(changes)
    return d


def error_for(tmp_path, data) -> InputError:
    f = tmp_path / "exp.yaml"
    f.write_text(yaml.safe_dump(data, sort_keys=False))
    with pytest.raises(InputError) as info:
        load_experiment(f)
    err = info.value
    assert "\n" not in str(err)
    assert err.file, "the message names a file"
    return err


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_shipped_experiments_validate(path):
    loaded = load_experiment(path)
    assert loaded.experiment.question
    assert loaded.experiment.replications >= 1


@pytest.mark.parametrize(
    "changes, loc, words",
    [
        ({"parameters": [{"path": "taliban.crakdown", "values": [0.1]}]}, "parameters[0].path", "matches nothing"),
        (
            {"parameters": [{"path": "states[name=Narnia].migration_concern", "values": [0.1]}]},
            "parameters[0].path",
            "matches nothing",
        ),
        (
            {"parameters": [{"path": "taliban.crackdown", "values": [0.1, 1.5]}]},
            "parameters[0].values",
            "1.5 is outside the bounds of taliban.crackdown: must be between 0 and 1",
        ),
        (
            {
                "design": {"kind": "lhs", "samples": 4},
                "parameters": [{"path": "taliban.crackdown", "range": [0.5, 1.2]}],
            },
            "parameters[0].range",
            "outside the bounds",
        ),
        (
            {"parameters": [{"path": "states[name=China].level", "values": ["de_jure"]}]},
            "parameters[0].path",
            "cannot be varied",
        ),
        ({"parameters": [{"path": "states[name=China]", "values": [1]}]}, "parameters[0].path", "single parameter"),
        (
            {"parameters": [{"path": "taliban.crackdown", "range": [0.1, 0.5]}]},
            "parameters[0]",
            "a grid needs values, or range with steps",
        ),
        (
            {
                "design": {"kind": "sobol", "samples": 10},
                "parameters": [
                    {"path": "taliban.crackdown", "range": [0, 1]},
                    {"path": "taliban.lobbying", "range": [0, 1]},
                ],
            },
            "design.samples",
            "power of 2",
        ),
        (
            {
                "design": {"kind": "sobol", "samples": 8},
                "parameters": [
                    {"path": "taliban.crackdown", "values": [0.1]},
                    {"path": "taliban.lobbying", "range": [0, 1]},
                ],
            },
            "parameters[0].values",
            "samples a range or distribution",
        ),
        (
            {"design": {"kind": "sobol", "samples": 8}, "parameters": [{"path": "taliban.crackdown", "range": [0, 1]}]},
            "parameters",
            "at least 2 parameters",
        ),
        (
            {"design": {"kind": "morris"}, "parameters": [{"path": "taliban.crackdown", "range": [0, 1]}]},
            "design.trajectories",
            "needs trajectories",
        ),
        (
            {
                "design": {"kind": "morris", "trajectories": 4, "levels": 3},
                "parameters": [{"path": "taliban.crackdown", "range": [0, 1]}],
            },
            "design.levels",
            "even",
        ),
        (
            {
                "design": {"kind": "morris", "trajectories": 4},
                "parameters": [
                    {
                        "path": "taliban.crackdown",
                        "distribution": {"kind": "triangular", "min": 0, "max": 1, "mode": 0.3},
                    }
                ],
            },
            "parameters[0].distribution",
            "uniform ranges",
        ),
        (
            {"design": {"kind": "lhs"}, "parameters": [{"path": "taliban.crackdown", "range": [0, 1]}]},
            "design.samples",
            "needs samples",
        ),
        ({"design": {"kind": "grid", "samples": 5}}, "design.samples", "does not apply"),
        ({"design": {"kind": "factorial"}}, "design.kind", "must be one of"),
        (
            {"parameters": [{"path": "taliban.crackdown", "values": [0.1], "range": [0, 1]}]},
            "parameters[0]",
            "exactly one of values, range or distribution",
        ),
        (
            {"parameters": [{"path": "taliban.crackdown", "range": [0.9, 0.1], "steps": 3}]},
            "parameters[0]",
            "low < high",
        ),
        (
            {"parameters": [{"path": "taliban.crackdown", "distribution": {"kind": "triangular", "min": 0, "max": 1}}]},
            "parameters[0].distribution",
            "mode",
        ),
        (
            {
                "parameters": [
                    {"path": "taliban.crackdown", "values": [0.1]},
                    {"path": "taliban.crackdown", "values": [0.2]},
                ]
            },
            "parameters[1].path",
            "'taliban.crackdown' is also the path of parameters[0]",
        ),
        (
            {
                "parameters": [
                    {"path": "states[bloc=neighbour].economic_interest", "values": [0.1]},
                    {"path": "states[name=Pakistan].economic_interest", "values": [0.2]},
                ]
            },
            "parameters[1].path",
            "reaches states[0].economic_interest, which parameters[0] already varies",
        ),
        ({"outcomes": ["de_jure_count", "happiness"]}, "outcomes[1]", "unknown outcome 'happiness'"),
        ({"replications": 0}, "replications", "greater than or equal to 1"),
        ({"replications": True}, "replications", "whole number"),
        ({"parameter": []}, "parameter", "unknown key"),
        ({"scenario": "nosuch.yaml"}, "scenario", "not found"),
    ],
)
def test_bad_experiments_are_one_line_errors(tmp_path, changes, loc, words):
    err = error_for(tmp_path, base(**changes))
    assert err.path == loc, str(err)
    assert words in err.message, str(err)


def test_an_error_in_the_scenario_is_reported_as_such(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\nstart: '2023-04'\nstates: [{name: A, bloc: westen}]\n")
    err = error_for(tmp_path, base(scenario=str(bad)))
    assert err.file == str(bad) and err.path == "states[0].bloc"


def test_event_fields_and_selectors_can_be_parameters(tmp_path):
    f = tmp_path / "exp.yaml"
    f.write_text(
        yaml.safe_dump(
            base(
                parameters=[
                    {"path": "events[kind=set].month", "values": [2, 8]},
                    {"path": "states[bloc=neighbour].economic_interest", "values": [0.2, 0.9]},
                ]
            )
        )
    )
    loaded = ex.load(f)
    s = ex.point_scenario(
        loaded.scenario,
        loaded.experiment,
        {"events[kind=set].month": 8.0, "states[bloc=neighbour].economic_interest": 0.9},
    )
    assert s.events[0].month == 8 and isinstance(s.events[0].month, int)
    assert {st.economic_interest for st in s.states if st.bloc == "neighbour"} == {0.9}


def test_cli_sweep_reports_a_bad_experiment_in_one_line(tmp_path, capsys):
    f = tmp_path / "exp.yaml"
    f.write_text(yaml.safe_dump(base(parameters=[{"path": "taliban.crackdown", "values": [2]}])))
    assert main(["sweep", str(f), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "parameters[0].values" in err and "Traceback" not in err
    assert not (tmp_path / "out").exists()  # nothing ran, nothing written


def test_a_set_event_value_out_of_its_targets_bounds_is_refused_before_anything_runs(tmp_path):
    err = error_for(tmp_path, base(parameters=[{"path": "events[kind=set].value", "values": [0.5, 1.5]}]))
    assert err.path == "parameters[0].values" and "1.5 cannot be used for events[kind=set].value" in err.message
    assert "taliban.crackdown" in err.message


def test_input_errors_survive_the_trip_from_a_worker_process():
    import pickle

    from recogsim.config.experiment import ExperimentError

    err = pickle.loads(pickle.dumps(ExperimentError("f.yaml", "parameters[0]", "bad")))
    assert isinstance(err, ExperimentError) and str(err) == "f.yaml: parameters[0]: bad"


# ---------------------------------------------------------------- checked whole, before the first run
COMBINATION = {  # each value valid alone; horizon 8 with the event at month 10 is not
    "parameters": [
        {"path": "horizon_months", "values": [8, 12]},
        {"path": "events[kind=set].month", "values": [3, 10]},
    ]
}
CROSSING = {  # the ladder's thresholds must not decrease: de facto 9 above de jure 8 does
    "parameters": [
        {"path": "rules.thresholds.de_facto", "values": [5.0, 9.0]},
        {"path": "rules.thresholds.de_jure", "values": [8.0, 12.0]},
    ]
}
SAMPLED = {  # an lhs over a horizon and an event month: some point puts the event beyond the horizon
    "design": {"kind": "lhs", "samples": 40},
    "parameters": [
        {"path": "horizon_months", "range": [6, 12]},
        {"path": "events[kind=set].month", "range": [1, 12]},
    ],
}
BAD = {  # every bad input below: one line naming the file and key, exit 2, nothing written
    "combination": (COMBINATION, "parameters", "design point 1 (horizon_months=8, events[kind=set].month=10)"),
    "crossing": (CROSSING, "parameters", "must not decrease up the ladder"),
    "sampled": (SAMPLED, "parameters", "must be within the horizon"),
    "horizon_alone": (
        {"parameters": [{"path": "horizon_months", "values": [4, 12]}]},
        "parameters[0].values",
        "4 cannot be used for horizon_months: events[0].month: must be within the horizon (0..4), got 6",
    ),
    "no_outcomes": ({"outcomes": []}, "outcomes", "expected at least one run outcome"),
    "duplicate_outcome": (
        {"outcomes": ["de_jure_count", "months", "de_jure_count"]},
        "outcomes[2]",
        "duplicate outcome 'de_jure_count' (first at outcomes[0])",
    ),
    "spaced_path": (
        {
            "parameters": [
                {"path": "taliban.crackdown", "values": [0.1]},
                {"path": "taliban . crackdown ", "values": [0.2]},
            ]
        },
        "parameters[1].path",
        "'taliban.crackdown' is also the path of parameters[0] (spaces around",
    ),
    "overlapping_selectors": (
        {
            "parameters": [
                {"path": "states[name=Pakistan].economic_interest", "values": [0.1]},
                {"path": "states[bloc = neighbour].economic_interest", "values": [0.2]},
            ]
        },
        "parameters[1].path",
        "reaches states[0].economic_interest, which parameters[0] already varies",
    ),
    "matrix_too_large": (
        {"design": {"kind": "lhs", "samples": 10**8}, "parameters": [{"path": "taliban.crackdown", "range": [0, 1]}]},
        "design",
        "expected a design of at most 10,000,000 values (points x parameters), got 100,000,000 points",
    ),
    "grid_too_large": (
        {
            "parameters": [
                {"path": "taliban.crackdown", "range": [0, 1], "steps": 10**6},
                {"path": "taliban.lobbying", "range": [0, 1], "steps": 10**6},
            ]
        },
        "design",
        "got 1,000,000,000,000 points x 2 parameters",
    ),
    "too_many_runs": (
        {"replications": 10**9},
        "replications",
        "expected at most 1,000,000,000 runs (points x replications), got 2 points x 1,000,000,000 replications",
    ),
}


@pytest.mark.parametrize("name", BAD)
def test_an_experiment_is_checked_whole_before_anything_runs(tmp_path, name):
    changes, loc, words = BAD[name]
    err = error_for(tmp_path, base(**changes))
    assert err.path == loc, str(err)
    assert words in err.message, str(err)


@pytest.mark.parametrize("name", BAD)
def test_sweep_and_validate_report_a_bad_experiment_in_the_same_line(tmp_path, run_cli, name):
    changes, loc, words = BAD[name]
    f = tmp_path / "exp.yaml"
    f.write_text(yaml.safe_dump(base(**changes), sort_keys=False))
    rc, err = run_cli(["sweep", f, "--out", tmp_path / "out"])
    assert rc == 2 and err.count("\n") == 1 and "Traceback" not in err, err
    assert err.startswith(f"recogsim: error: {f}: {loc}: ") and words in err, err
    assert not (tmp_path / "out").exists()  # nothing ran, nothing written
    assert run_cli(["validate", f]) == (2, err)


def test_a_path_is_spelled_one_way(tmp_path):
    f = tmp_path / "exp.yaml"
    spaced = [{"path": " states [ name = Pakistan ] . economic_interest ", "values": [0.1, 0.2]}]
    f.write_text(yaml.safe_dump(base(parameters=spaced)))
    loaded = load_experiment(f)
    assert [p.path for p in loaded.experiment.parameters] == ["states[name=Pakistan].economic_interest"]
    # a key that holds spaces keeps them
    assert ex.Parameter(path="states[0].exposure. Jamaat Ansarullah", values=[0.1]).path == (
        "states[0].exposure.Jamaat Ansarullah"
    )


def test_a_design_over_bounded_numbers_is_not_checked_point_by_point(tmp_path, monkeypatch):
    """Bounded numbers are valid or not alone, so their bounds are checked and no point is built:
    a 10^5-point design starts in seconds."""
    import time

    def refuse(*args):
        raise AssertionError("a design over bounded numbers was checked point by point")

    monkeypatch.setattr(ex, "_check_points", refuse)
    f = tmp_path / "exp.yaml"
    params = [
        {"path": "taliban.crackdown", "range": [0, 1]},
        {"path": "states[bloc=neighbour].economic_interest", "range": [0, 1]},
        {"path": "states[name=Pakistan].exposure.ISK", "range": [0, 1]},
        {"path": "events[kind=set].value", "range": [0, 1]},  # sets taliban.crackdown, a bounded number
    ]
    f.write_text(yaml.safe_dump(base(design={"kind": "lhs", "samples": 100_000}, parameters=params)))
    started = time.perf_counter()
    loaded = load_experiment(f)
    assert loaded.design_matrix().shape == (100_000, 4)
    assert time.perf_counter() - started < 30


def test_a_design_over_coupled_fields_checks_each_combination_once(tmp_path, monkeypatch):
    checked = []
    real = ex.validate

    def validate(data, *args, **kwargs):
        checked.append(data["horizon_months"])
        return real(data, *args, **kwargs)

    monkeypatch.setattr(ex, "validate", validate)
    f = tmp_path / "exp.yaml"
    params = [
        {"path": "horizon_months", "values": [12, 24, 36]},
        {"path": "taliban.crackdown", "range": [0, 1], "steps": 50},
    ]
    f.write_text(yaml.safe_dump(base(parameters=params)))
    load_experiment(f)
    assert sorted(checked) == [12, 24, 36]  # 150 points, 3 distinct horizons: 3 scenarios built


def test_a_long_list_of_a_bounded_numbers_values_is_checked_by_its_ends(tmp_path, monkeypatch):
    """Values of a number whose validity is its bounds alone form an interval: the smallest and
    the largest decide (a thousand-value grid validated a thousand scenarios, 16 ms each); a value
    outside, or one that is no number, is still named."""
    values = [round(0.001 * k, 3) for k in range(1000)]
    built = []
    real = ex.check_references
    monkeypatch.setattr(ex, "check_references", lambda *a, **k: built.append(1) or real(*a, **k))
    good = tmp_path / "good.yaml"
    good.write_text(yaml.safe_dump(base(parameters=[{"path": "taliban.crackdown", "values": values}])))
    load_experiment(good)
    assert len(built) <= 4  # the two ends, not every value
    for bad, shown in ((1.5, "1.5 is outside the bounds"), (float("nan"), "nan is outside the bounds")):
        data = base(parameters=[{"path": "taliban.crackdown", "values": [*values[:500], bad, *values[500:]]}])
        err = error_for(tmp_path, data)
        assert err.path == "parameters[0].values" and shown in err.message, err


def test_a_whole_number_too_large_for_a_float_is_one_line(tmp_path):
    """YAML reads 400 digits as an int: it failed deep in the checks (OverflowError)."""
    err = error_for(tmp_path, base(parameters=[{"path": "taliban.crackdown", "values": [0.1, 10**400]}]))
    assert err.path == "parameters[0].values" and "a whole number of 401 digits" in err.message
