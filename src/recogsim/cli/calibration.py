"""``recogsim calibrate``: ABC-SMC of a scenario's uncertain parameters against a dated record.

Everything is checked (scenario, record, their fit, the output folder) before the first
simulation; the posterior, its diagnostics and plots go to ``--out``, and nowhere else.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import time
from pathlib import Path

from ..config.loading import load as load_scenario
from ..config.observations import load_observations
from ..config.references import set_values
from ..config.schema import JointUncertain
from ..errors import InputError
from ..runs import calibrate as abc
from ..runs import facts
from ..runs import plan as plans
from ..runs.executors import version_info
from ..runs.folders import locked
from ..runs.runner import run_ensemble
from ..runs.store import write_json
from .common import _non_negative, _positive, _save, add_engine, add_seed, add_workers, out_path

OUTPUTS = (
    "posterior.parquet",
    "generations.csv",
    "parameters.csv",
    "predictive.parquet",
    "manifest.json",
    "abc.db",
    "prior_posterior.png",
    "predictive.png",
)
"""What a calibration writes into its folder (an earlier calibration's are replaced)."""


def _fraction(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not value >= 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, got {text}")
    return value


def add_parser(sub) -> None:
    d = abc.Settings()
    cal = sub.add_parser(
        "calibrate",
        help="ABC-SMC of a scenario's uncertain: parameters against a dated record (writes posterior.parquet)",
    )
    cal.add_argument("scenario", metavar="SCENARIO")
    cal.add_argument("--observed", required=True, metavar="FILE", help="observation file (the dated record)")
    cal.add_argument("--budget", type=_positive, default=d.budget, help=f"cap on simulations (default {d.budget})")
    cal.add_argument("--population", type=_positive, default=d.population, help=f"particles (default {d.population})")
    cal.add_argument(
        "--min-epsilon", type=_fraction, default=d.min_epsilon, help=f"stop at this tolerance (default {d.min_epsilon})"
    )
    cal.add_argument(
        "--max-generations",
        type=_positive,
        default=d.max_generations,
        help=f"stop after this many generations (default {d.max_generations})",
    )
    cal.add_argument(
        "--integrate",
        nargs="+",
        default=(),
        metavar="PATH",
        help="per-path uncertain: entries drawn from their prior in every simulation and integrated out, "
        "not calibrated (default: calibrate every per-path entry)",
    )
    add_seed(cal)
    add_workers(cal)
    add_engine(
        cal,
        what="; for the posterior-predictive check runs: the ABC simulations, one candidate at a time, run on mesa",
    )
    cal.add_argument(
        "--check-runs", type=_non_negative, default=200, help="posterior-predictive runs; 0 = none (default 200)"
    )
    cal.add_argument("--out", type=out_path, default=None, help="output folder (default results/calibration/NAME)")
    cal.add_argument("--no-plots", action="store_true", help="write tables only (default: plots too)")


def cmd_calibrate(args: argparse.Namespace) -> int:
    scenario = load_scenario(args.scenario)
    record = load_observations(args.observed)
    bound = facts.bind(record, scenario, str(args.observed))
    problem = abc.Problem.of(scenario, bound, str(args.scenario), tuple(args.integrate))
    if args.population < 2:
        raise InputError(None, "--population", f"expected at least 2 particles, got {args.population}")
    if args.budget < 2 * args.population:
        raise InputError(
            None, "--budget", f"expected at least twice --population ({2 * args.population}), got {args.budget}"
        )
    if args.check_runs:  # the check's tables must fit too: found now, not after the calibration
        short = set_values(scenario, {"horizon_months": bound.horizon})
        plans.check_fits(plans.ensemble(short, args.check_runs, args.seed, args.engine), None, "--check-runs")
    out = args.out or Path("results") / "calibration" / scenario.name
    _fresh_folder(out)
    settings = abc.Settings(
        population=args.population,
        budget=args.budget,
        min_epsilon=args.min_epsilon,
        max_generations=args.max_generations,
        seed=args.seed,
        workers=args.workers,
    )
    with locked(out, "--out"):  # one calibration per folder: another would remove this one's work
        work = out / ".partial"  # written here, moved into place when everything is done
        shutil.rmtree(work, ignore_errors=True)
        work.mkdir(parents=True)
        try:
            started = time.perf_counter()
            print(
                f"calibrating {len(problem.paths)} parameters of {scenario.name} against {record.name} "
                f"({len(bound.states) + len(bound.posts) + len(bound.counts)} facts, {bound.horizon} months)",
                file=sys.stderr,
            )
            posterior = abc.calibrate(problem, settings, work, progress=True)
            seconds = time.perf_counter() - started
            posterior_file = abc.write_posterior(posterior, work)
            posterior.generations.to_csv(work / "generations.csv", index=False, float_format="%.6g")
            ident = abc.identification(problem, posterior)
            ident.to_csv(work / "parameters.csv", index=False, float_format="%.6g")
            series, check_engine = None, None
            if args.check_runs:
                check = set_values(
                    scenario,
                    {
                        "uncertain": [
                            JointUncertain.model_validate(
                                {"from": str(posterior_file.resolve()), "weight": abc.WEIGHT, "reason": "ABC posterior"}
                            )
                        ],
                        "horizon_months": bound.horizon,
                    },
                )
                checked = run_ensemble(
                    check, args.check_runs, seed=args.seed, workers=args.workers, progress=False, engine=args.engine
                )
                series, check_engine = checked.series, checked.manifest["engine"]
                series.to_parquet(work / "predictive.parquet", index=False)
            meta = _manifest(args, scenario, record, problem, settings, posterior, seconds) | {
                "check_engine": check_engine
            }
            write_json(meta, work / "manifest.json")
            if not args.no_plots:
                from .. import plots  # noqa: F401  (matplotlib only when plotting)
                from ..plots import calibration as cplots

                priors = (*problem.priors, *problem.integrated)
                joint = [c for t in problem.tables for c in t.columns]
                integrated = [p for p, _ in problem.integrated]
                _save(cplots.marginals(posterior.particles, priors, joint, integrated), work / "prior_posterior.png")
                if series is not None:
                    _save(cplots.predictive_figure(series, bound, args.check_runs, args.seed), work / "predictive.png")
            for old in OUTPUTS:
                (out / old).unlink(missing_ok=True)
            for new in work.iterdir():
                new.replace(out / new.name)
        finally:
            shutil.rmtree(work, ignore_errors=True)
    print(posterior.generations.to_string(index=False, float_format=lambda v: f"{v:.4g}"))
    print(
        ident[["path", "prior", "posterior_q05", "posterior_median", "posterior_q95", "width_ratio"]].to_string(
            index=False, float_format=lambda v: f"{v:.3g}"
        )
    )
    print(f"stopped: {posterior.stop}; {seconds:.0f} s", file=sys.stderr)
    print(f"wrote {out}/ (posterior.parquet, generations.csv, parameters.csv, manifest.json, abc.db)", file=sys.stderr)
    return 0


def _fresh_folder(out: Path) -> None:
    """A calibration writes its own files (``OUTPUTS``) into a new folder or one that holds other
    files (its prior, say), replacing an earlier calibration's; never into a results folder."""
    if out.exists() and not out.is_dir():
        raise InputError(None, "--out", f"{out} exists and is not a folder")
    manifest = out / "manifest.json"
    if manifest.is_file() and '"kind": "calibration"' not in manifest.read_text(errors="replace"):
        raise InputError(None, "--out", f"{out} holds results that are not a calibration; choose another folder")
    parent = out.parent if out.parent != Path("") else Path(".")
    probe = parent
    while not probe.exists():
        probe = probe.parent
    if not probe.is_dir() or not _writable(probe):
        raise InputError(None, "--out", f"cannot write under {probe}")


def _writable(folder: Path) -> bool:
    import os

    return os.access(folder, os.W_OK | os.X_OK)


def _manifest(args, scenario, record, problem, settings, posterior, seconds) -> dict:
    import hashlib

    return {
        "kind": "calibration",
        "argv": sys.argv[1:],
        "scenario": scenario.name,
        "scenario_digest": scenario.digest(),
        "record": record.name,
        "record_sha256": hashlib.sha256(Path(args.observed).read_bytes()).hexdigest(),
        "engine": "mesa",
        "method": "ABC-SMC (pyabc, seeded in-order sampler); distance: equal-weight sum of " + ", ".join(facts.GROUPS),
        "settings": settings.__dict__,
        "calibrated": problem.paths,
        "integrated": [p for p, _ in problem.integrated],
        "nuisance": problem.nuisance,
        "stopped": posterior.stop,
        "seconds": round(seconds, 1),
        "versions": version_info(),
        "check_runs": args.check_runs,
        "use": {"from": "posterior.parquet", "weight": abc.WEIGHT},
    }
