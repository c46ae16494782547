"""The calibration's summary statistics read a run the way the record reads history: zero for a run
that matches every fact, and each group grows with its own kind of miss."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import yaml

from recogsim import load_scenario
from recogsim.config.observations import load_observations
from recogsim.config.schema import LEVELS
from recogsim.runs import facts

ROOT = Path(__file__).resolve().parents[2]
HOSTS = LEVELS.index("hosts_diplomats")


@pytest.fixture(scope="module")
def scenario():
    return load_scenario(ROOT / "calibration" / "prior.yaml")


@pytest.fixture
def bound(tmp_path, scenario):
    record = {
        "name": "r",
        "start": "2021-08",
        "end": "2023-04",
        "facts": [
            {"state": "Pakistan", "reached": "hosts_diplomats", "month": "2021-10", "source": "s"},
            {"state": "Russia", "reached": "hosts_diplomats", "between": ["2022-02", "2022-03"], "source": "s"},
            {"state": "Tajikistan", "reached": "hosts_diplomats", "not_by": "2023-04", "source": "s"},
            {"mission": "Tehran embassy", "event": "handed_over", "month": "2023-02", "source": "s"},
            {"count": "countries_taliban_presence", "month": "2023-04", "value": 2, "source": "s"},
            {"count": "de_facto_count", "month": "2023-04", "value": 0, "source": "s"},
        ],
    }
    f = tmp_path / "r.yaml"
    f.write_text(yaml.safe_dump(record, sort_keys=False))
    return facts.bind(load_observations(f), scenario, str(f))


def _view(scenario, hosts: dict[str, int], tehran: int, de_facto_at_end: int = 0) -> facts.RunView:
    """A run made by hand: states hosting from the given months, Tehran taken at ``tehran``."""
    names = [s.name for s in scenario.states]
    first = np.full((len(names), len(LEVELS)), -1)
    presence = np.zeros(21)
    for state, month in hosts.items():
        first[names.index(state), HOSTS] = month
        presence[month:] += 1
    posts = {"taliban": np.full(len(scenario.missions), -1), "closed": np.full(len(scenario.missions), -1)}
    posts["taliban"][[m.name for m in scenario.missions].index("Tehran embassy")] = tehran
    held = (np.arange(21) >= tehran).astype(float) if tehran >= 0 else np.zeros(21)
    de_facto = np.zeros(21)
    de_facto[-1] = de_facto_at_end
    series = {"countries_taliban_presence": presence, "missions_taliban": held, "de_facto_count": de_facto}
    return facts.RunView(first, posts, series)


def test_a_run_that_matches_every_fact_misses_nothing(scenario, bound):
    stats = facts.discrepancies(bound, _view(scenario, {"Pakistan": 2, "Russia": 7}, tehran=18))
    assert set(stats) == set(facts.GROUPS)
    assert all(v == 0 for v in stats.values()), stats


def test_each_group_sees_its_own_miss(scenario, bound):
    late = facts.discrepancies(bound, _view(scenario, {"Pakistan": 12, "Russia": 7}, tehran=18))
    assert late["when"] == pytest.approx(10 / 20 / 4)  # ten months late, of 20, one of four dated facts
    assert late["which"] == 0 and late["counts"] == 0
    tajik = facts.discrepancies(bound, _view(scenario, {"Pakistan": 2, "Russia": 7, "Tajikistan": 5}, tehran=18))
    assert tajik["which"] == pytest.approx(1 / 3)  # Tajikistan hosts: the union has 3, the overlap 2
    assert tajik["counts"] > 0 and tajik["hosting"] > 0  # 3 hosts where the record says 2
    never = facts.discrepancies(bound, _view(scenario, {"Pakistan": 2, "Russia": 7}, tehran=-1))
    assert never["when"] == pytest.approx(3 / 20 / 4)  # never counts as one month after the end (21 vs 18)
    assert never["posts"] > 0
    recognised = facts.discrepancies(bound, _view(scenario, {"Pakistan": 2, "Russia": 7}, tehran=18, de_facto_at_end=1))
    assert recognised["counts"] == pytest.approx(0.5)  # one of two count facts missed by its full scale


def test_facts_outside_the_runs_months_are_set_aside(scenario, bound):
    short = facts.bind(bound.record, scenario, "r.yaml", horizon=10)  # runs that end in 2022-06
    assert short.out_of_range == [2, 3, 4, 5]  # Tajikistan by 2023-04, Tehran 2023-02, the counts at 2023-04
    assert [i for i, *_ in short.states] == [0, 1]
