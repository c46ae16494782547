"""What fusing a month's state rules into one compiled kernel would gain the batch engine: a measured
prototype, not a part of recogsim.

Issue 11 asks for the batch engine at 100 times the reference Mesa engine and allows numba "only where
a measured hot spot needs it and numpy cannot reach the target". numpy reaches about 56 times
(README, "Engines"). The hot spot is a month's state rules: every utility term of every state for two
rungs, the utilities, the move probabilities and the terms' running sums, as many numpy passes
over (replications, 2, states) arrays. This script writes that part once more as one numba loop over
(replication, state), checks it against the rules in ``incentives/`` on a block in mid-run (every
move probability and every term's running sum), and times both, with the rest of the month, to
project what the whole engine would gain.

It writes the state rules a second time, which is why it is a benchmark and not the engine: issue 11
forbids a rule written twice, so using such a kernel means making it the one definition both engines
call (see README, "Engines" -> "Speed").

Usage: python benchmarks/bench_fused_prototype.py [-n R] [--rounds N]   (defaults: 1,000, 5)
Needs numba, which recogsim does not depend on: ``.venv/bin/pip install numba==0.68.1`` first
(the registry's newest for numpy 2.4). The first call compiles the kernel (printed, not timed).
Times are each measurement's best of ``--rounds``, in one process.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

try:
    import numba
except ImportError:
    sys.exit("bench_fused_prototype.py needs numba: .venv/bin/pip install numba==0.68.1")

from recogsim import load_scenario
from recogsim.model import incentives as rules
from recogsim.model.batch import Batch
from recogsim.model.incentives.arrays import logistic, select
from recogsim.model.incentives.utility import SLOPE, UTILITY_TERMS
from recogsim.model.shared import DE_FACTO, HOSTS, TERMS

ROOT = Path(__file__).resolve().parents[1]
F = np.float32
WEIGHTS = [w for _, w in UTILITY_TERMS.values()] + ["w_isk_attacks", "w_lobbying"]
"""The kernel's weight columns: the utility's weights in the order of the terms (None: lobbying,
weighted inside its term), then the two weights that enter inside terms."""
assert TERMS == tuple(UTILITY_TERMS) == (
    "security", "migration", "economic", "peer", "bandwagon", "lobbying",
    "durability", "conditions", "militant_links", "sheltering", "un_credentials", "resistance",
)  # fmt: skip
assert [sign for sign, _ in UTILITY_TERMS.values()] == [1.0] * 7 + [-1.0] * 5  # the kernel's signs


@numba.njit(cache=False, boundscheck=False)
def _kernel(levels, top, counted, exposure, ptr, cols, tie, tie_norm, threat, isk, loose, concern, economic,
            pressure, cweight, gap, links, durable, seated, share, lobbying, held, open_, support, shelters,
            w, th, hosts, de_facto, term_sums, x_up, x_down):  # fmt: skip
    """Every term of every state for its next rung and its own: the utilities' gaps to the
    thresholds (``x_up``, ``x_down``, before the logistic) and the next rung's terms added to
    ``term_sums`` (terms, R, states). One replication's counts by level, then its states."""
    R, S = levels.shape
    G = exposure.shape[1]
    n_counted = 0
    for i in range(S):
        n_counted += counted[i]
    at_or_above = np.zeros(7, np.int64)
    last = th.shape[1] - 1
    for r in range(R):
        at_or_above[:] = 0
        for i in range(S):
            if counted[i]:
                at_or_above[levels[r, i]] += 1
        for k in range(5, -1, -1):
            at_or_above[k] += at_or_above[k + 1]
        for i in range(S):
            lv = levels[r, i]
            up = lv + 1 if lv < top[i] else lv
            security = F(0.0)
            sheltering = F(0.0)
            for g in range(G):
                security += exposure[i, g] * threat[r, g]
                sheltering += exposure[i, g] * loose[r, g]
            security += w[r, 12] * isk[r]
            migration = concern[i] * pressure[r]
            pull = F(0.0)
            for q in range(ptr[i], ptr[i + 1]):
                gap_up = levels[r, cols[q]] - lv
                if gap_up > 0:
                    pull += tie[q] * F(gap_up)
            peer = pull / tie_norm[i]
            resistance = support[i] * shelters[r, i]
            others = F(max(n_counted - counted[i], 1))
            channel = held[r, i] / open_[r, i] if open_[r, i] > 0 else F(1.0 if lv >= hosts else 0.0)
            base = (
                w[r, 0] * security + w[r, 1] * migration + w[r, 2] * economic[i] + w[r, 3] * peer
                + w[r, 6] * durable[r] - w[r, 9] * sheltering - w[r, 11] * resistance
            )  # fmt: skip
            # the rung-specific terms, at the next rung up and at the state's own
            c_self = 1 if counted[i] else 0
            b_up = F(at_or_above[up] - (c_self if lv >= up else 0)) / others
            b_own = F(at_or_above[lv] - c_self) / others
            l_up = w[r, 13] * lobbying[r] * channel if up > hosts else F(0.0)
            l_own = w[r, 13] * lobbying[r] * channel if lv > hosts else F(0.0)
            s_up = F(1.0) if (up >= de_facto or up >= top[i]) else share[r]
            s_own = F(1.0) if (lv >= de_facto or lv >= top[i]) else share[r]
            c_up, c_own = cweight[i] * gap[r] * s_up, cweight[i] * gap[r] * s_own
            m_up, m_own = cweight[i] * links[r] * s_up, cweight[i] * links[r] * s_own
            n_up = F(1.0) - seated[r] if (c_self and up >= de_facto) else F(0.0)
            n_own = F(1.0) - seated[r] if (c_self and lv >= de_facto) else F(0.0)
            u_up = base + w[r, 4] * b_up + l_up - w[r, 7] * c_up - w[r, 8] * m_up - w[r, 10] * n_up
            u_own = base + w[r, 4] * b_own + l_own - w[r, 7] * c_own - w[r, 8] * m_own - w[r, 10] * n_own
            # the next rung's terms, in the order of TERMS
            term_sums[0, r, i] += security
            term_sums[1, r, i] += migration
            term_sums[2, r, i] += economic[i]
            term_sums[3, r, i] += peer
            term_sums[4, r, i] += b_up
            term_sums[5, r, i] += l_up
            term_sums[6, r, i] += durable[r]
            term_sums[7, r, i] += c_up
            term_sums[8, r, i] += m_up
            term_sums[9, r, i] += sheltering
            term_sums[10, r, i] += n_up
            term_sums[11, r, i] += resistance
            x_up[r, i] = F(SLOPE) * (u_up - th[r, min(lv + 1, last)])
            x_down[r, i] = F(SLOPE) * (th[r, lv] - u_own)


def _inputs(b: Batch) -> tuple:
    """The kernel's arguments: per replication and per group (small numpy), from the rules."""
    R, w = b.R, b.w

    def rows(x) -> np.ndarray:
        return np.ascontiguousarray(np.broadcast_to(np.asarray(x, F), (R,)))

    months = w["credibility_months"]
    k = rules.track_record(b.record_crackdown, b.crackdown, months[:, None]).astype(F)
    c = rules.track_record(b.record_concessions, b.concessions, months).astype(F)
    s, hostile, ceiling = b.strength.astype(F), b.hostile, w["crackdown_ceiling"].astype(F)
    threat = s * rules.restraint(k, hostile, w["restraint_floor"].astype(F))
    loose = s * np.where(hostile, F(0.0), 1 - k)
    met, shares = rules.compliance(c, k, s, hostile, ceiling), b.low["shares"]
    gap = ((1 - met) * shares).sum(-1) / np.maximum(shares.sum(-1), 1e-12)
    links = rules.visible_links(b.visibility.astype(F), s, k, hostile, ceiling)
    alternative = rules.alternative_strength(b.resistance_strengths).astype(F)
    durable = rules.durability(F(b.months_before + b.month), w["durability_months"].astype(F), alternative)
    un = np.flatnonzero(~b.counted)
    seated = np.ones(R, F) if not un.size else (b.levels[:, un[0]] >= b.top[un[0]]).astype(F)
    shelters = np.zeros(b.levels.shape, F)
    for q in range(b.sanctuary.shape[1]):
        has = b.sanctuary[:, q] >= 0
        shelters[np.flatnonzero(has), b.sanctuary[has, q]] = 1.0
    if b.by_state is None:
        b.by_state = b._by_state(b.post_held), b._by_state(b.post_open)
    held, open_ = (x.astype(F) for x in b.by_state)
    weights = np.stack([rows(w[n]) if n else np.ones(R, F) for n in WEIGHTS], axis=1)
    ties = b.ties.astype(F)
    i, j = np.nonzero(ties)
    ptr = np.searchsorted(i, np.arange(len(ties) + 1))
    th = np.ascontiguousarray(np.broadcast_to(b.low["thresholds"], (R, b.low["thresholds"].shape[-1])))
    return (
        b.levels, b.top, b.counted.astype(np.int64), b.exposure.astype(F), ptr, j, ties[i, j],
        np.maximum(ties.sum(-1), 1).astype(F), threat, s[:, hostile].sum(-1), loose,
        b.migration_concern.astype(F), b.economic_interest.astype(F), rows(b.coef["world.migration_pressure"]),
        b.conditions_weight.astype(F), gap.astype(F), links.astype(F), rows(durable), seated,
        rows(w["hosting_conditions_share"]), b.lobbying.astype(F), held, open_, b.resistance_support.astype(F),
        shelters, weights, th, HOSTS, DE_FACTO,
    )  # fmt: skip


def fused(b: Batch, term_sums: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The move probabilities (p_up, p_down) through the kernel; the logistic and the caps by
    numpy, whose tanh is vectorised (numba's scalar tanh is some fifty times slower here)."""
    x_up, x_down = np.empty(b.levels.shape, F), np.empty(b.levels.shape, F)
    _kernel(*_inputs(b), term_sums, x_up, x_down)
    w = b.w_block(single=True)
    rate_up, rate_down = (np.asarray(w[k]).reshape(-1, 1) for k in ("rate_up", "rate_down"))
    p_up = select(b.levels < b.top, rate_up * logistic(x_up), 0.0)
    return p_up, select(b.levels > 0, rate_down * logistic(x_down), 0.0)


def numpy_states(b: Batch, term_sums: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The same part of ``Batch.step`` as the engine runs it: the rules over the block."""
    comp = b.components()
    p = b.move_probabilities(comp)
    for j, k in enumerate(TERMS):
        term_sums[j] += comp[k][..., 0, :]
    return p


@numba.njit(cache=False)
def _scalar_tanh(x):
    out = np.empty_like(x)
    for r in range(x.shape[0]):
        for i in range(x.shape[1]):
            out[r, i] = np.tanh(x[r, i])
    return out


def best(fn, rounds: int, n: int) -> float:
    fn()
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        for _ in range(n):
            fn()
        times.append((time.perf_counter() - start) / n)
    return min(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-n", type=int, default=1000, help="replications in the block (default 1,000)")
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args()
    scenario = load_scenario(ROOT / "scenarios" / "baseline.yaml")
    b = Batch(scenario, list(range(args.n)), keep_series=True)
    for _ in range(40):  # mid-run: states have moved, posts changed hands
        b.step()
    S = len(b.state_names)
    mine, theirs = np.zeros((len(TERMS), args.n, S)), np.zeros((len(TERMS), args.n, S))
    start = time.perf_counter()
    p_fused = fused(b, mine)
    compile_s = time.perf_counter() - start
    p_numpy = numpy_states(b, theirs)
    worst = max(float(np.abs(a - c).max()) for a, c in zip(p_fused, p_numpy, strict=True))
    worst_terms = float(np.abs(mine - theirs).max())
    print(f"check: move probabilities within {worst:.1e}, term sums within {worst_terms:.1e} of the rules")
    if worst > 1e-5 or worst_terms > 1e-4:
        sys.exit("the prototype no longer computes what the rules in incentives/ do: update it")
    t_numpy = best(lambda: numpy_states(b, theirs), args.rounds, 20)
    t_fused = best(lambda: fused(b, mine), args.rounds, 20)
    t_inputs = best(lambda: _inputs(b), args.rounds, 20)
    steps = Batch(scenario, list(range(args.n, 2 * args.n)), keep_series=True)
    for _ in range(40):
        steps.step()
    t_month = best(steps.step, args.rounds, 10)  # months 41 to 90 or so
    t_posts = best(steps._posts_month, args.rounds, 10)  # the same month's posts again: the same work
    fused_month = t_month - t_numpy + t_fused
    months = scenario.horizon_months
    print(f"R={args.n:,}, baseline, one block in mid-run, best of {args.rounds}; compiling took {compile_s:.1f} s")
    print(f"a month of the batch engine            {t_month * 1e3:7.2f} ms")
    print(f"  its state rules (numpy)              {t_numpy * 1e3:7.2f} ms  {t_numpy / t_month:4.0%} of the month")
    print(f"  its posts (numpy, not in the kernel) {t_posts * 1e3:7.2f} ms  {t_posts / t_month:4.0%}")
    print(f"the state rules as one fused kernel    {t_fused * 1e3:7.2f} ms  (its inputs {t_inputs * 1e3:.2f} ms of it)")
    print(f"state rules {t_numpy / t_fused:.2f}x faster; a month {t_month / fused_month:.2f}x")
    gaps = np.random.default_rng(0).standard_normal(b.levels.shape).astype(F)
    t_np, t_nb = (best(lambda f=f: f(gaps), args.rounds, 20) for f in (np.tanh, _scalar_tanh))
    for label, month in (
        ("now", t_month),
        ("with the kernel", fused_month),
        ("with the kernel and posts for free", fused_month - t_posts),
    ):
        print(f"engine alone, {label:35s} {args.n / (months * month):7.0f} runs/s ({months} months a run)")
    print(f"tanh of a month's gaps: numpy {t_np * 1e6:.0f} us, a numba loop {t_nb * 1e6:.0f} us ({t_nb / t_np:.0f}x)")


if __name__ == "__main__":
    main()
