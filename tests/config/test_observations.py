"""Observation files: the shipped record validates, every fact has a source, and bad records get
one line naming the file, the key path, what was expected and what was found."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from recogsim import load_scenario
from recogsim.config.observations import UNBOUNDED, ObservationError, load_observations
from recogsim.runs import facts

ROOT = Path(__file__).resolve().parents[2]
RECORD = ROOT / "observations" / "record_2021-08_2023-04.yaml"
GOOD = {"state": "Pakistan", "reached": "hosts_diplomats", "month": "2021-10", "source": "a report"}


def _write(tmp_path: Path, facts_: list, **top) -> Path:
    f = tmp_path / "record.yaml"
    data = {"name": "r", "start": "2021-08", "end": "2023-04", "facts": facts_} | top
    f.write_text(yaml.safe_dump(data, sort_keys=False))
    return f


def test_the_shipped_record_validates_with_a_source_per_fact_and_nothing_after_april_2023(run_cli):
    record = load_observations(RECORD)
    assert record.end == "2023-04" and len(record.facts) >= 40
    assert all(f.source.strip() for f in record.facts)
    rc, err = run_cli(["validate", RECORD])
    assert rc == 0, err
    bound = facts.bind(record, load_scenario(ROOT / "calibration" / "prior.yaml"), str(RECORD))
    assert not bound.out_of_range  # every fact speaks to from_2021's twenty months


@pytest.mark.parametrize(
    ("fact", "loc", "words"),
    [
        ({**GOOD, "by": "2022-01"}, "facts[0]", "exactly one of month, between, by, not_by, got month, by"),
        ({k: v for k, v in GOOD.items() if k != "month"}, "facts[0]", "got none"),
        ({**GOOD, "month": None, "between": ["2022-05", "2022-01"]}, "facts[0]", "between must run forwards"),
        ({**GOOD, "month": "2021-13"}, "facts[0].month", "must be a month written YYYY-MM"),
        ({**GOOD, "source": ""}, "facts[0].source", "at least 1 character"),
        ({**GOOD, "reached": "recognised"}, "facts[0].reached", "must be one of"),
        ({**GOOD, "colour": "red"}, "facts[0].colour", "a state fact takes"),
        (
            {"mission": "Tehran embassy", "event": "seized", "month": "2023-02", "source": "s"},
            "facts[0].event",
            "one of",
        ),
        ({"count": "missions_taliban", "month": "2023-04", "source": "s"}, "facts[0]", "either value or min/max"),
        ({"count": "missions_taliban", "month": "2023-04", "min": 5, "max": 2, "source": "s"}, "facts[0]", "min must"),
        ({**GOOD, "month": "2023-05"}, "facts[0]", "outside the record's window"),
        (
            {"count": "missions_taliban", "month": "2023-04", "value": float("nan"), "source": "s"},
            "facts[0].value",
            "expected a finite number, got nan",
        ),
        (
            {"count": "legitimacy", "month": "2023-04", "max": float("inf"), "source": "s"},
            "facts[0].max",
            "expected a finite number, got inf",
        ),
    ],
)
def test_a_bad_fact_is_one_line_naming_its_key(tmp_path, fact, loc, words):
    f = _write(tmp_path, [{k: v for k, v in fact.items() if v is not None}])
    with pytest.raises(ObservationError) as info:
        load_observations(f)
    assert (info.value.file, info.value.path) == (str(f), loc), str(info.value)
    assert words in info.value.message and "\n" not in str(info.value)


def test_a_repeated_fact_and_a_window_that_runs_backwards_are_refused(tmp_path):
    with pytest.raises(ObservationError, match=r"repeats facts\[0\]"):
        load_observations(_write(tmp_path, [GOOD, GOOD]))
    with pytest.raises(ObservationError, match="end must not precede start"):
        load_observations(_write(tmp_path, [GOOD], end="2021-01"))


def test_dates_become_intervals_in_a_scenarios_months():
    f = load_observations(RECORD)
    by_kind = {}
    for fact in f.facts:
        for key in ("month", "between", "by", "not_by"):
            if getattr(fact, key, None) is not None:
                by_kind.setdefault(key, fact)
    start = "2021-08"
    assert by_kind["month"].interval(start)[0] == by_kind["month"].interval(start)[1]
    assert by_kind["by"].interval(start)[0] == -UNBOUNDED
    assert by_kind["not_by"].interval(start)[1] == UNBOUNDED


def test_binding_names_the_fact_that_does_not_fit_the_scenario(tmp_path):
    scenario = load_scenario(ROOT / "calibration" / "prior.yaml")
    cases = [
        ({**GOOD, "state": "Atlantis"}, "facts[0].state", "not a state of"),
        (
            {"mission": "Atlantis embassy", "event": "closed", "month": "2022-03", "source": "s"},
            "facts[0].mission",
            "post",
        ),
        ({"count": "posts", "month": "2023-04", "value": 3, "source": "s"}, "facts[0].count", "not a series column"),
    ]
    for fact, loc, words in cases:
        f = _write(tmp_path, [fact])
        with pytest.raises(ObservationError) as info:
            facts.bind(load_observations(f), scenario, str(f))
        assert info.value.path == loc and words in info.value.message, str(info.value)
    # a count that the dated facts contradict
    hosts = [{**GOOD, "state": s, "month": "2022-01"} for s in ("Pakistan", "Iran", "China")]
    f = _write(
        tmp_path, [*hosts, {"count": "countries_taliban_presence", "month": "2023-04", "value": 2, "source": "s"}]
    )
    with pytest.raises(ObservationError, match="contradicts the dated facts"):
        facts.bind(load_observations(f), scenario, str(f))
    # a record that ends before the scenario starts
    baseline = load_scenario(ROOT / "scenarios" / "baseline.yaml")
    with pytest.raises(ObservationError, match="not after the scenario's start"):
        facts.bind(load_observations(_write(tmp_path, [GOOD], end="2022-04")), baseline, "r.yaml")


@pytest.mark.parametrize(("key", "value"), [("value", -3), ("value", 14.5), ("min", -1), ("max", -2)])
def test_a_count_of_states_or_posts_is_a_whole_number_not_below_zero(tmp_path, run_cli, key, value):
    """Checked with the file alone (``validate``) and where a record is bound to a scenario; a
    column that is not a count (legitimacy, a share) takes any finite number."""
    fact = {"count": "countries_taliban_presence", "month": "2023-04", key: value, "source": "s"}
    f = _write(tmp_path, [fact])
    rc, err = run_cli(["validate", f])
    assert rc == 2 and "facts[0]." + key in err and "whole number of states, at least 0" in err, err
    with pytest.raises(ObservationError, match="whole number"):
        facts.bind(load_observations(f), load_scenario(ROOT / "calibration" / "prior.yaml"), str(f))
    fine = _write(tmp_path, [{**fact, "count": "legitimacy"}])
    assert run_cli(["validate", fine])[0] == 0
