"""``recogsim explore``: everything checked before the server starts; each refusal one line, exit 2.
(The page itself, served, is tested in a real browser: tests/page/test_browser.py.)"""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

DATA = Path(__file__).parents[1] / "data"


def _one_line(err: str) -> str:
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and "Traceback" not in err, err
    return lines[0]


def test_a_bad_scenario_is_refused(run_cli, tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\nhorizon_months: -3\n")
    rc, err = run_cli(["explore", bad])
    assert rc == 2 and str(bad) in _one_line(err)


def test_a_missing_scenario_is_refused(run_cli, tmp_path: Path) -> None:
    rc, err = run_cli(["explore", tmp_path / "none.yaml"])
    assert rc == 2 and "none.yaml" in _one_line(err)


def test_no_scenario_and_none_here_is_refused(run_cli, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    rc, err = run_cli(["explore"])
    assert rc == 2 and "expected a scenario" in _one_line(err)


def test_a_port_in_use_is_refused(run_cli) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        rc, err = run_cli(["explore", DATA / "tiny.yaml", "--port", port])
    assert rc == 2 and f"127.0.0.1:{port} is in use" in _one_line(err)


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (["--port", "0"], "port number from 1 to 65535"),
        (["--port", "http"], "port number"),
        (["--host", "no such host.invalid"], "--host"),
    ],
)
def test_bad_addresses_are_refused(run_cli, flags: list[str], message: str) -> None:
    rc, err = run_cli(["explore", DATA / "tiny.yaml", *flags])
    assert rc == 2 and message in _one_line(err)
