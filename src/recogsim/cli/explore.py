"""``recogsim explore``: the interactive page, served by Solara on this machine.

Everything the server needs is checked here first (the scenario, the address, that Solara is
installed), with the usual one-line errors; then ``solara run recogsim.page.app`` serves the page
in production mode (its JavaScript from the installed ``solara-assets``, nothing from the network)
until Ctrl-C. The page opens only folders inside the working directory it is started from.
"""

from __future__ import annotations

import argparse
import errno
import importlib.util
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

from ..config.loading import load
from ..errors import InputError

APP = "recogsim.page.app"


def add_parser(sub) -> None:
    e = sub.add_parser("explore", help="the interactive page in the browser: one run, an ensemble, results folders")
    e.add_argument(
        "scenario",
        nargs="?",
        type=Path,
        default=None,
        metavar="SCENARIO",
        help="the scenario the page opens with (default: scenarios/baseline.yaml, or the first in scenarios/)",
    )
    e.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1: this machine only)")
    e.add_argument("--port", type=_port, default=8765, help="port to listen on (default 8765)")


def _port(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a port number from 1 to 65535, got {text!r}") from None
    if not 1 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"expected a port number from 1 to 65535, got {port}")
    return port


def check_address(host: str, port: int) -> None:
    """A one-line error unless the server can listen on ``host:port`` now."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        raise InputError(None, "--host", f"expected an address of this machine, got {host!r}") from None
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(address)
        except OSError as exc:
            if exc.errno == errno.EADDRNOTAVAIL:
                raise InputError(None, "--host", f"expected an address of this machine, got {host!r}") from None
            why = "is in use" if exc.errno == errno.EADDRINUSE else f"cannot be used ({exc.strerror})"
            raise InputError(None, "--port", f"{host}:{port} {why}; choose another --port") from None


def cmd_explore(args: argparse.Namespace) -> int:
    root = Path.cwd().resolve()
    scenario = args.scenario
    if scenario is not None:
        load(scenario)  # a bad scenario is a one-line error here, not a broken page
        scenario = scenario.resolve()
    elif not any((root / "scenarios").glob("*.yaml")):
        raise InputError(
            str(root / "scenarios"), "SCENARIO", "expected a scenario: give one, or start where scenarios/ holds some"
        )
    if importlib.util.find_spec("solara") is None:
        raise InputError(None, None, "the page needs Solara, which is not installed here: run `make install`")
    check_address(args.host, args.port)
    env = {
        **os.environ,
        "RECOGSIM_EXPLORE_ROOT": str(root),
        "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "false",
        "MPLBACKEND": "Agg",
        # Solara warns on every page load at an address other than "localhost" that it cannot set a
        # cross-site cookie without https; the page is not embedded anywhere, so the warning says nothing
        "PYTHONWARNINGS": "ignore:Cookies with samesite:UserWarning",
    }
    if scenario is not None:
        env["RECOGSIM_EXPLORE_SCENARIO"] = str(scenario)
    argv = [sys.executable, "-m", "solara", "run", APP, "--host", args.host, "--port", str(args.port)]
    argv += ["--production", "--no-open", "--log-level", "warning"]
    shown = f"[{args.host}]" if ":" in args.host else args.host  # an IPv6 address in a URL
    print(f"recogsim explore: serving http://{shown}:{args.port}/ (Ctrl-C stops it)", flush=True)
    with subprocess.Popen(argv, env=env) as server:
        # a SIGTERM to this process (a service manager, a test stopping it) stops the server too
        stopping: list[bool] = []

        def stop(*_: object) -> None:
            stopping.append(True)
            server.terminate()

        previous = signal.signal(signal.SIGTERM, stop)
        try:
            code = server.wait()
            if stopping:
                print("recogsim explore: stopped", file=sys.stderr)
            return 0 if stopping else code
        except KeyboardInterrupt:  # Ctrl-C reaches the server too: let it stop, then say so
            server.wait()
            print("recogsim explore: stopped", file=sys.stderr)
            return 0
        finally:
            signal.signal(signal.SIGTERM, previous)
