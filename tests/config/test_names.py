"""Names: scenario and experiment names name folders, so they are identifiers; state, group and
post names name columns and are matched by selectors, so they must differ in more than case,
accents, spaces and punctuation."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from recogsim.config import experiment, loading
from recogsim.config.fields import MAX_NAME, slug
from recogsim.errors import InputError

DATA = Path(__file__).resolve().parents[1] / "data"


def tiny() -> dict:
    return yaml.safe_load((DATA / "tiny.yaml").read_text())


def error_of(tmp_path: Path, data: dict) -> InputError:
    f = tmp_path / "s.yaml"
    f.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False))
    with pytest.raises(InputError) as info:
        loading.load(f)
    err = info.value
    assert err.file == str(f) and "\n" not in str(err)
    return err


@pytest.mark.parametrize("name", ["../../escape", "", ".", "..", "a/b", "a\0b", ".hidden", "-flag", "a b", "x" * 81])
def test_a_scenario_name_that_is_not_an_identifier_is_refused(tmp_path, name):
    err = error_of(tmp_path, {**tiny(), "name": name})
    assert err.path == "name"
    assert "letters, digits" in err.message and "got" in err.message


@pytest.mark.parametrize("name", ["baseline", "tajik_deal", "v1.2-b", "_x", "x" * MAX_NAME])
def test_identifiers_are_accepted(tmp_path, name):
    f = tmp_path / "s.yaml"
    f.write_text(yaml.safe_dump({**tiny(), "name": name}))
    assert loading.load(f).name == name


def test_an_experiment_name_that_is_not_an_identifier_is_refused(tmp_path):
    (tmp_path / "tiny.yaml").write_text((DATA / "tiny.yaml").read_text())
    exp = tmp_path / "e.yaml"
    exp.write_text(
        yaml.safe_dump(
            {
                "name": "../out",
                "scenario": "tiny.yaml",
                "replications": 1,
                "design": {"kind": "grid"},
                "parameters": [{"path": "taliban.lobbying", "values": [0.2, 0.4]}],
            }
        )
    )
    with pytest.raises(InputError) as info:
        experiment.load(exp)
    assert info.value.file == str(exp) and info.value.path == "name" and "'../out'" in info.value.message


@pytest.mark.parametrize(
    "section, i, name, first",
    [
        ("states", 1, "pakistan", "Pakistan"),  # case
        ("states", 1, "PAKISTAN", "Pakistan"),
        ("militants", 1, "isk", "ISK"),  # strength_isk twice
        ("missions", 1, "islamabad embassy", "Islamabad embassy"),
        ("missions", 1, "Islamabad-Embassy", "Islamabad embassy"),  # punctuation
    ],
)
def test_names_that_differ_only_in_case_or_punctuation_are_refused(tmp_path, section, i, name, first):
    data = tiny()
    data[section][i]["name"] = name
    if section == "states":  # keep the rest of the file pointing at names that exist
        data = yaml.safe_load(yaml.safe_dump(data).replace("China", name))
    if section == "militants":
        data = yaml.safe_load(yaml.safe_dump(data).replace("TTP", name))
    err = error_of(tmp_path, data)
    assert err.path == f"{section}[{i}].name"
    assert repr(first) in err.message and "case" in err.message


def test_names_whose_column_slugs_collide_are_refused(tmp_path):
    data = yaml.safe_load(yaml.safe_dump(tiny()).replace("China", "Côte d'Ivoire").replace("Germany", "Cote d Ivoire"))
    assert slug("Côte d'Ivoire") == slug("Cote d Ivoire") == "cote_d_ivoire"
    err = error_of(tmp_path, data)
    assert err.path == "states[3].name" and "max_level_cote_d_ivoire" in err.message


@pytest.mark.parametrize("name", [" Pakistan ", "Pakistan ", "Paki\nstan", "Paki\0stan", "???", "x" * 5000])
def test_a_padded_empty_or_control_character_name_is_refused(tmp_path, name):
    data = yaml.safe_load(yaml.safe_dump(tiny()).replace("China", "PLACEHOLDER"))
    data["states"][1]["name"] = name
    data = yaml.safe_load(yaml.safe_dump(data, allow_unicode=True).replace("PLACEHOLDER", "China"))
    err = error_of(tmp_path, data)
    assert err.path == "states[1].name" and "letter or digit" in err.message
    assert len(str(err)) < 400  # a 5,000-character name is shown cut, not in full


def test_slugs_are_plain_ascii_column_names():
    assert slug("Türkiye") == "turkiye"
    assert slug("Bosnia & Herzegovina") == "bosnia_herzegovina"
    assert slug("  Saudi  Arabia ") == "saudi_arabia"
