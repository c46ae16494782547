"""Simulation-based calibration of ``recogsim calibrate`` (Talts et al. 2018, arXiv:1804.06788).

Draw N true parameter sets from the calibration's prior (calibration/prior.yaml's per-path
priors; its ``from:`` threshold rows are nuisance, drawn by each run as in every calibration
candidate), run the scenario at each to the record's end, write the record that run would have
left (recogsim.runs.synthetic), calibrate against it, and place each true value in its posterior:
the weighted posterior CDF at the truth, in L bins. If the calibrator is right, each parameter's
ranks are uniform over the bins, and its 90% interval holds the truth in 90% of records.

    nice -n 10 .venv/bin/python experiments/sbc_calibration.py -n 50 --seed 20240601 --workers 2
    .venv/bin/python experiments/sbc_calibration.py --plot-only    # figure from the CSV

Seeds: ``SeedSequence(seed)`` spawns one child per record; each child spawns three: the truth's
draws, the synthetic run's seed, the calibration's root seed. Writes experiments/sbc_ranks.csv
(one row per record and parameter, appended as each record finishes) and docs/img/sbc_ranks.png.
Defaults (population 60, budget 600, at most 4 generations): what 50 records take in about half
an hour on 2 shared cores.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

from recogsim.config.loading import load
from recogsim.config.observations import load_observations
from recogsim.runs import calibrate as abc
from recogsim.runs import facts, synthetic

ROOT = Path(__file__).resolve().parents[1]


def weighted_cdf(x: np.ndarray, w: np.ndarray, truth: float) -> float:
    """The posterior's CDF at the truth (ties count half: a particle equal to the truth)."""
    w = w / w.sum()
    return float(w[x < truth].sum() + 0.5 * w[x == truth].sum())


def one_record(problem: abc.Problem, child: np.random.SeedSequence, settings: dict, bins: int) -> list[dict]:
    draws, run, cal = child.spawn(3)
    u = np.random.default_rng(draws).random(len(problem.priors))
    truth = {p: float(d.ppf(q)) for (p, d), q in zip(problem.priors, u, strict=True)}
    run_seed = int(run.generate_state(1)[0])
    view, drawn = problem.run(truth, np.random.SeedSequence(run_seed))  # as synthetic.synthetic_run, keeping
    record = synthetic.synthetic_record(problem.scenario, view, "sbc", seed=run_seed, parameters={**truth, **drawn})
    truth |= {p: drawn[p] for p, _ in problem.integrated}  # integrated paths: the value the run drew
    bound = facts.bind(record, problem.scenario, "synthetic")
    mine = replace(problem, record=bound)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        post = abc.calibrate(mine, abc.Settings(seed=int(cal.generate_state(1)[0]), **settings), Path(tmp))
    seconds = time.perf_counter() - started
    w = post.particles[abc.WEIGHT].to_numpy()
    gens = post.generations
    rows = []
    for path, d in (*problem.priors, *problem.integrated):
        x = post.particles[path].to_numpy()
        cdf = weighted_cdf(x, w, truth[path])
        q5, q95 = abc.weighted_quantiles(x, w, (0.05, 0.95))
        lo, hi = (float(v) for v in d.ppf([0.05, 0.95]))
        rows.append(
            {
                "path": path,
                "role": "calibrated" if path in problem.paths else "integrated",
                "truth": truth[path],
                "cdf": cdf,
                "rank_bin": min(int(cdf * bins), bins - 1),
                "q05": q5,
                "q95": q95,
                "covered": bool(q5 <= truth[path] <= q95),
                "width_ratio": (q95 - q5) / (hi - lo),
                "generations": len(gens),
                "simulations": int(gens.simulations.sum()) if len(gens) else 0,
                "epsilon": float(gens.epsilon.iloc[-1]) if len(gens) else float("nan"),
                "seconds": round(seconds, 1),
            }
        )
    return rows


def summary(table: pd.DataFrame) -> pd.DataFrame:
    return table.groupby("path", sort=False).agg(
        records=("covered", "size"), coverage_90=("covered", "mean"), width_ratio=("width_ratio", "mean")
    )


def plot(table: pd.DataFrame, bins: int, caption: str, out: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from scipy.stats import binom

    paths = list(dict.fromkeys(table.path))
    n = table.groupby("path").size().min()
    lo, hi = binom.ppf(0.005, n, 1 / bins), binom.ppf(0.995, n, 1 / bins)
    cols = 5
    rows = -(-len(paths) // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(3.0 * cols, 2.4 * rows + 0.9), sharey=True, squeeze=False)
    for ax, path in zip(axes.flat, paths, strict=False):
        counts = np.bincount(table.loc[table.path == path, "rank_bin"], minlength=bins)
        ax.axhspan(lo, hi, color="0.85", label="99% of a uniform histogram")
        ax.axhline(n / bins, color="0.5", lw=0.8)
        ax.bar(np.arange(bins), counts, width=0.9, color="tab:blue")
        cov = table.loc[table.path == path, "covered"].mean()
        ax.set_title(f"{path.removeprefix('rules.')}\n90% coverage {cov:.2f}", fontsize=8)
        ax.set_xticks([0, bins - 1], ["0", f"{bins - 1}"])
    for ax in list(axes.flat)[len(paths) :]:
        ax.set_visible(False)
    axes[0, 0].legend(fontsize=7, frameon=False, loc="upper left")
    for ax in axes[:, 0]:
        ax.set_ylabel("records")
    for ax in axes[-1]:
        ax.set_xlabel("rank bin of the truth")
    fig.text(0.01, 0.005, caption, fontsize=7.5, ha="left", va="bottom", wrap=True)
    fig.tight_layout(rect=(0, 0.07, 1, 1))
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=110)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--prior", type=Path, default=ROOT / "calibration" / "prior.yaml")
    ap.add_argument(
        "--observed",
        type=Path,
        default=ROOT / "observations" / "record_2021-08_2023-04.yaml",
        help="the real record: only its window (the runs' length) is used",
    )
    ap.add_argument(
        "--integrate",
        nargs="*",
        default=None,
        help="paths integrated out rather than calibrated (default: as the shipped calibration, "
        "calibration/manifest.json; give none to calibrate every per-path prior)",
    )
    ap.add_argument("-n", type=int, default=50, help="records (default 50)")
    ap.add_argument("--seed", type=int, default=20240601)
    ap.add_argument("--population", type=int, default=60)
    ap.add_argument("--budget", type=int, default=600)
    ap.add_argument("--max-generations", type=int, default=4)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--bins", type=int, default=10)
    ap.add_argument("--csv", type=Path, default=ROOT / "experiments" / "sbc_ranks.csv")
    ap.add_argument("--figure", type=Path, default=ROOT / "docs" / "img" / "sbc_ranks.png")
    ap.add_argument("--plot-only", action="store_true", help="draw the figure from --csv")
    args = ap.parse_args(argv)
    settings = {
        "population": args.population,
        "budget": args.budget,
        "max_generations": args.max_generations,
        "min_epsilon": 0.0,
        "workers": args.workers,
    }
    if not args.plot_only:
        scenario = load(args.prior)
        real = load_observations(args.observed)
        integrate = args.integrate
        if integrate is None:
            integrate = json.loads((ROOT / "calibration" / "manifest.json").read_text())["integrated"]
        bound = facts.bind(real, scenario, str(args.observed))
        problem = abc.Problem.of(scenario, bound, str(args.prior), tuple(integrate))
        args.csv.parent.mkdir(parents=True, exist_ok=True)
        args.csv.unlink(missing_ok=True)
        started = time.perf_counter()
        for k, child in enumerate(np.random.SeedSequence(args.seed).spawn(args.n)):
            rows = [{"record": k} | r for r in one_record(problem, child, settings, args.bins)]
            pd.DataFrame(rows).to_csv(args.csv, mode="a", header=k == 0, index=False, float_format="%.6g")
            print(
                f"record {k + 1}/{args.n}: {rows[0]['seconds']} s, {time.perf_counter() - started:.0f} s in all",
                file=sys.stderr,
            )
        print(f"{args.n} records in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    table = pd.read_csv(args.csv)
    n = table.record.nunique()
    s = table.groupby("record").first()
    caption = (
        f"Simulation-based calibration of recogsim calibrate: N = {n} synthetic records from the prior of "
        f"{args.prior.name}, each calibrated with population {args.population}, budget {args.budget}, at most "
        f"{args.max_generations} generations (median {s.generations.median():.0f} run, "
        f"{s.simulations.median():.0f} simulations); seed {args.seed}. Bars: records whose truth falls in each "
        f"of {args.bins} bins of the posterior CDF; grey: 99% band of a uniform histogram of N records. "
        "experiments/sbc_calibration.py"
    )
    plot(table, args.bins, caption, args.figure)
    print(summary(table).to_string(float_format=lambda v: f"{v:.3f}"))
    print(f"wrote {args.csv} and {args.figure}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
