"""Hostile and oversized YAML is refused early, in one line: files over the size limit, alias
bombs, nesting that would crash the parser; and numbers that YAML 1.1 reads as text or truth
values are refused with the reason."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from recogsim.config import loading
from recogsim.errors import ScenarioError

DATA = Path(__file__).resolve().parents[1] / "data"


def refused(path: Path) -> ScenarioError:
    with pytest.raises(ScenarioError) as info:
        loading.load(path)
    assert info.value.file == str(path) and "\n" not in str(info.value)
    return info.value


def test_a_file_over_the_size_limit_is_refused_before_it_is_parsed(tmp_path):
    f = tmp_path / "big.yaml"
    f.write_text("name: big\nx: [" + ",".join(["1"] * (loading.MAX_BYTES // 2 + 10)) + "]\n")
    started = time.perf_counter()
    err = refused(f)
    assert "file too large" in err.message and f"{f.stat().st_size:,} bytes" in err.message
    assert time.perf_counter() - started < 1.0  # refused from its size, not parsed


def test_an_alias_bomb_is_refused_before_it_is_expanded(tmp_path):
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for prev, name in zip("abcdefgh", "bcdefghi", strict=True):
        lines.append(f"{name}: &{name} [{','.join([f'*{prev}'] * 9)}]")
    f = tmp_path / "bomb.yaml"
    f.write_text("name: bomb\nstart: '2023-04'\n" + "\n".join(lines) + "\n")
    assert f.stat().st_size < 1000
    err = refused(f)
    assert "once aliases (*name) are expanded" in err.message and f"{loading.MAX_NODES:,}" in err.message


def test_a_few_aliases_are_fine(tmp_path):
    text = (DATA / "tiny.yaml").read_text()
    text = text.replace("exposure: {TTP: 1.0, ISK: 0.5}", "exposure: &shared {TTP: 1.0, ISK: 0.5}")
    text = text.replace("exposure: {ISK: 0.3}", "exposure: *shared")
    f = tmp_path / "aliases.yaml"
    f.write_text(text)
    states = {s.name: s for s in loading.load(f).states}
    assert states["China"].exposure == states["Pakistan"].exposure == {"TTP": 1.0, "ISK": 0.5}


def test_a_recursive_anchor_is_refused(tmp_path):
    f = tmp_path / "loop.yaml"
    f.write_text("name: loop\na: &a [1, *a]\n")
    assert "invalid YAML" in refused(f).message


@pytest.mark.parametrize(
    "text", ["a: " + "[" * 100_000 + "]" * 100_000, "x:\n" + "".join(f"{'  ' * i}a:\n" for i in range(1, 990))]
)
def test_deep_nesting_is_refused_not_a_crash(tmp_path, text):
    f = tmp_path / "deep.yaml"
    f.write_text(text)
    assert "nested too deeply" in refused(f).message


def test_a_folder_is_not_a_file(tmp_path):
    assert "got a folder" in refused(tmp_path).message


def test_a_device_or_pipe_is_refused_before_it_is_read(tmp_path):
    """/dev/zero has no size to check and never ends (read whole, it filled the machine's memory);
    a pipe would wait for a writer."""
    pipe = tmp_path / "pipe.yaml"
    os.mkfifo(pipe)
    for path in (Path("/dev/zero"), pipe):
        assert "got a device, pipe or socket" in refused(path).message


def test_a_file_whose_size_lies_is_read_no_further_than_the_limit(tmp_path, monkeypatch):
    """A file reporting a size within the limit (as /proc's report 0) is still read at most one
    byte past it."""
    f = tmp_path / "grows.yaml"
    f.write_text("name: big\nx: [" + ",".join(["1"] * (loading.MAX_BYTES // 2 + 10)) + "]\n")
    real_stat = Path.stat

    def small(self, *args, **kwargs):
        st = real_stat(self, *args, **kwargs)
        return os.stat_result((st.st_mode, *st[1:6], 0, *st[7:])) if self == f else st

    monkeypatch.setattr(Path, "stat", small)
    assert "file too large" in refused(f).message


def with_rules(tmp_path: Path, rules_text: str) -> Path:
    text = (DATA / "tiny.yaml").read_text().replace("world:", f"rules:\n{rules_text}\nworld:", 1)
    f = tmp_path / "s.yaml"
    f.write_text(text)
    return f


@pytest.mark.parametrize(
    "rules, path, words",
    [
        ("  w_security: 5e-1", "rules.w_security", ["'5e-1'", "YAML 1.1", "5.0e-1"]),
        ("  w_security: '0.5'", "rules.w_security", ["'0.5'", "quoted"]),
        ("  rate_up: yes", "rules.rate_up", ["True", "truth values"]),
        (
            "  thresholds: {engaged: '1.0', hosts_diplomats: 3, de_facto: 7.5, de_jure: 10.5}",
            "rules.thresholds.engaged",
            ["'1.0'", "quoted"],
        ),
        (
            "  thresholds: {engaged: true, hosts_diplomats: 3, de_facto: 7.5, de_jure: 10.5}",
            "rules.thresholds.engaged",
            ["True", "truth values"],
        ),
        ("  condition_shares: {womens_rights: '0.5'}", "rules.condition_shares.womens_rights", ["quoted"]),
    ],
)
def test_numbers_that_yaml_reads_as_text_or_truth_values_are_refused_with_the_reason(tmp_path, rules, path, words):
    f = with_rules(tmp_path, rules)
    err = refused(f)
    assert err.path == path, str(err)
    for w in words:
        assert w in err.message, err.message


def test_an_exponent_with_a_dot_is_a_number(tmp_path):
    assert loading.load(with_rules(tmp_path, "  w_security: 5.0e-1")).rules.w_security == 0.5
