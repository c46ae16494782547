"""Statistical equivalence of the batch engine with the Mesa engine: the declared family of tests.

Usage:
    python benchmarks/equivalence.py [-n RUNS] [--seed S] [--workers W] [--scenarios NAME...]
                                     [--perturb FACTOR] [--out FILE]

For each scenario (default: every file in scenarios/), RUNS replications on each engine (default
2,000; the two engines run different replications' seeds: root seeds S and S + 1), then the family
of ``recogsim.analysis.equivalence`` over all scenarios together, Bonferroni across it. Prints
the tests that reject, the rare outcomes and each family's smallest detectable differences, and
writes the whole table to FILE (CSV; default benchmarks/equivalence.csv).

``--perturb 1.2`` is the negative control: the batch engine's ``rate_up`` multiplied by 1.2 in
every replication (a subclass of the engine, for this script only); the family must reject.
Exit status 1 when any test rejects, 0 otherwise.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pandas as pd

import recogsim as rs
from recogsim.analysis import equivalence
from recogsim.model.batch import Batch
from recogsim.runs import blocks

ROOT = Path(__file__).resolve().parents[1]


class PerturbedBatch(Batch):
    """The batch engine with every replication's ``rate_up`` multiplied by ``FACTOR``."""

    FACTOR = 1.2

    def load_parameters(self) -> None:
        super().load_parameters()
        self.w["rate_up"] = self.w["rate_up"] * self.FACTOR


@contextlib.contextmanager
def perturbed(factor: float) -> Iterator[None]:
    """Run the batch engine perturbed (in this process and in workers forked from it)."""
    PerturbedBatch.FACTOR = factor
    original = blocks.Batch
    blocks.Batch = PerturbedBatch  # type: ignore[misc]
    try:
        yield
    finally:
        blocks.Batch = original  # type: ignore[misc]


def ensemble(name: str, runs: int, seed: int, workers: int, engine: str) -> dict[str, pd.DataFrame]:
    r = rs.run_ensemble(rs.load_scenario(ROOT / "scenarios" / f"{name}.yaml"), runs, seed, workers, False, engine)
    return {"runs": r.runs, "series": r.series, "states": r.states}


def compare(names: list[str], runs: int, seed: int, workers: int, factor: float | None) -> pd.DataFrame:
    tests = []
    for name in names:
        horizon = rs.load_scenario(ROOT / "scenarios" / f"{name}.yaml").horizon_months
        start = time.perf_counter()
        mesa = ensemble(name, runs, seed, workers, "mesa")
        middle = time.perf_counter()
        with perturbed(factor) if factor else contextlib.nullcontext():
            batch = ensemble(name, runs, seed + 1, workers, "batch")
        done = time.perf_counter()
        print(f"{name}: mesa {middle - start:.0f} s, batch {done - middle:.1f} s", file=sys.stderr)
        for t in equivalence.family(mesa, batch, horizon):
            t.outcome = f"{name}: {t.outcome}"
            tests.append(t)
    return equivalence.table(tests, runs)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-n", type=int, default=2000, help="runs per engine per scenario (default 2000)")
    ap.add_argument("--seed", type=int, default=20230401)
    ap.add_argument("--workers", type=int, default=0)
    ap.add_argument("--scenarios", nargs="+", default=sorted(p.stem for p in (ROOT / "scenarios").glob("*.yaml")))
    ap.add_argument("--perturb", type=float, default=None, metavar="FACTOR", help="negative control: rate_up x FACTOR")
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "equivalence.csv")
    args = ap.parse_args()
    df = compare(args.scenarios, args.n, args.seed, args.workers, args.perturb)
    df.to_csv(args.out, index=False, float_format="%.4g")
    tested = df[df["p"].notna()]
    print(f"{len(tested)} tests ({len(df) - len(tested)} not testable), Bonferroni level {df.attrs['level']:.2e}")
    print(f"rejected: {int(df['reject'].sum())}")
    if df["reject"].any():
        print(df[df["reject"]][["outcome", "test", "statistic", "p"]].to_string(index=False))
    rare = df[df["note"].str.startswith("too rare")]
    if len(rare):
        print("too rare to test:")
        print(rare[["outcome", "note"]].to_string(index=False))
    print("smallest detectable differences (80% power at the Bonferroni level):")
    print(tested.groupby("test")["detectable"].first().to_string())
    print(f"wrote {args.out}")
    return 1 if df["reject"].any() else 0


if __name__ == "__main__":
    sys.exit(main())
