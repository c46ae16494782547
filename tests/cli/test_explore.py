"""``recogsim explore``: everything checked before the server starts; each refusal one line, exit 2.
(The page itself, served, is tested in a real browser: tests/page/test_browser.py.)"""

from __future__ import annotations

import contextlib
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from recogsim.page import browser

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
        (["--host", "8.8.8.8"], "--host: expected an address of this machine"),
    ],
)
def test_bad_addresses_are_refused(run_cli, flags: list[str], message: str) -> None:
    rc, err = run_cli(["explore", DATA / "tiny.yaml", *flags])
    assert rc == 2 and message in _one_line(err)


def test_sigterm_stops_the_server_too(tmp_path: Path) -> None:
    """A service manager's SIGTERM to ``recogsim explore`` leaves no Solara server behind."""
    port = browser.free_port()
    argv = [sys.executable, "-m", "recogsim", "explore", str(DATA / "tiny.yaml"), "--port", str(port)]
    with subprocess.Popen(argv, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE) as command:
        deadline = time.monotonic() + browser.START_SECONDS
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
                break
            time.sleep(0.2)
        command.send_signal(signal.SIGTERM)
        assert command.wait(timeout=20) == 0
        assert "stopped" in command.stderr.read().decode() if command.stderr else False
    time.sleep(0.5)
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
