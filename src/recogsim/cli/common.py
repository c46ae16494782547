"""What every ``recogsim`` subcommand shares: exit status, one-line usage errors, flag types, saving figures."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import NoReturn

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


class _Parser(argparse.ArgumentParser):
    """argparse that reports a usage error in one line (the house rule for bad input)."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_INPUT, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def _save(fig, path: Path) -> Path:
    import matplotlib.pyplot as plt

    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120, bbox_inches="tight")
    plt.close(fig)
    return path
