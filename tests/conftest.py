"""Shared test helpers: the command line run in this process."""

from __future__ import annotations

import contextlib
import io
from collections.abc import Callable

import pytest

from recogsim import cli


def _run_cli(argv: list) -> tuple[int, str]:
    """Run ``recogsim argv`` in this process; its exit status and what it wrote on stderr."""
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        try:
            rc = cli.main([str(a) for a in argv])
        except SystemExit as exc:
            rc = exc.code
    return rc, err.getvalue()


@pytest.fixture
def run_cli() -> Callable[[list], tuple[int, str]]:
    return _run_cli


def _interrupt_after(runs: int) -> Callable[[int], None]:
    """An ``on_result`` callback that stops a run with KeyboardInterrupt once ``runs`` are done
    (as Ctrl-C would), for tests of interrupted folders."""

    def stop(done: int) -> None:
        if done >= runs:
            raise KeyboardInterrupt

    return stop


@pytest.fixture
def interrupt_after() -> Callable[[int], Callable[[int], None]]:
    return _interrupt_after
