"""Every scenario field is read: perturbing it changes some output of some run.

A parameter the code never reads is a defect in the model and in its documentation (MODELLING.md,
"Describe and justify"). For each field of the schema (each model class and field name, each
dictionary field by one of its keys) the test perturbs one instance in turn, runs the perturbed
scenario with the same seeds, and checks that the observed series or the state table differ. A
field may appear many times (one per state or post): the test tries a few instances, spread over
the list, and the field passes on the first that changes the output.

Labels carry no number and are exempt; so are the keys that drive the runner, not the model.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from recogsim import RecognitionModel, load_scenario
from recogsim.config.schema import LEVELS, Scenario

ROOT = Path(__file__).resolve().parents[2]
EXEMPT = {
    "name": "a label",
    "description": "a label",
    "city": "a label",
    "uncertain": "drives the runner's draws (tests/runs/test_uncertain.py)",
    "runs_per_draw": "drives the runner's draws (tests/runs/test_uncertain.py)",
    "kind": "an event's kind says which fields it has: each kind is exercised by its own fields "
    "(a post's kind is not exempt: it is perturbed like any field)",
    "stance": "says which fields apply to a group (the schema refuses the others)",
}
HORIZON = 48
SEEDS = (0, 1)
TRIES = 6


def _fingerprint(s: Scenario) -> list:
    out = []
    for seed in SEEDS:
        m = RecognitionModel(s, seed=seed)
        rows = [m.observation]
        while m.running and m.month < m.horizon:
            m.step()
            rows.append(m.observation)
        out.append((rows, m.state_table(), m.outcome()))
    return out


def _leaves(data, where=()) -> Iterator[tuple[tuple, object]]:
    """Every (key path, value) leaf of the scenario's plain data; dicts of numbers count as leaves
    by key."""
    if isinstance(data, dict):
        for k, v in data.items():
            yield from _leaves(v, (*where, k))
    elif isinstance(data, list):
        for i, v in enumerate(data):
            yield from _leaves(v, (*where, i))
    else:
        yield where, data


def _field_of(path: tuple) -> tuple:
    """The schema field a leaf belongs to: list indices and dictionary keys dropped."""
    dict_fields = {"exposure", "ties", "condition_shares", "thresholds", "crackdown_on"}
    out = []
    for i, p in enumerate(path):
        if isinstance(p, int):
            continue
        if i > 0 and path[i - 1] in dict_fields:
            out.append("<key>")
            continue
        out.append(p)
    return tuple(out)


NAMES = {"group": "militants", "state": "states", "mission": "missions", "resistance": "resistance", "host": "states"}


def _perturbed(value, path: tuple, data: dict) -> list:
    """Different valid values for a leaf, the gentlest first."""
    key = next((p for p in reversed(path) if isinstance(p, str)), "")
    if key in NAMES or key == "sanctuary":
        names = [x["name"] for x in data[NAMES.get(key, "states")] if x.get("bloc") != "un"]
        return [n for n in names if n != value][:3]
    if key == "path":
        return ["taliban.concessions"]
    if isinstance(value, bool) or value is None:
        return []
    if isinstance(value, str):
        alternatives = {
            "level": LEVELS,
            "withdraw_level": LEVELS,
            "controller": ("republic", "closed", "taliban"),
            "kind": ("un_mission", "embassy", "consulate"),
            "mode": ("adaptive", "fixed"),
            "bloc": ("western", "neighbour"),
            "start": ("2024-04", "2021-08"),
        }.get(key, ())
        return [a for a in alternatives if a != value][:2]
    if isinstance(value, int):
        return [value + 3 if key != "month" or value + 3 <= HORIZON else value - 3]
    gentle = value + 0.15 if value + 0.15 <= 1.0 else value - 0.15
    return [gentle, value * 0.4, value * 2.5, 0.0]


def _set(data, path, value):
    node = data
    for p in path[:-1]:
        node = node[p]
    node[path[-1]] = value


def _scenarios():
    base = load_scenario(ROOT / "scenarios" / "baseline.yaml").canonical()
    base["horizon_months"] = HORIZON
    base["uncertain"] = []
    base["world"]["republic_visas_honoured"] = 0.0  # so a post's kind (visas or none) matters
    # the rungs above hosting within reach, so what only matters there (lobbying through posts, the
    # UN's credentials, the conditions at full weight) is exercised within the horizon
    base["rules"]["thresholds"] = {"engaged": 1.0, "hosts_diplomats": 3.0, "de_facto": 4.0, "de_jure": 5.0}
    adaptive = copy.deepcopy(base)
    adaptive["taliban"]["mode"] = "adaptive"
    influx = copy.deepcopy(base)  # events of every kind, so their fields are exercised too
    influx["events"] = [
        {"month": 6, "kind": "set", "path": "taliban.lobbying", "value": 0.2},
        {"month": 6, "kind": "relation", "state": "India", "level": "hosts_diplomats"},
        {"month": 6, "kind": "influx", "group": "TIP", "amount": 0.2},
        {"month": 6, "kind": "withdraw_sanctuary", "resistance": "NRF"},
        {"month": 6, "kind": "close_mission", "mission": "Islamabad embassy"},
    ]
    influx["taliban"]["crackdown_on"] = {"TIP": 0.6}
    return [influx, adaptive, base]


def _fields() -> dict[tuple, list[tuple[int, tuple, object]]]:
    """Each schema field with the instances (scenario, leaf path, value) that hold it."""
    out: dict[tuple, list] = {}
    for k, data in enumerate(_scenarios()):
        for path, value in _leaves(data):
            if path[0] in EXEMPT or (path[-1] in EXEMPT and not (path[0] == "missions" and path[-1] == "kind")):
                continue
            if path[0] == "bloc_defaults":  # filled into states at load: the states' fields are tested
                continue
            out.setdefault(_field_of(path), []).append((k, path, value))
    return out


FIELDS = _fields()
_BASE: dict[int, list] = {}


def _base_fingerprint(k: int) -> list:
    if k not in _BASE:
        _BASE[k] = _fingerprint(Scenario.model_validate(_scenarios()[k]))
    return _BASE[k]


@pytest.mark.parametrize("field", sorted(FIELDS, key=str), ids=lambda f: ".".join(f))
def test_perturbing_the_field_changes_some_output(field):
    scenarios = _scenarios()
    instances = FIELDS[field]
    # instances with a non-zero value first (a state's resistance_support is read only where it
    # shelters a group, and the states that do have support > 0), then spread over the list
    live = sorted(instances, key=lambda x: not (isinstance(x[2], float) and x[2] != 0.0))
    picks = [live[int(i)] for i in np.unique(np.linspace(0, len(live) - 1, TRIES).round())[:TRIES]]
    picks = live[:2] + [p for p in picks if p not in live[:2]]
    tried = []
    for k, path, value in picks:
        for new in _perturbed(value, path, scenarios[k]):
            data = copy.deepcopy(scenarios[k])
            _set(data, path, new)
            try:
                changed = Scenario.model_validate(data)
            except Exception:
                continue
            tried.append((path, new))
            if _fingerprint(changed) != _base_fingerprint(k):
                return
    assert tried, f"no valid perturbation of {field}: make the test able to perturb it"
    pytest.fail(f"{'.'.join(map(str, field))} is never read: perturbing {tried} changed no output")
