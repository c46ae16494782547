"""The page in a real browser, for its test and the README's screenshots: ``recogsim explore``
served on a free port, and Debian's Chromium driven by Playwright.

Playwright never downloads a browser here: it launches ``/usr/bin/chromium`` (the Makefile
installs Debian's package), headless, with the flags that keep it off the network (this machine
refuses outside connections; without them Chromium keeps trying).
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

CHROMIUM = "/usr/bin/chromium"
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)
START_SECONDS = 60.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def serve(root: Path, scenario: Path | None = None) -> Iterator[str]:
    """``recogsim explore [scenario]`` started in ``root`` on a free port; yields its address once
    it answers, and stops it on the way out."""
    port = free_port()
    argv = [sys.executable, "-m", "recogsim", "explore", *([str(scenario)] if scenario else []), "--port", str(port)]
    env = {**os.environ, "MPLBACKEND": "Agg"}
    with subprocess.Popen(
        argv, cwd=root, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True
    ) as server:
        try:
            deadline = time.monotonic() + START_SECONDS
            while True:
                if server.poll() is not None:
                    out = server.stdout.read().decode() if server.stdout else ""
                    raise RuntimeError(f"recogsim explore stopped with status {server.returncode}: {out[-2000:]}")
                with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
                if time.monotonic() > deadline:
                    raise RuntimeError(f"recogsim explore did not answer on port {port} in {START_SECONDS:.0f} s")
                time.sleep(0.2)
            yield f"http://127.0.0.1:{port}"
        finally:  # the command and its Solara server: their own process group
            with contextlib.suppress(ProcessLookupError):
                os.killpg(server.pid, signal.SIGTERM)
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)


@contextlib.contextmanager
def chromium() -> Iterator[Any]:
    """A headless Chromium (Debian's) under Playwright."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=list(FLAGS))
        try:
            yield browser
        finally:
            browser.close()


# ---------------------------------------------------------------- what a person does on each view
TIMEOUT_MS = 60_000


def step_months(page: Any, url: str, months: int) -> None:
    """Open the one-run view and press Step ``months`` times, each time until the month shows."""
    page.goto(url + "/")
    step = page.get_by_role("button", name="Step", exact=True)
    step.wait_for(timeout=TIMEOUT_MS)
    for month in range(1, months + 1):
        step.click()
        page.get_by_text(f"Step: {month}", exact=True).wait_for(timeout=TIMEOUT_MS)


def run_ensemble(page: Any, url: str, replications: int) -> None:
    """Open the ensemble view, ask for ``replications`` runs of the first scenario and run them."""
    page.goto(url + "/ensemble")
    page.get_by_role("button", name="Run ensemble").wait_for(timeout=TIMEOUT_MS)
    page.get_by_label("Replications").fill(str(replications))
    page.get_by_role("button", name="Run ensemble").click()
    page.get_by_role("button", name="Download the results (zip)").wait_for(timeout=TIMEOUT_MS)


def open_results(page: Any, url: str, folder: str) -> None:
    """Open the results view and a folder in it by name."""
    page.goto(url + "/results")
    page.get_by_role("button", name="Open", exact=True).wait_for(timeout=TIMEOUT_MS)
    page.get_by_label("Folder (inside the working directory)").fill(folder)
    page.get_by_role("button", name="Open", exact=True).click()
