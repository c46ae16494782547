"""``recogsim score``: an ensemble's results against a dated record, fact by fact.

Everything is read and checked (results, record, their fit, the output folder) before anything is
written; then ``scores_<record>.csv`` and ``scores_<record>.png`` go to ``--out`` (default: the
results folder) and the table to the terminal.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from ..analysis.scores import csv_frame, score_results, scores_table
from ..config.observations import load_observations
from ..errors import InputError
from ..runs.store import atomic_write, is_sweep, load_results
from .common import _save, out_path


def add_parser(sub) -> None:
    sc = sub.add_parser(
        "score",
        help="score an ensemble against a dated record: bands, ranks (PIT), Brier and CRPS per fact",
    )
    sc.add_argument("results", type=Path, metavar="RESULTS", help="an ensemble's results folder (recogsim run)")
    sc.add_argument("--observed", required=True, metavar="FILE", help="observation file (the dated record)")
    sc.add_argument("--out", type=out_path, default=None, help="folder for scores_<record>.csv/.png (default: RESULTS)")
    sc.add_argument("--no-plots", action="store_true", help="write the table only (default: plots too)")


def cmd_score(args: argparse.Namespace) -> int:
    if is_sweep(args.results):
        raise InputError(str(args.results), None, "a sweep folder; score takes an ensemble's results (recogsim run)")
    result = load_results(args.results)
    record = load_observations(args.observed)
    scores = score_results(result, record, str(args.observed), where=str(args.results))
    out = args.out if args.out is not None else args.results
    _writable(out)
    if is_sweep(out):
        raise InputError(str(out), "--out", "a sweep's results folder; scores go beside an ensemble's, or elsewhere")
    csv, png = out / f"scores_{record.name}.csv", out / f"scores_{record.name}.png"
    for target in (csv, *([] if args.no_plots else [png])):  # both places checked before either is written
        if target.is_dir():
            raise InputError(str(target), "--out", "expected a file name there, found a folder")
    table = csv_frame(scores)
    out.mkdir(parents=True, exist_ok=True)
    atomic_write(csv, lambda tmp: table.to_csv(tmp, index=False, lineterminator="\n"))
    written = [csv]
    if not args.no_plots:
        from ..plots import scores as splots  # matplotlib only when plotting

        written.append(_save(splots.scores_figure(scores), png, "--out"))
    print(scores_table(scores))
    for path in written:
        print(f"wrote {path}", file=sys.stderr)
    return 0


def _writable(out: Path) -> None:
    """``out`` is a folder that exists or can be made, and can be written."""
    if out.exists() and not out.is_dir():
        raise InputError(str(out), "--out", "expected a folder, got a file")
    probe = out
    while not probe.exists():
        probe = probe.parent
    if not probe.is_dir() or not os.access(probe, os.W_OK | os.X_OK):
        raise InputError(str(out), "--out", f"expected a folder that can be written, but {probe} cannot be")
