"""Scenario files: parsing, validation, extends, bloc defaults, paths, and the one-line error rule.

Every bad-input test checks the three parts of the one-line message separately: the file the bad
value came from (``err.file``), the key path (``err.path``) and the words of the message.
Bad files are written into ``tmp_path`` by each test; ``tests/data/tiny*.yaml`` are small valid
scenarios shared with the CLI tests.
"""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

from recogsim.config import loading, paths, references
from recogsim.errors import InputError, ScenarioError
from recogsim.model.model import RecognitionModel

ROOT = Path(__file__).resolve().parents[2]
DATA = Path(__file__).resolve().parents[1] / "data"
SCENARIOS = sorted((ROOT / "scenarios").glob("*.yaml"))


# ------------------------------------------------------------------------------------ helpers
def base() -> dict:
    """A small valid scenario as plain data; tests change one thing and write it out."""
    return {
        "name": "t",
        "start": "2023-04",
        "horizon_months": 12,
        "militants": [
            {"name": "ISK", "stance": "hostile", "strength": 0.3},
            {"name": "TTP", "stance": "allied", "strength": 0.4},
        ],
        "resistance": [{"name": "NRF", "strength": 0.2, "sanctuary": "Tajikistan"}],
        "states": [
            {"name": "Pakistan", "bloc": "neighbour", "level": "hosts_diplomats", "exposure": {"TTP": 1.0}},
            {"name": "China", "bloc": "neighbour", "level": "engaged", "ties": {"Pakistan": 0.6}},
            {"name": "Tajikistan", "bloc": "neighbour", "resistance_support": 0.9},
            {"name": "Germany", "bloc": "western", "migration_concern": 0.4},
        ],
        "missions": [
            {
                "name": "Islamabad embassy",
                "host": "Pakistan",
                "city": "Islamabad",
                "kind": "embassy",
                "controller": "taliban",
            },
            {"name": "Beijing embassy", "host": "China", "city": "Beijing", "kind": "embassy"},
            {"name": "Dushanbe embassy", "host": "Tajikistan", "city": "Dushanbe", "kind": "embassy"},
            {"name": "Berlin embassy", "host": "Germany", "city": "Berlin", "kind": "embassy"},
        ],
        "events": [],
    }


def write(path: Path, data: dict | str) -> Path:
    path.write_text(data if isinstance(data, str) else yaml.safe_dump(data, sort_keys=False))
    return path


def load_error(path: Path | str) -> ScenarioError:
    with pytest.raises(ScenarioError) as info:
        loading.load(path)
    return info.value


def check(err: InputError, file: Path | str, key: str | None, *words: str) -> None:
    """The error names ``file`` and ``key`` and its message holds every one of ``words``."""
    assert err.file == str(file), str(err)
    assert err.path == key, str(err)
    for w in words:
        assert w in err.message, f"{w!r} not in {err.message!r}"
    line = str(err)
    assert "\n" not in line
    assert line == ": ".join(p for p in (str(file), key, err.message) if p)


def test_base_is_valid(tmp_path):
    s = loading.load(write(tmp_path / "ok.yaml", base()))
    assert [x.name for x in s.states] == ["Pakistan", "China", "Tajikistan", "Germany"]


# ------------------------------------------------------------------------------------ YAML syntax
@pytest.mark.parametrize(
    "text, line, words",
    [
        ("name: t\nstart: '2023-04'\nhorizon_months: 12: 3\nstates: []\n", 3, "mapping values are not allowed"),
        ("name: t\nstart: '2023-04'\nstates:\n  - {name: A, bloc: other\n  - {name: B}\n", 5, "expected ',' or '}'"),
        ("name: t\nstart: '2023-04'\n\n\n\nstates: [\n", 7, "invalid YAML"),
    ],
)
def test_malformed_yaml_names_the_line(tmp_path, text, line, words):
    f = write(tmp_path / "broken.yaml", text)
    check(load_error(f), f, f"line {line}", "invalid YAML", words)


def test_duplicate_yaml_keys_are_rejected_with_their_line(tmp_path):
    f = write(
        tmp_path / "dup.yaml",
        "name: t\nstart: '2023-04'\nworld:\n  migration_pressure: 0.5\n  migration_pressure: 0.6\n"
        "states: [{name: A, bloc: other}]\n",
    )
    check(load_error(f), f, "line 5", "duplicate key 'migration_pressure'")


def test_duplicate_yaml_keys_inside_a_list_item_are_rejected(tmp_path):
    f = write(
        tmp_path / "dup.yaml",
        "name: t\nstart: '2023-04'\nstates:\n  - {name: A, bloc: other}\n"
        "  - {name: B, bloc: other, level: engaged, level: none}\n",
    )
    check(load_error(f), f, "line 5", "duplicate key 'level'")


def test_duplicate_top_level_keys_are_rejected(tmp_path):
    f = write(tmp_path / "dup.yaml", "name: t\nstart: '2023-04'\nstates: [{name: A, bloc: other}]\nname: u\n")
    check(load_error(f), f, "line 4", "duplicate key 'name'")


def test_a_sequence_as_a_mapping_key_is_a_one_line_error(tmp_path):
    # complex keys are legal YAML; a loader that hashes keys must not crash on them (TypeError)
    f = write(tmp_path / "key.yaml", "name: t\nstart: '2023-04'\nstates: [{name: A, bloc: other}]\n? [1, 2]\n: 3\n")
    err = load_error(f)
    assert err.file == str(f)
    assert "line 4" in str(err)


@pytest.mark.parametrize(
    "tag",
    [
        "!!python/object/apply:os.system",
        "!!python/object/new:os.system",
    ],
)
def test_yaml_tags_that_construct_objects_are_rejected_and_not_executed(tmp_path, tag):
    marker = tmp_path / "MARKER"
    f = write(tmp_path / "evil.yaml", f"name: t\nstart: '2023-04'\nstates: {tag} ['touch {marker}']\n")
    check(load_error(f), f, "line 3", "YAML tag not allowed", "python/object")
    assert not marker.exists()


def test_python_name_tag_is_rejected(tmp_path):
    f = write(tmp_path / "evil.yaml", "name: !!python/name:os.system ''\nstart: '2023-04'\nstates: []\n")
    check(load_error(f), f, "line 1", "YAML tag not allowed")


@pytest.mark.parametrize("text", ["", "\n\n", "# only a comment\n", "---\n"])
def test_empty_file(tmp_path, text):
    f = write(tmp_path / "empty.yaml", text)
    check(load_error(f), f, None, "empty file", "'name'", "'start'", "'states'")


@pytest.mark.parametrize("text, found", [("- a\n- b\n", "got list"), ("just words\n", "got str"), ("42\n", "got int")])
def test_top_level_must_be_a_mapping(tmp_path, text, found):
    f = write(tmp_path / "list.yaml", text)
    check(load_error(f), f, None, "expected a mapping at the top level", found)


def test_missing_file(tmp_path):
    f = tmp_path / "nowhere.yaml"
    check(load_error(f), f, None, "file not found")


def test_file_names_are_reported_as_given_not_resolved(tmp_path, monkeypatch):
    # README: "recogsim: error: scenarios/x.yaml: states[3].migration_concern: ..." - the path the
    # user typed, not an absolute one
    (tmp_path / "scenarios").mkdir()
    d = base()
    d["states"][3]["migration_concern"] = 1.7
    write(tmp_path / "scenarios" / "x.yaml", d)
    monkeypatch.chdir(tmp_path)
    err = load_error("scenarios/x.yaml")
    check(err, "scenarios/x.yaml", "states[3].migration_concern", "must be between 0 and 1, got 1.7")


# ------------------------------------------------------------------------------------ unknown keys
@pytest.mark.parametrize(
    "where, key, allowed",
    [
        (lambda d: d, "foo", ["bloc_defaults", "events", "horizon_months", "missions", "states", "world"]),
        (
            lambda d: d["states"][0],
            "migraton",
            ["bloc", "conditions_weight", "economic_interest", "exposure", "level", "migration_concern", "ties"],
        ),
        (
            lambda d: d.setdefault("taliban", {}).setdefault("adaptive", {}),
            "stepp",
            ["backlash_weight", "concession_cost", "step"],
        ),
        (
            lambda d: d.setdefault("world", {}),
            "migraton_pressure",
            ["consular_demand", "migration_pressure", "minority_violence"],
        ),
        (lambda d: d["missions"][2], "cty", ["city", "controller", "funds", "host", "kind", "revenue"]),
        (lambda d: d["militants"][1], "strenght", ["crackdown_effect", "stance", "strength", "visibility"]),
        (lambda d: d.setdefault("rules", {}), "w_secruity", ["w_security", "thresholds", "rate_up"]),
    ],
)
def test_unknown_key_lists_the_allowed_keys(tmp_path, where, key, allowed):
    d = base()
    where(d)[key] = 0.5
    f = write(tmp_path / "typo.yaml", d)
    err = load_error(f)
    loc = {
        "foo": "foo",
        "migraton": "states[0].migraton",
        "stepp": "taliban.adaptive.stepp",
        "migraton_pressure": "world.migraton_pressure",
        "cty": "missions[2].cty",
        "strenght": "militants[1].strenght",
        "w_secruity": "rules.w_secruity",
    }[key]
    check(err, f, loc, "unknown key", "expected one of", *allowed)


@pytest.mark.parametrize(
    "key, replacement",
    [("slope", "every rules.w_* weight but w_isk_attacks"), ("w_alternative", "w_durability")],
)
def test_a_removed_field_names_its_replacement(tmp_path, key, replacement):
    """Scenario files written for the first model keep working after one edit the message names."""
    d = base()
    d.setdefault("rules", {})[key] = 4.0
    f = write(tmp_path / "old.yaml", d)
    err = load_error(f)
    check(err, f, f"rules.{key}", "unknown key", "it was removed", replacement)
    assert "\n" not in str(err)


@pytest.mark.parametrize("group, key", [(0, "visibility"), (0, "defection_share"), (1, "recruits_from_narrative")])
def test_a_field_of_the_other_stance_is_refused(tmp_path, group, key):
    """ISK (hostile) has no visibility or defection share; an allied group no narrative recruits:
    a number there would be ignored, so it is refused with its key path."""
    d = base()
    d["militants"][group][key] = 0.4
    f = write(tmp_path / "stance.yaml", d)
    err = load_error(f)
    other = "allied" if group == 0 else "hostile"
    check(err, f, f"militants[{group}].{key}", f"applies to {other} groups only, got 0.4")


def test_crackdown_on_must_name_an_allied_group(tmp_path):
    d = base()
    d.setdefault("taliban", {})["crackdown_on"] = {"ISK": 0.5}
    f = write(tmp_path / "k.yaml", d)
    check(load_error(f), f, "taliban.crackdown_on.ISK", "must name an allied militant group", "TTP")


def test_unknown_key_in_bloc_defaults_lists_the_allowed_keys(tmp_path):
    d = base()
    d["bloc_defaults"] = {"western": {"conditons_weight": 0.9}}
    f = write(tmp_path / "typo.yaml", d)
    check(
        load_error(f),
        f,
        "bloc_defaults.western.conditons_weight",
        "unknown key",
        "expected one of",
        "conditions_weight",
        "economic_interest",
        "migration_concern",
    )


def test_unknown_bloc_in_bloc_defaults(tmp_path):
    d = base()
    d["bloc_defaults"] = {"westren": {"conditions_weight": 0.9}}
    f = write(tmp_path / "typo.yaml", d)
    err = load_error(f)
    assert err.file == str(f)
    assert err.path.startswith("bloc_defaults")
    assert "westren" in err.message or "westren" in err.path
    assert "western" in err.message


def test_unknown_key_in_a_relation_event_lists_that_event_kinds_keys(tmp_path):
    d = base()
    d["events"] = [{"month": 2, "kind": "relation", "state": "China", "level": "engaged", "foo": 1}]
    f = write(tmp_path / "typo.yaml", d)
    err = load_error(f)
    check(err, f, "events[0].foo", "unknown key", "expected one of", "level", "month", "state")
    assert "path" not in err.message.split("expected one of", 1)[1]  # keys of a set event are not allowed here


# ------------------------------------------------------------------------------------ ranges and types
def test_out_of_range_value_exact_message(tmp_path):
    d = base()
    d["states"][3]["migration_concern"] = 1.7
    f = write(tmp_path / "x.yaml", d)
    err = load_error(f)
    check(err, f, "states[3].migration_concern", "must be between 0 and 1, got 1.7")
    assert str(err) == f"{f}: states[3].migration_concern: must be between 0 and 1, got 1.7"


@pytest.mark.parametrize(
    "where, key, value, loc, words",
    [
        (lambda d: d["militants"][0], "strength", -0.1, "militants[0].strength", "must be between 0 and 1, got -0.1"),
        (
            lambda d: d.setdefault("rules", {}),
            "durability_months",
            0.5,
            "rules.durability_months",
            "must be between 1 and 600, got 0.5",
        ),
        (
            lambda d: d.setdefault("world", {}),
            "consular_demand",
            5.5,
            "world.consular_demand",
            "must be between 0 and 5, got 5.5",
        ),
        (lambda d: d["missions"][1], "funds", -200, "missions[1].funds", "must be between -120 and 240, got -200"),
        (
            lambda d: d["states"][1]["ties"],
            "Pakistan",
            2.0,
            "states[1].ties.Pakistan",
            "must be between 0 and 1, got 2.0",
        ),
        (lambda d: d, "horizon_months", 0, "horizon_months", "greater than or equal to 1"),
        (
            lambda d: d.setdefault("taliban", {}),
            "crackdown",
            float("nan"),
            "taliban.crackdown",
            "must be between 0 and 1",
        ),
    ],
)
def test_out_of_range_values(tmp_path, where, key, value, loc, words):
    d = base()
    where(d)[key] = value
    f = write(tmp_path / "x.yaml", d)
    check(load_error(f), f, loc, words)


@pytest.mark.parametrize(
    "where, key, value, loc, words",
    [
        (
            lambda d: d.setdefault("world", {}),
            "migration_pressure",
            "high",
            "world.migration_pressure",
            ("must be a number, got 'high'",),
        ),
        (
            lambda d: d["states"][0],
            "migration_concern",
            "0.5",
            "states[0].migration_concern",
            ("must be a number, got '0.5'",),
        ),
        (lambda d: d, "horizon_months", "twelve", "horizon_months", ("must be a whole number, got 'twelve'",)),
        (lambda d: d, "horizon_months", 12.5, "horizon_months", ("must be a whole number, got 12.5",)),
        (
            lambda d: d["states"][0],
            "conditions_weight",
            True,
            "states[0].conditions_weight",
            ("must be a number, got True",),
        ),
        (lambda d: d["states"][0], "level", "recognised", "states[0].level", ("must be one of", "got 'recognised'")),
        (lambda d: d, "start", "April 2023", "start", ("YYYY-MM", "got 'April 2023'")),
        (lambda d: d["states"][1], "ties", ["Pakistan"], "states[1].ties", ("got ['Pakistan']",)),
    ],
)
def test_wrong_types(tmp_path, where, key, value, loc, words):
    d = base()
    where(d)[key] = value
    f = write(tmp_path / "x.yaml", d)
    check(load_error(f), f, loc, *words)


def test_a_boolean_is_not_a_horizon(tmp_path):
    # YAML 'true'/'yes' is a boolean; it must not be taken silently as a horizon of 1 month
    d = base()
    d["horizon_months"] = True
    f = write(tmp_path / "x.yaml", d)
    check(load_error(f), f, "horizon_months", "whole number", "got True")


def test_missing_required_key(tmp_path):
    d = base()
    del d["states"][2]["bloc"]
    f = write(tmp_path / "x.yaml", d)
    check(load_error(f), f, "states[2].bloc", "required key is missing")


# ------------------------------------------------------------------------------------ references and names
def test_mission_naming_an_unknown_state(tmp_path):
    d = base()
    d["missions"][2]["host"] = "Tajikstan"
    f = write(tmp_path / "x.yaml", d)
    check(load_error(f), f, "missions[2].host", "must name a state", "Tajikistan", "got 'Tajikstan'")


@pytest.mark.parametrize(
    "mutate, loc, words",
    [
        (lambda d: d["states"][1]["ties"].update({"Pakistn": 0.5}), "states[1].ties.Pakistn", "other state"),
        (
            lambda d: d["states"][0]["exposure"].update({"IS": 0.5}),
            "states[0].exposure.IS",
            "must name a militant group",
        ),
        (
            lambda d: d["resistance"][0].update({"sanctuary": "Tajikstan"}),
            "resistance[0].sanctuary",
            "must name a state",
        ),
    ],
)
def test_other_names_must_resolve(tmp_path, mutate, loc, words):
    d = base()
    mutate(d)
    f = write(tmp_path / "x.yaml", d)
    check(load_error(f), f, loc, words)


@pytest.mark.parametrize("section, i, j", [("states", 3, 1), ("missions", 3, 0), ("militants", 1, 0)])
def test_duplicate_names_are_blamed_on_the_file(tmp_path, section, i, j):
    d = base()
    d[section][i]["name"] = d[section][j]["name"]
    f = write(tmp_path / "dup.yaml", d)
    name = d[section][j]["name"]
    check(load_error(f), f, f"{section}[{i}].name", f"duplicate name {name!r}", f"first used at {section}[{j}]")


def test_an_empty_name_is_blamed_on_the_file(tmp_path):
    d = base()
    d["states"][2]["name"] = ""
    f = write(tmp_path / "x.yaml", d)
    check(load_error(f), f, "states[2].name", "a letter or digit")


def test_an_unhashable_bloc_is_a_one_line_error(tmp_path):
    d = base()
    d["bloc_defaults"] = {"western": {"conditions_weight": 0.9}}
    d["states"][3]["bloc"] = ["western"]
    f = write(tmp_path / "x.yaml", d)
    check(load_error(f), f, "states[3].bloc", "must be one of")


def test_taliban_held_post_needs_a_host_at_hosts_diplomats(tmp_path):
    d = base()
    d["missions"][1]["controller"] = "taliban"  # Beijing; China is only 'engaged'
    f = write(tmp_path / "x.yaml", d)
    check(load_error(f), f, "missions[1].controller", "Taliban-held post", "hosts_diplomats", "China", "'engaged'")


def test_taliban_held_post_with_host_at_hosts_diplomats_or_above_is_fine(tmp_path):
    d = base()
    d["states"][1]["level"] = "de_facto"
    d["missions"][1]["controller"] = "taliban"
    s = loading.load(write(tmp_path / "x.yaml", d))
    assert s.missions[1].controller == "taliban"


# ------------------------------------------------------------------------------------ thresholds
def test_thresholds_decreasing_up_the_ladder(tmp_path):
    d = base()
    d["rules"] = {"thresholds": {"engaged": 0.0, "hosts_diplomats": 0.3, "de_facto": 2.8, "de_jure": 2.0}}
    f = write(tmp_path / "x.yaml", d)
    check(load_error(f), f, "rules.thresholds", "must not decrease up the ladder", "[0.0, 0.3, 2.8, 2.0]")


def test_thresholds_missing_a_rung(tmp_path):
    d = base()
    d["rules"] = {"thresholds": {"engaged": 0.0, "hosts_diplomats": 0.3, "de_facto": 2.8}}
    f = write(tmp_path / "x.yaml", d)
    check(load_error(f), f, "rules.thresholds", "missing rung", "de_jure")


def test_thresholds_unknown_rung(tmp_path):
    d = base()
    d["rules"] = {
        "thresholds": {"engaged": 0.0, "hosts_diplomats": 0.3, "de_facto": 2.8, "de_jure": 3.6, "recognised": 4.0}
    }
    f = write(tmp_path / "x.yaml", d)
    check(load_error(f), f, "rules.thresholds", "unknown rung 'recognised'", "de_jure")


def test_thresholds_must_be_real_numbers(tmp_path):
    # a NaN threshold makes every ordering comparison false, so 'not decreasing' is never checked
    d = base()
    d["rules"] = {"thresholds": {"engaged": 0.0, "hosts_diplomats": float("nan"), "de_facto": 2.8, "de_jure": 3.6}}
    f = write(tmp_path / "x.yaml", d)
    err = load_error(f)
    assert err.file == str(f)
    assert err.path.startswith("rules.thresholds")
    assert "nan" in err.message


# ------------------------------------------------------------------------------------ events
def with_event(tmp_path, event: dict, **changes) -> tuple[Path, dict]:
    d = base()
    d.update(changes)
    d["events"] = [{"month": 1, "kind": "influx", "group": "TTP", "amount": 0.1}, event]
    return write(tmp_path / "ev.yaml", d), d


def test_event_unknown_kind(tmp_path):
    f, _ = with_event(tmp_path, {"month": 2, "kind": "explode"})
    check(load_error(f), f, "events[1]", "unknown event kind 'explode'", "set", "relation", "close_mission")


def test_event_missing_kind(tmp_path):
    f, _ = with_event(tmp_path, {"month": 2, "state": "China"})
    check(load_error(f), f, "events[1]", "missing 'kind'")


def test_set_event_path_matching_nothing(tmp_path):
    f, _ = with_event(
        tmp_path, {"month": 2, "kind": "set", "path": "states[name=Nowhere].migration_concern", "value": 0.5}
    )
    check(load_error(f), f, "events[1].path", "matches nothing", "states[name=Nowhere]")


def test_set_event_path_naming_an_unknown_field(tmp_path):
    f, _ = with_event(tmp_path, {"month": 2, "kind": "set", "path": "taliban.crackdwn", "value": 0.5})
    check(load_error(f), f, "events[1].path", "matches nothing", "crackdwn")


def test_set_event_out_of_range_value(tmp_path):
    f, _ = with_event(tmp_path, {"month": 2, "kind": "set", "path": "taliban.crackdown", "value": 1.5})
    check(load_error(f), f, "events[1].value", "taliban.crackdown", "must be between 0 and 1, got 1.5")


def test_set_event_selector_out_of_range_names_the_slot(tmp_path):
    f, _ = with_event(
        tmp_path, {"month": 2, "kind": "set", "path": "states[bloc=western].migration_concern", "value": 3}
    )
    check(load_error(f), f, "events[1].value", "states[3].migration_concern", "must be between 0 and 1, got 3")


@pytest.mark.parametrize(
    "path, value",
    [
        ("states[name=China].level", "de_jure"),
        ("missions[0].controller", "closed"),
        ("militants[name=ISK].strength", 0.9),
        ("missions[name=Berlin embassy].funds", 10.0),
        ("states[name=China].name", "Cathay"),
    ],
)
def test_set_event_on_initial_state_or_identity(tmp_path, path, value):
    f, _ = with_event(tmp_path, {"month": 2, "kind": "set", "path": path, "value": value})
    check(load_error(f), f, "events[1].path", "initial state or identity", path, "relation")


def test_set_event_may_not_replace_a_whole_state_record(tmp_path):
    # replacing the record would change its level (initial state) mid-run, bypassing the rule above
    f, _ = with_event(
        tmp_path,
        {
            "month": 2,
            "kind": "set",
            "path": "states[name=China]",
            "value": {"name": "China", "bloc": "neighbour", "level": "de_jure"},
        },
    )
    err = load_error(f)
    assert err.file == str(f)
    assert err.path == "events[1].path"


def test_set_event_on_a_settable_field_is_accepted(tmp_path):
    f, _ = with_event(tmp_path, {"month": 2, "kind": "set", "path": "states[name=Pakistan].exposure.TTP", "value": 0.7})
    s = loading.load(f)
    assert s.events[1].path == "states[name=Pakistan].exposure.TTP" and s.events[1].value == 0.7
    assert s.states[0].exposure == {"TTP": 1.0}  # the event does not change the initial scenario


def test_event_month_beyond_the_horizon(tmp_path):
    f, _ = with_event(tmp_path, {"month": 13, "kind": "relation", "state": "China", "level": "engaged"})
    check(load_error(f), f, "events[1].month", "within the horizon", "0..12", "got 13")


def test_event_month_at_the_horizon_is_accepted(tmp_path):
    f, _ = with_event(tmp_path, {"month": 12, "kind": "relation", "state": "China", "level": "de_facto"})
    assert loading.load(f).events[1].month == 12


def test_event_negative_month(tmp_path):
    f, _ = with_event(tmp_path, {"month": -1, "kind": "relation", "state": "China", "level": "engaged"})
    check(load_error(f), f, "events[1].month", "greater than or equal to 0", "got -1")


@pytest.mark.parametrize(
    "event, loc, words",
    [
        (
            {"kind": "relation", "state": "Chna", "level": "engaged"},
            "events[1].state",
            ("must name a state", "got 'Chna'"),
        ),
        (
            {"kind": "relation", "state": "China", "level": "friends"},
            "events[1].level",
            ("must be one of", "'friends'"),
        ),
        ({"kind": "influx", "group": "TIP", "amount": 0.1}, "events[1].group", ("must name a militant group", "'TIP'")),
        ({"kind": "influx", "group": "TTP", "amount": 1.5}, "events[1].amount", ("must be between 0 and 1, got 1.5",)),
        (
            {"kind": "withdraw_sanctuary", "resistance": "NFR"},
            "events[1].resistance",
            ("must name a resistance group", "'NFR'"),
        ),
        (
            {"kind": "close_mission", "mission": "Paris embassy"},
            "events[1].mission",
            ("must name a mission", "'Paris embassy'"),
        ),
    ],
)
def test_event_targets_must_resolve(tmp_path, event, loc, words):
    f, _ = with_event(tmp_path, {"month": 3, **event})
    check(load_error(f), f, loc, *words)


# ------------------------------------------------------------------------------------ extends
def test_extends_cycle(tmp_path):
    a = write(tmp_path / "a.yaml", "extends: b.yaml\nname: a\n")
    b = write(tmp_path / "b.yaml", "extends: a.yaml\nname: b\n")
    err = load_error(a)
    check(err, b, "extends", "cycle", "a.yaml -> b.yaml -> a.yaml")


def test_extends_itself_is_a_cycle(tmp_path):
    s = write(tmp_path / "self.yaml", "extends: self.yaml\nname: s\n")
    check(load_error(s), s, "extends", "cycle", "self.yaml -> self.yaml")


def test_extends_missing_parent(tmp_path):
    c = write(tmp_path / "child.yaml", "extends: nope.yaml\nname: c\n")
    check(load_error(c), c, "extends", "'nope.yaml' not found")


def test_extends_a_broken_parent_names_the_parent(tmp_path):
    write(tmp_path / "parent.yaml", "name: p\nstart: '2023-04\nstates: []\n")
    c = write(tmp_path / "child.yaml", "extends: parent.yaml\nname: c\n")
    err = load_error(c)
    assert err.file == str(tmp_path / "parent.yaml")
    assert "invalid YAML" in err.message


def test_extends_must_be_a_file_name(tmp_path):
    c = write(tmp_path / "child.yaml", "extends: [a.yaml, b.yaml]\nname: c\n")
    check(load_error(c), c, "extends", "expected a file name")


def parent_and_child(tmp_path, parent: dict, child: dict) -> tuple[Path, Path]:
    p = write(tmp_path / "parent.yaml", parent)
    c = write(tmp_path / "child.yaml", {"extends": "parent.yaml", **child})
    return p, c


def test_an_error_in_an_inherited_value_is_blamed_on_the_parent(tmp_path):
    parent = base()
    parent["states"][2]["migration_concern"] = 1.7
    p, c = parent_and_child(
        tmp_path, parent, {"name": "c", "states": [{"name": "Tajikistan", "economic_interest": 0.3}]}
    )
    check(load_error(c), p, "states[2].migration_concern", "must be between 0 and 1, got 1.7")


def test_an_error_in_the_childs_own_value_is_blamed_on_the_child(tmp_path):
    _, c = parent_and_child(
        tmp_path, base(), {"name": "c", "states": [{"name": "Tajikistan", "economic_interest": 1.3}]}
    )
    check(load_error(c), c, "states[2].economic_interest", "must be between 0 and 1, got 1.3")


def test_an_unknown_key_in_the_parent_is_blamed_on_the_parent(tmp_path):
    parent = base()
    parent["states"][0]["migraton"] = 0.3
    p, c = parent_and_child(tmp_path, parent, {"name": "c"})
    check(load_error(c), p, "states[0].migraton", "unknown key", "migration_concern")


def test_an_unknown_host_in_the_parent_is_blamed_on_the_parent(tmp_path):
    parent = base()
    parent["missions"][3]["host"] = "Germny"
    p, c = parent_and_child(tmp_path, parent, {"name": "c"})
    check(load_error(c), p, "missions[3].host", "must name a state", "'Germny'")


def test_a_child_event_error_is_blamed_on_the_child_a_parent_event_error_on_the_parent(tmp_path):
    parent = base()
    parent["events"] = [{"month": 2, "kind": "set", "path": "taliban.crackdown", "value": 0.5}]
    p, c = parent_and_child(
        tmp_path,
        parent,
        {"name": "c", "events": [{"month": 4, "kind": "set", "path": "taliban.lobbying", "value": 1.4}]},
    )
    check(load_error(c), c, "events[1].value", "taliban.lobbying", "must be between 0 and 1, got 1.4")
    parent["events"][0]["value"] = 2.0
    p, c = parent_and_child(
        tmp_path,
        parent,
        {"name": "c", "events": [{"month": 4, "kind": "set", "path": "taliban.lobbying", "value": 0.4}]},
    )
    check(load_error(c), p, "events[0].value", "taliban.crackdown", "got 2.0")


def test_inherited_thresholds_that_decrease_are_blamed_on_the_parent(tmp_path):
    parent = base()
    parent["rules"] = {"thresholds": {"engaged": 0.0, "hosts_diplomats": 0.3, "de_facto": 2.8, "de_jure": 2.0}}
    p, c = parent_and_child(tmp_path, parent, {"name": "c"})
    check(load_error(c), p, "rules.thresholds", "must not decrease")


def test_a_grandparent_value_is_blamed_on_the_grandparent(tmp_path):
    g = base()
    g["world"] = {"minority_violence": 1.2}
    gp = write(tmp_path / "grand.yaml", g)
    write(tmp_path / "parent.yaml", {"extends": "grand.yaml", "name": "p"})
    c = write(tmp_path / "child.yaml", {"extends": "parent.yaml", "name": "c", "world": {"migration_pressure": 0.2}})
    check(load_error(c), gp, "world.minority_violence", "must be between 0 and 1, got 1.2")


def test_extends_resolves_relative_to_the_childs_folder(tmp_path, monkeypatch):
    (tmp_path / "sub").mkdir()
    write(tmp_path / "sub" / "parent.yaml", base())
    write(tmp_path / "sub" / "child.yaml", {"extends": "parent.yaml", "name": "c"})
    monkeypatch.chdir(tmp_path)
    assert loading.load("sub/child.yaml").name == "c"


# ------------------------------------------------------------------------------------ merge semantics
@pytest.fixture(scope="module")
def tiny():
    return loading.load(DATA / "tiny.yaml")


@pytest.fixture(scope="module")
def tiny_child():
    return loading.load(DATA / "tiny_child.yaml")


def test_child_overrides_one_field_of_one_state_and_keeps_everything_else(tiny, tiny_child):
    assert [x.name for x in tiny_child.states] == [x.name for x in tiny.states]
    parent_tj = next(x for x in tiny.states if x.name == "Tajikistan")
    child_tj = next(x for x in tiny_child.states if x.name == "Tajikistan")
    assert parent_tj.resistance_support == 0.9 and child_tj.resistance_support == 0.3
    assert child_tj.model_dump(exclude={"resistance_support"}) == parent_tj.model_dump(exclude={"resistance_support"})
    for a, b in zip(tiny.states, tiny_child.states, strict=True):
        if a.name != "Tajikistan":
            assert a == b
    assert tiny_child.missions == tiny.missions and tiny_child.militants == tiny.militants
    assert tiny_child.resistance == tiny.resistance


def test_child_replaces_scalars_and_keeps_sibling_keys(tiny, tiny_child):
    assert (tiny.name, tiny_child.name) == ("tiny", "tiny_child")
    assert tiny_child.description != tiny.description
    assert (tiny.world.minority_violence, tiny_child.world.minority_violence) == (0.3, 0.7)
    assert tiny_child.world.migration_pressure == tiny.world.migration_pressure == 0.6
    assert tiny_child.horizon_months == tiny.horizon_months == 12
    assert tiny_child.start == tiny.start and tiny_child.taliban == tiny.taliban


def test_events_from_parent_and_child_are_both_present(tiny, tiny_child):
    assert [e.kind for e in tiny.events] == ["set"]
    assert [(e.kind, e.month) for e in tiny_child.events] == [("set", 6), ("withdraw_sanctuary", 3)]
    assert tiny_child.events[0] == tiny.events[0]


def test_child_adds_a_new_named_item_at_the_end(tmp_path):
    _, c = parent_and_child(
        tmp_path,
        base(),
        {"name": "c", "states": [{"name": "France", "bloc": "western"}, {"name": "China", "economic_interest": 0.8}]},
    )
    s = loading.load(c)
    assert [x.name for x in s.states] == ["Pakistan", "China", "Tajikistan", "Germany", "France"]
    assert s.states[1].economic_interest == 0.8 and s.states[1].ties == {"Pakistan": 0.6}
    assert s.states[1].level == "engaged"


def test_merge_function_semantics():
    parent = {
        "a": 1,
        "m": {"x": 1, "y": 2},
        "tags": [1, 2, 3],
        "items": [{"name": "p", "v": 1, "w": 1}, {"name": "q", "v": 2}],
        "events": [{"month": 1}],
    }
    child = {
        "a": 2,
        "m": {"y": 5},
        "tags": [9],
        "items": [{"name": "q", "v": 7}, {"name": "r", "v": 3}],
        "events": [{"month": 2}],
    }
    before = copy.deepcopy(parent)
    out = loading.merge(parent, child)
    assert out == {
        "a": 2,
        "m": {"x": 1, "y": 5},
        "tags": [9],
        "items": [{"name": "p", "v": 1, "w": 1}, {"name": "q", "v": 7}, {"name": "r", "v": 3}],
        "events": [{"month": 1}, {"month": 2}],
    }
    assert parent == before  # inputs are not modified


def test_show_form_has_no_extends_key(tiny_child):
    assert "extends" not in tiny_child.canonical()


# ------------------------------------------------------------------------------------ bloc defaults
def test_bloc_defaults_fill_only_fields_a_state_does_not_set(tiny, tmp_path):
    de = next(x for x in tiny.states if x.name == "Germany")
    assert de.migration_concern == 0.7  # set by the state: the default 0.4 does not override it
    assert de.conditions_weight == 0.9  # filled from bloc_defaults.western
    assert de.economic_interest == 0.1
    assert de.exposure == {"ISK": 0.2}
    # other blocs are untouched: China (a neighbour) without fields of its own gets the schema's
    # defaults, not the western ones (in tiny.yaml it sets them all, so that could not show it)
    data = yaml.safe_load((DATA / "tiny.yaml").read_text())
    (china,) = [x for x in data["states"] if x["name"] == "China"]
    for key in ("migration_concern", "economic_interest", "conditions_weight", "exposure"):
        del china[key]
    cn = next(x for x in loading.load(write(tmp_path / "tiny.yaml", data)).states if x.name == "China")
    assert (cn.migration_concern, cn.economic_interest, cn.conditions_weight, cn.exposure) == (0.0, 0.0, 0.0, {})


def test_bloc_defaults_do_not_override_an_explicit_zero_or_empty(tmp_path):
    d = base()
    d["bloc_defaults"] = {"western": {"conditions_weight": 0.9, "migration_concern": 0.5, "exposure": {"ISK": 0.2}}}
    d["states"][3].update({"conditions_weight": 0.0, "exposure": {}})
    d["states"].append({"name": "France", "bloc": "western"})
    s = loading.load(write(tmp_path / "x.yaml", d))
    de, fr = s.states[3], s.states[4]
    assert (de.conditions_weight, de.migration_concern, de.exposure) == (0.0, 0.4, {})
    assert (fr.conditions_weight, fr.migration_concern, fr.exposure) == (0.9, 0.5, {"ISK": 0.2})
    assert s.states[0].conditions_weight == 0.0 and s.states[0].migration_concern == 0.0


def test_a_bad_bloc_default_exposure_group_is_reported(tmp_path):
    d = base()
    d["bloc_defaults"] = {"western": {"exposure": {"al-Qaeda": 0.2}}}
    f = write(tmp_path / "x.yaml", d)
    err = load_error(f)
    assert err.file == str(f)
    assert err.path in ("bloc_defaults.western.exposure.al-Qaeda", "states[3].exposure.al-Qaeda")
    assert "must name a militant group" in err.message and "'al-Qaeda'" in err.message


# ------------------------------------------------------------------------------------ paths
@pytest.fixture(scope="module")
def baseline():
    return loading.load(ROOT / "scenarios" / "baseline.yaml")


def test_selector_sets_every_matching_state(baseline):
    western = [x.name for x in baseline.states if x.bloc == "western"]
    assert len(western) > 1
    s2 = references.apply(baseline, "states[bloc=western].conditions_weight", 0.123)
    for old, new in zip(baseline.states, s2.states, strict=True):
        if old.bloc == "western":
            assert new.conditions_weight == 0.123
        else:
            assert new.conditions_weight == old.conditions_weight
        assert new.model_dump(exclude={"conditions_weight"}) == old.model_dump(exclude={"conditions_weight"})
    assert all(x.conditions_weight != 0.123 for x in baseline.states)  # the original is unchanged


def test_selector_by_name_and_by_index(tiny):
    s2 = references.apply(tiny, "states[name=tajikistan].resistance_support", 0.1)
    assert [x.resistance_support for x in s2.states] == [0.0, 0.0, 0.1, 0.0]
    s3 = references.apply(tiny, "missions[-1].revenue", 2.0)
    assert [m.revenue for m in s3.missions] == [1.0, 1.0, 1.0, 1.0, 2.0]
    s4 = references.apply(tiny, "states[name=China].exposure.ISK", 0.9)
    assert s4.states[1].exposure == {"ISK": 0.9}


@pytest.mark.parametrize(
    "path, where",
    [
        ("states[bloc=martian].conditions_weight", "states[bloc=martian]"),
        ("states[name=Atlantis].level", "states[name=Atlantis]"),
        ("missions[99].revenue", "missions[99]"),
        ("taliban.nosuch", "nosuch"),
    ],
)
def test_a_path_that_matches_nothing_raises(tiny, path, where):
    with pytest.raises(paths.PathError, match="matches nothing") as info:
        references.apply(tiny, path, 0.5)
    assert where in str(info.value) and path in str(info.value)


@pytest.mark.parametrize("path", ["", "states[]", "states[name=A", "1abc.x", "states[a b]"])
def test_a_malformed_path_raises(tiny, path):
    with pytest.raises(paths.PathError):
        references.apply(tiny, path, 0.5)


def test_apply_rechecks_ranges(tiny):
    with pytest.raises(ValueError, match="must be between 0 and 1"):
        references.apply(tiny, "states[bloc=western].conditions_weight", 1.5)


# ------------------------------------------------------------------------------------ shipped scenarios
@pytest.mark.parametrize("path", [*SCENARIOS, DATA / "tiny.yaml", DATA / "tiny_child.yaml"], ids=lambda p: p.name)
def test_every_scenario_validates_and_runs_three_months(path):
    s = loading.load(path)
    short = references.apply(s, "horizon_months", 3)
    model = RecognitionModel(short, seed=0)
    model.run()
    assert model.month == 3
    assert not model.running


def test_scenario_folder_is_not_empty():
    assert len(SCENARIOS) >= 9
    assert ROOT / "scenarios" / "baseline.yaml" in SCENARIOS


def test_a_parents_value_made_invalid_by_its_child_names_both_files(tmp_path):
    """from_2021 schedules an event in month 7; a child that shortens the horizon to 6 breaks it.
    The value lies in the parent (named first, with its key) but the file to change may be the
    child, which the line names too."""
    child = tmp_path / "short.yaml"
    child.write_text(f"extends: {ROOT / 'scenarios' / 'from_2021.yaml'}\nname: short\nhorizon_months: 6\n")
    with pytest.raises(ScenarioError) as info:
        loading.load(child)
    err = info.value
    assert err.file == str(ROOT / "scenarios" / "from_2021.yaml") and err.path.startswith("events[")
    assert err.message.endswith(f"(in {child}, which extends it)") and "\n" not in str(err)
