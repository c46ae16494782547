"""``recogsim``: run scenarios as ensembles, run sweeps, analyse and plot results, validate and show files.

Bad input of any kind ends with one line on stderr and exit status 2; results already written
are never removed.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

import yaml

from ..analysis.summary import summary_table
from ..config.loading import load as load_scenario
from ..config.loading import read_yaml
from ..config.observations import load_observations
from ..errors import InputError
from ..plots.kinds import ENSEMBLE_KINDS, SWEEP_KINDS
from ..runs.plan import load_experiment
from ..runs.runner import run_ensemble_to
from ..runs.store import EnsembleResult, drawn_parameters, is_sweep, load_results, load_sweep
from . import calibration, scoring
from .common import EXIT_INPUT, _non_negative, _Parser, _positive, _save

DEFAULT_PLOTS = tuple(ENSEMBLE_KINDS)
SWEEP_PLOTS = tuple(SWEEP_KINDS)
FAN_SERIES = ("countries_taliban_presence", "missions_taliban", "de_jure_count", "legitimacy")


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="recogsim", description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="run scenarios as ensembles and write results, a summary and plots")
    run.add_argument("scenarios", nargs="+", metavar="SCENARIO")
    run.add_argument("-n", "--replications", type=_positive, default=100, metavar="REPS")
    run.add_argument("--seed", type=_non_negative, default=0, help="root seed (default 0)")
    run.add_argument("--workers", type=_non_negative, default=1, help="processes; 0 = every core (default 1)")
    run.add_argument("--out", type=Path, default=Path("results"), help="results root; one folder per scenario")
    run.add_argument(
        "--resume",
        action="store_true",
        help="continue (or reuse) the same runs already in --out/NAME instead of refusing the folder",
    )
    run.add_argument("--no-plots", action="store_true", help="write results and summary only")

    sweep = sub.add_parser("sweep", help="run an experiment's design (resumable; local processes or Dask)")
    sweep.add_argument("experiment", metavar="EXPERIMENT")
    sweep.add_argument("--workers", type=_non_negative, default=0, help="local processes; 0 = every core (default)")
    where = sweep.add_mutually_exclusive_group()
    where.add_argument("--scheduler", metavar="tcp://HOST:8786", help="run on an existing Dask cluster")
    where.add_argument("--dask-local", type=_positive, metavar="N", help="run on a Dask LocalCluster of N workers")
    sweep.add_argument("--out", type=Path, default=None, help="results folder (default results/sweeps/NAME)")
    sweep.add_argument("--resume", action="store_true", help="continue an interrupted sweep in --out")
    sweep.add_argument(
        "--chunk",
        type=_positive,
        default=500,
        metavar="RUNS",
        help="runs per chunk written to disk while running (default 500)",
    )

    analyze = sub.add_parser("analyze", help="per-point summaries and sensitivity indices of a sweep")
    analyze.add_argument("results", type=Path, metavar="DIR")
    analyze.add_argument(
        "--method",
        choices=("sobol", "morris"),
        default=None,
        help="indices to compute (default: the design's own, if sobol or morris)",
    )
    analyze.add_argument(
        "--outcome",
        default="recognized",
        help="run outcome for the indices (default 'recognized': P(de jure recognition))",
    )

    plot = sub.add_parser("plot", help="plot results directories (ensembles) or a sweep folder")
    plot.add_argument("results", nargs="+", type=Path, metavar="RESULTS_DIR")
    kinds = {**SWEEP_KINDS, **ENSEMBLE_KINDS}
    plot.add_argument(
        "--kind",
        required=True,
        choices=sorted(kinds),
        # argparse formats help with %: a description's "50%" must be written "50%%"
        help=("; ".join(f"{k}: {d}" for k, d in sorted(kinds.items())) + " (distribution: either)").replace("%", "%%"),
    )
    plot.add_argument("--series", default=None, help="series column for --kind fan")
    plot.add_argument("--outcome", default="recognized", help="sweep plots: run outcome (default 'recognized')")
    plot.add_argument("--x", default=None, help="sweep plots: parameter on the x axis (default: the first)")
    plot.add_argument("--y", default=None, help="heatmap: parameter on the y axis (default: the second)")
    plot.add_argument("--method", choices=("sobol", "morris"), default=None, help="sensitivity plots")
    plot.add_argument("-o", "--output", type=Path, default=None, help="PNG file (default: <kind>.png here)")

    calibration.add_parser(sub)
    scoring.add_parser(sub)

    val = sub.add_parser("validate", help="check scenario, experiment and observation files")
    val.add_argument("files", nargs="+", metavar="FILE")

    show = sub.add_parser("show", help="print a scenario as resolved after extends and defaults")
    show.add_argument("scenario", metavar="SCENARIO")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        commands = {
            "run": cmd_run,
            "sweep": cmd_sweep,
            "analyze": cmd_analyze,
            "plot": cmd_plot,
            "validate": cmd_validate,
            "show": cmd_show,
            "calibrate": calibration.cmd_calibrate,
            "score": scoring.cmd_score,
        }
        return commands[args.command](args)
    except InputError as err:
        print(f"recogsim: error: {err}", file=sys.stderr)
        return EXIT_INPUT
    except KeyboardInterrupt:
        print("recogsim: interrupted; results already written are kept", file=sys.stderr)
        return 130


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
    for scen in scenarios:  # fail before hours of work, not after
        _writable_folder(args.out, "--out")
        _free_folder(args.out / scen.name, args.resume)
    results: dict[str, EnsembleResult] = {}
    for scen in scenarios:
        out = run_ensemble_to(
            scen, args.replications, args.out / scen.name, seed=args.seed, workers=args.workers, resume=args.resume
        )
        results[scen.name] = load_results(out)
        # what the folder holds: one reused from an older version has no missions table
        held = [n for n in ("runs", "series", "states", "missions", "parameters") if (out / f"{n}.parquet").exists()]
        print(f"wrote {out}/ ({', '.join([*held, 'manifest'])})", file=sys.stderr)
    print(summary_table(results))
    if not args.no_plots:
        for path in save_default_plots(results, args.out):
            print(f"wrote {path}", file=sys.stderr)
    return 0


def _free_folder(path: Path, resume: bool) -> None:
    """A results folder that holds other results is refused before any scenario runs."""
    if (path / "manifest.json").exists() and not resume:
        raise InputError(
            str(path),
            "--out",
            "already holds results; use --resume to continue or reuse them, or choose another folder",
        )


def _writable_folder(path: Path, flag: str) -> None:
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(
            str(path),
            flag,
            f"expected a folder that can be created or written, got {exc.strerror.lower() if exc.strerror else exc}",
        ) from None


def save_default_plots(results: dict[str, EnsembleResult], out: Path) -> list[Path]:
    from .. import plots  # matplotlib only when plotting

    # one scenario: beside its results; several: side by side in a comparison folder
    target = out / next(iter(results)) / "plots" if len(results) == 1 else out / "comparison"
    written = []
    for kind in DEFAULT_PLOTS:
        for column in FAN_SERIES if kind == "fan" else (None,):
            name = f"fan_{column}.png" if column else f"{kind}.png"
            written.append(_save(plots.plot_kind(kind, results, series=column), target / name))
    return written


def cmd_plot(args: argparse.Namespace) -> int:
    from matplotlib.backend_bases import FigureCanvasBase

    from .. import plots

    output = args.output or Path(f"{args.kind}.png")
    formats = FigureCanvasBase.get_supported_filetypes()
    if output.suffix.lstrip(".").lower() not in formats:
        raise InputError(
            str(output),
            "-o",
            f"expected a file ending in one of "
            f"{', '.join('.' + f for f in sorted(formats))}, got {output.suffix or 'no suffix'!r}",
        )
    if any(is_sweep(d) for d in args.results):
        return _plot_sweep(args, output)
    if args.kind not in DEFAULT_PLOTS:
        raise InputError(
            str(args.results[0]),
            "--kind",
            f"{args.kind!r} plots a sweep folder; for ensemble results use one of {', '.join(DEFAULT_PLOTS)}",
        )
    results = {}
    for d in args.results:
        r = load_results(d)
        label = r.manifest.get("scenario_name", d.name)
        results[label if label not in results else str(d)] = r
    if args.kind == "fan" and args.series is not None:
        columns = set(next(iter(results.values())).series.columns)
        if args.series not in columns:
            raise InputError(
                str(args.results[0]),
                "--series",
                f"unknown series {args.series!r}; expected one of {', '.join(sorted(columns))}",
            )
    fig = plots.plot_kind(args.kind, results, series=args.series)
    path = _save(fig, output)
    print(path)
    return 0


def _plot_sweep(args: argparse.Namespace, output: Path) -> int:
    from .. import plots

    if len(args.results) != 1:
        raise InputError(None, "RESULTS_DIR", f"sweep plots take one sweep folder, got {len(args.results)}")
    if args.kind not in SWEEP_PLOTS:
        raise InputError(
            str(args.results[0]),
            "--kind",
            f"{args.kind!r} plots ensemble results; for a sweep use one of {', '.join(SWEEP_PLOTS)}",
        )
    result = load_sweep(args.results[0])
    fig = plots.plot_sweep_kind(args.kind, result, outcome=args.outcome, x=args.x, y=args.y, method=args.method)
    print(_save(fig, output))
    return 0


def cmd_sweep(args: argparse.Namespace) -> int:
    from ..analysis.sweeps import summarize
    from ..runs.plan import load_experiment
    from ..runs.runner import run_sweep

    loaded = load_experiment(args.experiment)  # everything checked before any folder is touched
    out = args.out or Path("results") / "sweeps" / loaded.experiment.name
    run_sweep(
        loaded,
        out,
        workers=args.workers,
        scheduler=args.scheduler,
        dask_local=args.dask_local,
        resume=args.resume,
        chunk_runs=args.chunk,
    )
    result = load_sweep(out)
    summary = summarize(result)
    summary.to_csv(out / "summary.csv", index=False)
    print(
        f"wrote {out}/ (points, runs{', series' if loaded.experiment.keep_series else ''}, manifest, summary.csv)",
        file=sys.stderr,
    )
    print(_table(summary))
    drawn = len(drawn_parameters(result.manifest))
    if drawn:
        print(
            f"(spread across a point's runs includes {drawn} parameter(s) drawn per replication, the same draws "
            "at every point, not only chance)"
        )
    return 0


def cmd_analyze(args: argparse.Namespace) -> int:
    from ..analysis.sweeps import experiment_of, outcome_values, sensitivity, summarize

    result = load_sweep(args.results)
    try:
        outcome_values(result, args.outcome)  # checked even when the design has no indices to compute
    except InputError as err:
        raise InputError(str(args.results), err.path, err.message) from None
    summary = summarize(result)
    summary.to_csv(args.results / "summary.csv", index=False)
    print(_table(summary))
    method = args.method or (
        experiment_of(result).design.kind if experiment_of(result).design.kind in ("sobol", "morris") else None
    )
    if method is None:
        return 0
    try:
        indices = sensitivity(result, method, args.outcome)
    except InputError as err:
        raise InputError(str(args.results), err.path, err.message) from None
    path = args.results / f"sensitivity_{method}_{args.outcome}.csv"
    indices.to_csv(path, index=False)
    print(f"\n{method} indices of {args.outcome} (wrote {path}):")
    print(_table(indices))
    return 0


def _table(df, limit: int = 40) -> str:
    import pandas as pd

    with pd.option_context("display.max_columns", 12, "display.width", 160, "display.precision", 3):
        text = df.head(limit).to_string(index=False)
    return text + (f"\n... {len(df) - limit} more rows in the CSV" if len(df) > limit else "")


def cmd_validate(args: argparse.Namespace) -> int:
    failed = 0
    for path in args.files:
        try:
            print(f"ok {path}: {_check_file(Path(path))}")
        except InputError as err:
            print(f"recogsim: error: {err}", file=sys.stderr)
            failed += 1
    return EXIT_INPUT if failed else 0


def _check_file(path: Path) -> str:
    """Validate a scenario, an experiment or an observation file, told apart by their top-level
    keys (``facts``: a record; ``scenario`` and ``parameters``: an experiment)."""
    data = read_yaml(path)
    if "facts" in data:
        obs = load_observations(path)
        return f"{obs.name}, a record of {len(obs.facts)} facts, {obs.start}..{obs.end}"
    if "scenario" in data and "parameters" in data:
        loaded = load_experiment(path)
        return f"{loaded.experiment.name}, an experiment on {loaded.scenario.name}"
    s = load_scenario(path)
    return (
        f"{s.name}, {len(s.states)} states, {len(s.missions)} posts, "
        f"{len(s.militants)} militant groups, {len(s.events)} events, {s.horizon_months} months"
    )


def cmd_show(args: argparse.Namespace) -> int:
    s = load_scenario(args.scenario)
    print(yaml.safe_dump(s.canonical(), sort_keys=False, allow_unicode=True), end="")
    return 0
