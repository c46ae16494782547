"""``recogsim discover``: scenario discovery (PRIM or CART) on a sweep's or an ensemble's runs.

Everything is read and checked first (the folder, the condition, the inputs, the name, the box,
the output folder) and the method run; only then, holding the output folder's lock, are
``discover_<name>.csv`` (and PRIM's ``discover_<name>_trajectory.csv``) and three figures written,
each to a temporary name and renamed. The box is printed as plain sentences.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..analysis.conditions import condition_name
from ..analysis.discovery import RESAMPLES, csv_frame, details, discover, load_inputs, sentence
from ..config.fields import _identifier
from ..errors import InputError
from ..runs.folders import check_writable, locked
from ..runs.store import atomic_write
from .common import _non_negative, _save, add_seed, out_path


def add_parser(sub) -> None:
    d = sub.add_parser(
        "discover",
        help="scenario discovery: which ranges of the inputs hold the runs where a condition holds (PRIM or CART)",
    )
    d.add_argument("results", type=Path, metavar="DIR", help="a sweep folder, or an ensemble folder with uncertain:")
    d.add_argument(
        "--where",
        required=True,
        metavar="EXPR",
        help="required: a condition on run outcomes, e.g. 'first_recognition_month <= 36' or "
        "'de_jure_count >= 1 and max_level_tajikistan >= 2' (comparisons, and, or, not; a null counts as false)",
    )
    d.add_argument("--method", choices=("prim", "cart"), default="prim", help="PRIM boxes or CART rules (default prim)")
    d.add_argument(
        "--inputs",
        nargs="+",
        metavar="PATH",
        default=None,
        help="parameter paths to search (default: every numeric parameter that varies between the runs)",
    )
    d.add_argument("--name", default=None, help="names the files discover_NAME.* (default: a slug of EXPR)")
    d.add_argument(
        "--box",
        type=_non_negative,
        default=None,
        metavar="K",
        help="PRIM: box K of the peeling trajectory; CART: rule K (default: the densest holding at least half "
        "the runs where the condition holds)",
    )
    add_seed(d)
    d.add_argument("--out", type=out_path, default=None, help="folder for the CSV and figures (default: DIR)")
    d.add_argument("--no-plots", action="store_true", help="write the CSV only (default: the figures too)")


def cmd_discover(args: argparse.Namespace) -> int:
    name = args.name if args.name is not None else condition_name(args.where)
    try:
        _identifier(name)
    except ValueError as exc:
        raise InputError(None, "--name", str(exc).replace("results folder", "files")) from None
    inputs = load_inputs(args.results, args.inputs)
    found = discover(inputs, args.where, args.method, box=args.box, seed=args.seed)
    out = args.out if args.out is not None else args.results
    table = csv_frame(found)
    written: list[Path] = []
    with locked(out, "--out"):
        check_writable(out)
        csv = out / f"discover_{name}.csv"
        atomic_write(csv, lambda tmp: table.to_csv(tmp, index=False, lineterminator="\n"))
        written.append(csv)
        if found.method == "prim":
            traj = out / f"discover_{name}_trajectory.csv"
            frame = found.trajectory()
            atomic_write(traj, lambda tmp: frame.to_csv(tmp, index=False, lineterminator="\n"))
            written.append(traj)
        if not args.no_plots:
            written += _figures(found, out, name)
    for note in inputs.notes:
        print(f"note: {note}")
    _report(found, inputs.kind, len(inputs.x.columns))
    for path in written:
        print(f"wrote {path}", file=sys.stderr)
    return 0


def _figures(found, out: Path, name: str) -> list[Path]:
    from ..plots import discovery as dplots  # matplotlib only when plotting

    paths = []
    for kind, draw in (
        ("trajectory", dplots.trajectory),
        ("limits", dplots.limits),
        ("scatter", dplots.scatter),
    ):
        ax = draw(found)
        paths.append(_save(ax.figure, out / f"discover_{name}_{kind}.png", "--out"))  # _save closes it
    return paths


def _report(found, kind: str, n_inputs: int) -> None:
    method = "PRIM" if found.method == "prim" else "CART"
    article = "an" if kind == "ensemble" else "a"
    first, *rest = found.notes or [""]
    inputs = f"{n_inputs} input" + ("s" if n_inputs != 1 else "")
    print(f"{method} on {len(found.y)} runs of {article} {kind}, {inputs}; {first}")
    for note in rest:
        print(f"note: {note}")
    print(sentence(found))
    for line in details(found):
        print(line)
    if found.method == "prim":
        print(
            f"(quasi-p: a one-sided binomial test of each edge; resamples: the same discovery on {RESAMPLES} random "
            "halves of the runs, and how many of them restrict the input again)"
        )
    else:
        for b in found.boxes:
            if b is not found.box:
                print(f"rule {b.id}: {sentence(found, b)}")
