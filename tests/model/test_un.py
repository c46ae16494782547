"""The United Nations is on the ladder but is not a state: its ladder ends at the seat, and it is
never counted among states, in the bandwagon, or as a recognizer."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import yaml

from recogsim.config import loading, references
from recogsim.errors import InputError
from recogsim.model import incentives as rules
from recogsim.model.model import RecognitionModel

DATA = Path(__file__).resolve().parents[1] / "data"
UN = {"name": "United Nations", "bloc": "un", "level": "engaged", "economic_interest": 1.0, "migration_concern": 1.0}


def scenario(tmp_path: Path, un: dict | None = None, **extra):
    f = tmp_path / "un.yaml"
    f.write_text(
        yaml.safe_dump({"extends": str(DATA / "tiny.yaml"), "name": "un", "states": [{**UN, **(un or {})}], **extra})
    )
    return loading.load(f)


def test_the_un_is_not_counted_among_states_and_its_seat_is_recorded(tmp_path):
    s = scenario(tmp_path, {"level": "hosts_diplomats"})
    m = RecognitionModel(s, seed=1)
    without = RecognitionModel(loading.load(DATA / "tiny.yaml"), seed=1)
    for col in ("countries_taliban_presence", "de_facto_count", "de_jure_count", "legitimacy"):
        assert m.observation[col] == without.observation[col], col
    m.run()
    assert m.outcome()["un_seat_month"] == 0
    without.run()
    assert without.outcome()["un_seat_month"] is None  # no UN in the scenario: no seat to take


def test_the_un_climbs_no_higher_than_its_seat(tmp_path):
    s = references.apply(scenario(tmp_path, {"level": "hosts_diplomats"}), "rules.rate_up", 1.0)
    s = references.apply(s, "rules.thresholds", {"engaged": -9, "hosts_diplomats": -9, "de_facto": -9, "de_jure": -9})
    m = RecognitionModel(s, seed=2)
    m.run()
    un = m.state_index["United Nations"]
    assert m.levels[un] == 2 and m.max_levels[un] == 2
    assert m.observation["de_jure_count"] == 4  # every state proper went to the top
    assert m.outcome()["first_recognizer"] in {"Pakistan", "China", "Tajikistan", "Germany"}


def test_the_bandwagon_is_made_of_states_only():
    counted = np.array([True, True, True, False])
    rungs = np.array([2, 3, 4, 2])  # each entity's next rung up; the UN's is its seat
    low = rules.bandwagon(np.array([1, 2, 3, 0]), rungs, counted)
    high = rules.bandwagon(np.array([1, 2, 3, 2]), rungs, counted)
    np.testing.assert_array_equal(low[:3], high[:3])  # the UN's level moves no state
    assert low[0] == 1.0 and low[1] == pytest.approx(1 / 2)  # of the two other states (never the UN)
    assert low[3] == pytest.approx(2 / 3)  # the UN feels it: of the three states, two stand at or above rung 2


@pytest.mark.parametrize(
    "change, loc, words",
    [
        ({"level": "de_facto"}, "states[4].level", "ladder ends at hosts_diplomats"),
        (
            {"events": [{"month": 2, "kind": "relation", "state": "United Nations", "level": "de_jure"}]},
            "events[1].level",
            "ladder ends at hosts_diplomats",
        ),
        ({"second": True}, "states[5].bloc", "only one entry may be the United Nations"),
    ],
)
def test_un_entries_that_break_its_ladder_are_refused(tmp_path, change, loc, words):
    un = {k: v for k, v in change.items() if k == "level"}
    extra = {"events": change["events"]} if "events" in change else {}
    f = tmp_path / "un.yaml"
    states = [{**UN, **un}] + ([{**UN, "name": "UN again"}] if "second" in change else [])
    f.write_text(yaml.safe_dump({"extends": str(DATA / "tiny.yaml"), "name": "un", "states": states, **extra}))
    with pytest.raises(InputError) as info:
        loading.load(f)
    assert info.value.path == loc and words in info.value.message, str(info.value)


def test_per_state_rung_probabilities_leave_the_uns_missing_rungs_empty():
    import pandas as pd

    from recogsim.analysis.statistics import level_probabilities

    states = pd.DataFrame(
        {
            "state": ["A", "United Nations"] * 2,
            "bloc": ["other", "un"] * 2,
            "max_level": ["de_facto", "hosts_diplomats", "engaged", "engaged"],
        }
    )
    table = level_probabilities(states)
    assert table.loc["United Nations", "hosts_diplomats"] == 0.5
    assert table.loc["United Nations", ["de_facto", "de_jure"]].isna().all()
    assert table.loc["A", "de_facto"] == 0.5 and table.loc["A", "de_jure"] == 0.0
