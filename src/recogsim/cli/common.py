"""What every ``recogsim`` subcommand shares: exit status, one-line usage errors, flag types, saving figures."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import NoReturn

from ..errors import InputError
from ..runs.executors import available_cores
from ..runs.store import atomic_write

EXIT_INPUT = 2


def _at_least(minimum: int):
    """An argparse type for whole numbers >= ``minimum``, with a one-line message otherwise."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be at least {minimum}, got {value}")
        return value

    return parse


_positive, _non_negative = _at_least(1), _at_least(0)


def out_path(text: str) -> Path:
    """A place to write, its ``..`` taken by the text (``a/b/../c`` is ``a/c``): creating the
    folders on the way would otherwise make ``a/b`` too, outside the place asked for."""
    return Path(os.path.normpath(text)) if text else Path(text)


class _Parser(argparse.ArgumentParser):
    """argparse that reports a usage error in one line (the house rule for bad input)."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_INPUT, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def add_workers(parser: argparse.ArgumentParser, what: str = "runs") -> None:
    """``--workers`` as every command reads it: local processes, 0 = every core, capped at the cores."""
    parser.add_argument(
        "--workers",
        type=_workers,
        default=0,
        metavar="N",
        help=f"local processes for the {what}; 0 = every core of this machine ({available_cores()} here); "
        "more than the cores is capped with a warning (default 0)",
    )


def _workers(text: str) -> int:
    n = _non_negative(text)
    cores = available_cores()
    if n > cores:
        print(
            f"recogsim: warning: --workers {n} is more than this machine's {cores} cores; using {cores}",
            file=sys.stderr,
        )
        return cores
    return n


ENGINES = ("auto", "mesa", "batch")
"""The engines (``runs.plan.ENGINES``, spelled here for the parser and its --help)."""


def add_engine(parser: argparse.ArgumentParser, default: str | None = "auto", what: str = "") -> None:
    """``--engine`` as ``run``, ``sweep`` and ``calibrate`` read it."""
    parser.add_argument(
        "--engine",
        choices=ENGINES,
        default=default,
        help="simulation engine: mesa (the reference), batch (many replications at once as arrays), auto "
        f"(batch where it is supported, else mesa){what} (default {default or 'the experiment key engine, else auto'})",
    )


def add_seed(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--seed", type=_non_negative, default=0, help="root seed of every random draw (default 0)")


def _save(fig, path: Path, flag: str = "-o") -> Path:
    """Save a figure whole or not at all (written aside, then renamed); a place it cannot go is a
    one-line error naming it."""
    import matplotlib.pyplot as plt

    try:
        if path.is_dir():
            raise InputError(str(path), flag, "expected a file name, found a folder")
        fmt = path.suffix.lstrip(".").lower()
        atomic_write(path, lambda tmp: fig.savefig(tmp, format=fmt, dpi=120, bbox_inches="tight"))
    except (FileExistsError, NotADirectoryError):
        raise InputError(str(path), flag, "cannot write the figure there (a file is in the way on its path)") from None
    except OSError as exc:
        reason = exc.strerror.lower() if exc.strerror else exc.__class__.__name__
        raise InputError(str(path), flag, f"cannot write the figure there ({reason})") from None
    finally:
        plt.close(fig)
    return path
