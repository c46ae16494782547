"""The calibrator checked against records whose parameters are known (synthetic records)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
import yaml

from recogsim.config.loading import load
from recogsim.runs import calibrate as abc
from recogsim.runs import facts, synthetic

DATA = Path(__file__).resolve().parents[1] / "data"
SMALL = DATA / "sbc_small.yaml"
END = "2023-02"  # 18 months from August 2021
THRESHOLD, LOBBYING = "rules.thresholds.hosts_diplomats", "rules.w_lobbying"
TRUTH = {THRESHOLD: 3.0, LOBBYING: 1.0}
"""Mid-prior values, chosen before any run; the synthetic run's seed is 1, the calibration's 0."""


def _problem() -> abc.Problem:
    scenario = load(SMALL)
    return abc.Problem.of(scenario, facts.bind(synthetic.blank_record(scenario, END), scenario, "blank"), str(SMALL))


def _write_record(tmp_path: Path, seed: int = 1, edit=None) -> Path:
    _, record = synthetic.synthetic_run(_problem(), TRUTH, seed)
    data = synthetic.record_yaml(record)
    if edit is not None:
        edit(data)
    path = tmp_path / "record.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def test_synthetic_record_states_what_the_run_did() -> None:
    problem = _problem()
    view, record = synthetic.synthetic_run(problem, TRUTH, 1)
    scenario = problem.scenario
    hosts = [f for f in record.facts if getattr(f, "reached", None) == "hosts_diplomats"]
    assert [f.state for f in hosts] == [s.name for s in scenario.states if s.bloc != "un"]
    assert any(f.month is not None for f in hosts) and any(f.not_by == END for f in hosts)
    assert all(f.source.startswith("synthetic: sbc_small seed 1, parameters") for f in record.facts)
    bound = facts.bind(record, scenario, "synthetic")
    assert not bound.out_of_range
    assert all(facts.hits(bound, facts.fact_values(bound, view)).values())


def test_calibration_recovers_known_parameters(tmp_path: Path) -> None:
    """(a) each truth inside its 90% posterior interval; (b) the hosting threshold, which decides who
    hosts and how soon, narrowed to under half its prior; (c) lobbying, which acts only above
    hosting, left over 0.6 of it."""
    blank = _problem()
    _, record = synthetic.synthetic_run(blank, TRUTH, 1)
    problem = replace(blank, record=facts.bind(record, blank.scenario, "synthetic"))
    settings = abc.Settings(population=40, budget=1400, max_generations=10, seed=0, workers=1)
    posterior = abc.calibrate(problem, settings, tmp_path)
    table = abc.identification(problem, posterior).set_index("path")
    for path, truth in TRUTH.items():
        assert table.posterior_q05[path] <= truth <= table.posterior_q95[path], table
    assert table.width_ratio[THRESHOLD] < 0.5, table
    assert table.width_ratio[LOBBYING] > 0.6, table


def test_same_seed_same_posterior_for_one_or_two_workers(tmp_path: Path, run_cli) -> None:
    record = _write_record(tmp_path)
    files = []
    for workers in (1, 2):
        out = tmp_path / f"w{workers}"
        argv = ["calibrate", SMALL, "--observed", record, "--out", out, "--workers", workers, "--seed", 5]
        rc, err = run_cli(
            [*argv, "--population", 12, "--budget", 80, "--max-generations", 1, "--check-runs", 0, "--no-plots"]
        )
        assert rc == 0, err
        files.append((out / "posterior.parquet").read_bytes())
    assert files[0] == files[1]


def _no_uncertain(tmp_path: Path) -> Path:
    text = SMALL.read_text()
    path = tmp_path / "certain.yaml"
    path.write_text(text[: text.index("\nuncertain:")] + "\n")
    return path


@pytest.mark.parametrize(
    ("case", "expect"),
    [
        ("unknown state", "'Atlantis' is not a state of sbc_small"),
        ("record before start", "not after the scenario's start 2021-08"),
        ("nothing uncertain", "nothing to calibrate"),
        ("budget", "--budget: expected at least twice --population (200), got 150"),
        ("check runs", "--check-runs: 1,000,000,000,000 runs would need about"),  # not after the calibration
    ],
)
def test_calibrate_refuses_in_one_line(tmp_path: Path, run_cli, case: str, expect: str) -> None:
    def rename(data: dict) -> None:
        data["facts"][0]["state"] = "Atlantis"

    def early(data: dict) -> None:
        data.update(start="2021-05", end="2021-07")
        data["facts"] = [{"count": facts.PRESENCE, "month": "2021-07", "min": 0.0, "source": "test"}]

    scenario, record, extra = SMALL, _write_record(tmp_path), []
    if case == "unknown state":
        record = _write_record(tmp_path, edit=rename)
    elif case == "record before start":
        record = _write_record(tmp_path, edit=early)
    elif case == "nothing uncertain":
        scenario = _no_uncertain(tmp_path)
    elif case == "check runs":
        extra = ["--check-runs", 10**12]
    else:
        extra = ["--population", 100, "--budget", 150]
    out = tmp_path / "out"
    rc, err = run_cli(["calibrate", scenario, "--observed", record, "--out", out, "--check-runs", 0, *extra])
    assert rc == 2, err
    assert expect in err and len(err.strip().splitlines()) == 1, err
    assert not out.exists()


def test_a_budget_spent_before_the_first_generation_fills_is_one_line(tmp_path: Path, run_cli) -> None:
    """Twice the population passes the flags' check, but the prior sample takes half of it and the
    first generation accepts only some of its candidates: no posterior, said in one line (it was
    a KeyError from pyabc's empty population)."""
    out = tmp_path / "out"
    argv = ["calibrate", SMALL, "--observed", _write_record(tmp_path), "--out", out, "--seed", 3]
    rc, err = run_cli([*argv, "--population", 6, "--budget", 12, "--check-runs", 0, "--no-plots", "--workers", 1])
    assert rc == 2 and "Traceback" not in err, err
    assert "--budget: expected enough simulations for a first generation of 6 particles" in err.strip().splitlines()[-1]
    assert not out.exists()
