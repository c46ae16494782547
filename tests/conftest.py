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
