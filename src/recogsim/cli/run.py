"""``recogsim run``: scenarios as ensembles, each into its own results folder, replaced whole.

A scenario's folder is built beside its place (``--out/.NAME.partial``), runs, tables and plots
together, and swapped in when complete: a second ``run`` replaces the first's folder in one step,
and an interrupted one leaves the old folder as it was and its own runs for ``--resume``. A lock
per scenario (``--out/.NAME.lock``, there while it runs) keeps two processes from building one
folder at once. Every
folder is checked before the first run starts.
"""

from __future__ import annotations

import argparse
import contextlib
import shutil
import sys
from pathlib import Path

from ..analysis.summary import summary_table
from ..config.loading import load as load_scenario
from ..config.schema import Scenario
from ..errors import InputError
from ..plots.kinds import ENSEMBLE_KINDS, FAN_SERIES
from ..runs import plan as plans
from ..runs.folders import check_folder, check_writable, locked, replace_folder
from ..runs.runner import run_ensemble_to
from ..runs.store import EnsembleResult, load_results, read_manifest
from .common import _positive, _save, add_engine, add_seed, add_workers, out_path

DEFAULT_PLOTS = tuple(ENSEMBLE_KINDS)
COMPARISON = "comparison"
"""The folder of plots comparing several scenarios, beside theirs."""
TABLES = ("runs", "series", "states", "missions", "parameters")


def add_parser(sub: argparse._SubParsersAction) -> None:
    run = sub.add_parser("run", help="run scenarios as ensembles and write results, a summary and plots")
    run.add_argument("scenarios", nargs="+", metavar="SCENARIO")
    run.add_argument(
        "-n", "--replications", type=_positive, default=100, metavar="REPS", help="runs per scenario (default 100)"
    )
    add_seed(run)
    add_workers(run)
    add_engine(run)
    run.add_argument(
        "--out", type=out_path, default=Path("results"), help="results root, one folder per scenario (default results)"
    )
    run.add_argument(
        "--resume",
        action="store_true",
        help="finish or reuse the same runs in --out/NAME instead of replacing the folder (default: replace)",
    )
    run.add_argument("--no-plots", action="store_true", help="write results and summary only (default: plots too)")


def cmd_run(args: argparse.Namespace) -> int:
    scenarios = [load_scenario(path) for path in args.scenarios]  # validate all before running any
    names = [s.name for s in scenarios]
    dupes = {n for n in names if names.count(n) > 1}
    if dupes:
        raise InputError(
            None,
            None,
            f"two scenarios share the name {sorted(dupes)[0]!r}; "
            "results folders are named after scenarios, so names must differ",
        )
    if len(scenarios) > 1 and COMPARISON in names:
        raise InputError(
            None, None, f"a scenario named {COMPARISON!r} would share its folder with the plots comparing scenarios"
        )
    root: Path = args.out
    made = [p for p in (root, *root.parents) if not p.exists()]  # deepest first
    try:
        return _run_all(scenarios, names, args, root)
    except InputError:  # bad input found during the runs: folders made for them go too, if empty
        for folder in made:
            with contextlib.suppress(OSError):
                folder.rmdir()
        raise


def _run_all(scenarios: list[Scenario], names: list[str], args: argparse.Namespace, root: Path) -> int:
    with locked(root, "--out"):  # created if need be; the lock on the root is held only for these checks
        check_writable(root, "--out")
        for scen in scenarios:  # fail before hours of work, not after
            _replaceable(root / scen.name)
            plans.check_fits(plans.ensemble(scen, args.replications, args.seed, args.engine), None, "--replications")
            if _finished(scen, args):  # to be reused: it must read back, before another scenario runs
                load_results(root / scen.name)
        if len(scenarios) > 1 and not args.no_plots:
            _plots_replaceable(root / COMPARISON)
    with contextlib.ExitStack() as stack:
        for name in [*names, *([COMPARISON] if len(names) > 1 else [])]:
            stack.enter_context(_name_lock(root, name))
        built: dict[str, tuple[Path, bool]] = {}
        results: dict[str, EnsembleResult] = {}
        for scen in scenarios:
            folder, fresh = _build(scen, args)
            built[scen.name] = (folder, fresh)
            results[scen.name] = load_results(folder, only=("runs", "parameters") if args.no_plots else None)
        print(summary_table(results))
        plots: list[Path] = []
        if not args.no_plots:
            plots = _plots(results, root, built)
        for name, (folder, fresh) in built.items():
            if fresh:
                replace_folder(folder, root / name)
            held = [t for t in TABLES if (root / name / f"{t}.parquet").exists()]
            print(
                f"{'wrote' if fresh else 'reused'} {root / name}/ ({', '.join([*held, 'manifest'])})", file=sys.stderr
            )
        for path in plots:
            print(f"wrote {path}", file=sys.stderr)
    return 0


def _stage(root: Path, name: str) -> Path:
    return root / f".{name}.partial"


@contextlib.contextmanager
def _name_lock(root: Path, name: str):
    """The lock of one scenario's folder: on a small file beside it that is never moved (the folder
    itself is swapped, so a lock on it would not exclude a process that came after the swap): an
    empty folder, as :func:`.folders.locked` locks folders, removed when the run ends."""
    with locked(root / f".{name}.lock", "--out", remove=True) as held:
        yield held


def _replaceable(final: Path) -> None:
    """A folder ``run`` may replace: absent, or an ensemble's results. A sweep's folder, or one that
    holds files of the user's own, is never touched."""
    if final.exists() and not final.is_dir():
        raise InputError(str(final), "--out", "expected a results folder, found a file")
    if not final.is_dir() or not any(final.iterdir()):
        return
    if not (final / "manifest.json").exists():
        raise InputError(
            str(final), "--out", "folder holds files but no results manifest; it is not replaced: choose another --out"
        )
    kind = read_manifest(final).get("kind")
    if kind != "ensemble":
        raise InputError(
            str(final), "--out", f"holds the results of a {kind}, which run never replaces; choose another --out"
        )


def _plots_replaceable(final: Path) -> None:
    """The folder of plots comparing scenarios may be replaced only if it holds nothing but such
    plots (an earlier run's): a file of the user's own there is never deleted."""
    if final.exists() and not final.is_dir():
        raise InputError(str(final), "--out", "expected the folder of plots comparing scenarios, found a file")
    ours = {name for name, _, _ in default_plot_names()}
    theirs = (
        sorted(p.name for p in final.iterdir() if p.name not in ours and not _metadata(p.name))
        if final.is_dir()
        else []
    )
    if theirs:
        raise InputError(
            str(final),
            "--out",
            f"expected only the plots comparing scenarios, found {theirs[0]!r}"
            f"{f' and {len(theirs) - 1} more' if len(theirs) > 1 else ''}; it is not replaced: choose another --out",
        )


def _finished(scen: Scenario, args: argparse.Namespace) -> bool:
    """Whether ``--resume`` reuses this scenario's folder as it is: finished runs of the same
    runs, and no unfinished runs aside; a folder of other runs is refused (one line)."""
    final, stage = args.out / scen.name, _stage(args.out, scen.name)
    if not args.resume or (stage / "manifest.json").exists() or not (final / "manifest.json").exists():
        return False
    plan = plans.ensemble(scen, args.replications, args.seed, args.engine)
    plan.adopt_engine(read_manifest(final))
    meta = plan.manifest()
    return check_folder(final, meta, plans.IDENTITY, True, "--resume", plans.IDENTITY_DEFAULTS) == "complete"


def _metadata(name: str) -> bool:
    """A file a file manager leaves in a folder someone looked at (``.DS_Store``, ``Thumbs.db``):
    not the user's work, replaced with the plots."""
    return name.startswith(".") or name in ("Thumbs.db", "desktop.ini")


def _build(scen: Scenario, args: argparse.Namespace) -> tuple[Path, bool]:
    """The folder holding this scenario's runs, and whether it is new (to be swapped in). With
    ``--resume``: an unfinished run of the same runs is finished, else a finished folder of the
    same runs is reused (other runs are refused); without, the runs are made afresh beside the old
    folder."""
    final, stage = args.out / scen.name, _stage(args.out, scen.name)
    if _finished(scen, args):
        return final, False
    if args.resume and not (stage / "manifest.json").exists() and (final / "manifest.json").exists():
        final.rename(stage)  # unfinished in place (written by an older recogsim): finish it aside
    elif not args.resume and stage.exists():
        shutil.rmtree(stage)  # an unfinished run the user chose not to resume
    run_ensemble_to(
        scen, args.replications, stage, seed=args.seed, workers=args.workers, resume=args.resume, engine=args.engine
    )
    return stage, True


def _plots(results: dict[str, EnsembleResult], root: Path, built: dict[str, tuple[Path, bool]]) -> list[Path]:
    """One scenario: plots inside its folder (built with it, or replaced whole beside reused
    results); several: the folder ``comparison``, replaced whole."""
    if len(results) == 1:
        name = next(iter(results))
        folder, fresh = built[name]
        if fresh:  # the folder is not in place yet: its plots go in with it
            return [root / name / "plots" / p.name for p in save_default_plots(results, folder / "plots")]
        target, final = folder / ".plots.partial", folder / "plots"
    else:
        target, final = _stage(root, COMPARISON), root / COMPARISON
    if target.exists():
        shutil.rmtree(target)
    written = save_default_plots(results, target)
    replace_folder(target, final)
    return [final / p.name for p in written]


def default_plot_names() -> list[tuple[str, str, str | None]]:
    """(file name, plot kind, series) of every default plot, in the order they are drawn."""
    return [
        (f"fan_{column}.png" if column else f"{kind}.png", kind, column)
        for kind in DEFAULT_PLOTS
        for column in (FAN_SERIES if kind == "fan" else (None,))
    ]


def save_default_plots(results: dict[str, EnsembleResult], target: Path) -> list[Path]:
    """Every default plot of ``results`` into the folder ``target``."""
    from .. import plots  # matplotlib only when plotting

    return [
        _save(plots.plot_kind(kind, results, series=column), target / name)
        for name, kind, column in default_plot_names()
    ]
