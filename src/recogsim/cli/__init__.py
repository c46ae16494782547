"""``recogsim``: run scenarios as ensembles, run sweeps, analyse and plot results, validate and show files.

Bad input of any kind ends with one line on stderr and exit status 2; results already written
are never removed.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from collections.abc import Sequence
from pathlib import Path

import yaml

from .. import __version__
from ..config.loading import load as load_scenario
from ..config.loading import read_yaml
from ..config.observations import load_observations
from ..errors import InputError
from ..plots.kinds import ENSEMBLE_KINDS, SWEEP_KINDS
from ..runs.plan import load_experiment
from ..runs.store import drawn_parameters, is_sweep, load_results, load_sweep
from . import calibration, discover, explore, run, scoring
from .common import EXIT_INPUT, _Parser, _positive, _save, add_engine, add_workers, out_path
from .run import DEFAULT_PLOTS

SWEEP_PLOTS = tuple(SWEEP_KINDS)


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="recogsim", description=__doc__.splitlines()[0])
    p.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = p.add_subparsers(dest="command", required=True)

    run.add_parser(sub)

    sweep = sub.add_parser("sweep", help="run an experiment's design (resumable; local processes or Dask)")
    sweep.add_argument("experiment", metavar="EXPERIMENT")
    add_workers(sweep)
    add_engine(sweep, None)
    where = sweep.add_mutually_exclusive_group()
    where.add_argument(
        "--scheduler", metavar="tcp://HOST:8786", help="run on an existing Dask cluster (default: local processes)"
    )
    where.add_argument(
        "--dask-local",
        type=_positive,
        metavar="N",
        help="run on a Dask LocalCluster of N workers (default: local processes)",
    )
    sweep.add_argument(
        "--out", type=out_path, default=None, help="results folder (default results/sweeps/NAME, NAME from the file)"
    )
    sweep.add_argument(
        "--resume",
        action="store_true",
        help="continue an interrupted sweep in --out (default: refuse a folder that holds results)",
    )
    sweep.add_argument(
        "--chunk",
        type=_positive,
        default=500,
        metavar="RUNS",
        help="runs per chunk written to disk while running (default 500)",
    )

    analyze = sub.add_parser("analyze", help="per-point summaries and sensitivity indices of a sweep")
    analyze.add_argument("results", type=Path, metavar="DIR", help="a sweep's results folder")
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
        help=(
            "required. For ensemble results folders: "
            + "; ".join(f"{k}: {d}" for k, d in ENSEMBLE_KINDS.items())
            + ". For a sweep folder: "
            + "; ".join(f"{k}: {d}" for k, d in SWEEP_KINDS.items() if k not in ENSEMBLE_KINDS)
            + ". 'distribution' fits either"
        ).replace("%", "%%"),
    )
    plot.add_argument(
        "--series", default=None, help="series column for --kind fan (default: countries_taliban_presence)"
    )
    plot.add_argument("--outcome", default="recognized", help="sweep plots: run outcome (default 'recognized')")
    plot.add_argument("--x", default=None, help="sweep plots: parameter on the x axis (default: the first)")
    plot.add_argument("--y", default=None, help="heatmap: parameter on the y axis (default: the second)")
    plot.add_argument(
        "--method",
        choices=("sobol", "morris"),
        default=None,
        help="sensitivity plots: indices to show (default: the design's own)",
    )
    plot.add_argument("-o", "--output", type=out_path, default=None, help="PNG file (default: <kind>.png here)")

    calibration.add_parser(sub)
    scoring.add_parser(sub)
    discover.add_parser(sub)
    explore.add_parser(sub)

    val = sub.add_parser("validate", help="check scenario, experiment and observation files")
    val.add_argument("files", nargs="+", metavar="FILE", help="scenario, experiment or observation (record) files")

    show = sub.add_parser("show", help="print a scenario as resolved after extends and defaults")
    show.add_argument("scenario", metavar="SCENARIO")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        commands = {
            "run": run.cmd_run,
            "sweep": cmd_sweep,
            "analyze": cmd_analyze,
            "plot": cmd_plot,
            "validate": cmd_validate,
            "show": cmd_show,
            "calibrate": calibration.cmd_calibrate,
            "score": scoring.cmd_score,
            "discover": discover.cmd_discover,
            "explore": explore.cmd_explore,
        }
        return commands[args.command](args)
    except InputError as err:
        print(f"recogsim: error: {err}", file=sys.stderr)
        return EXIT_INPUT
    except KeyboardInterrupt:
        print("recogsim: interrupted; results already written are kept", file=sys.stderr)
        return 130


def cmd_plot(args: argparse.Namespace) -> int:
    import matplotlib
    from matplotlib.backend_bases import FigureCanvasBase

    from .. import plots

    output = args.output or Path(f"{args.kind}.png")
    formats = dict(FigureCanvasBase.get_supported_filetypes())
    if not shutil.which(matplotlib.rcParams["pgf.texsystem"]):  # PGF is drawn by a TeX system (xelatex)
        formats.pop("pgf", None)
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
        engine=args.engine,
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
    method = args.method or (
        experiment_of(result).design.kind if experiment_of(result).design.kind in ("sobol", "morris") else None
    )
    indices = None
    if method is not None:  # computed (or refused) before anything is written
        try:
            indices = sensitivity(result, method, args.outcome)
        except InputError as err:
            raise InputError(str(args.results), err.path, err.message) from None
    summary.to_csv(args.results / "summary.csv", index=False)
    print(_table(summary))
    if indices is None:
        return 0
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
        from ..runs.facts import check_counts

        obs = load_observations(path)
        check_counts(obs, str(path))  # the names wait for a scenario; counts of states or posts do not
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
