"""ABC-SMC of a scenario's ``uncertain:`` parameters against a dated record (pyabc).

Approximate Bayesian computation by sequential Monte Carlo (Toni et al. 2009) with pyabc
(Schälte et al. 2022): the prior is the scenario's per-path ``uncertain:`` entries, each candidate
runs the scenario up to the record's last month, its distance is the sum of the summary statistics
of :mod:`.facts` (equal weights), and the tolerance of each generation is the median distance of
the last one. ``from:`` blocks are not perturbed: each candidate draws one of their rows, so they
are integrated out as nuisance parameters, and the rows the accepted particles drew come out
beside the calibrated paths, one joint posterior sample.

Determinism. pyabc's own parallel samplers reseed their workers from the operating system (pyABC
issues #392, #400) and it draws proposals from numpy's global generator, so the sampler here is
our own: candidate ``i`` of sampler call ``k`` seeds numpy's global generator, and takes its model
seed and its nuisance rows, from ``SeedSequence([seed, CALIBRATION_TREE], spawn_key=(k, i))``;
candidates are judged in index order and the generation stops at the ``n``-th acceptance, however
many were evaluated beyond it. The posterior is then the same file for any number of workers. pyabc
calls the model one parameter set at a time (batched models, pyABC #351 and #517, are not built),
so workers run candidates, not blocks of them.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from ..config import paths
from ..config.distributions import Distribution
from ..config.joint import JointTable
from ..config.references import coerce, joint_table, set_values
from ..config.schema import JointUncertain, Scenario, Uncertain
from ..errors import InputError
from . import facts
from .executors import pool_context, resolve_workers
from .store import write_table

CALIBRATION_TREE = 0x6162_6373
"""Tags the calibration's tree of candidate seeds (entropy ``(seed, CALIBRATION_TREE)``)."""
WEIGHT = "weight"
"""The posterior file's column of particle weights (``uncertain: {from: ..., weight: weight}``)."""


class CalibrationError(InputError):
    """A calibration that cannot start: no parameter to calibrate, a bad setting."""


@dataclass(frozen=True)
class Settings:
    """How long to calibrate: ``population`` particles per generation; stop at ``budget``
    simulations (a hard cap: the generation it interrupts is dropped), at a tolerance of
    ``min_epsilon`` or after ``max_generations``, whichever comes first."""

    population: int = 200
    budget: int = 20_000
    min_epsilon: float = 0.02
    max_generations: int = 10
    seed: int = 0
    workers: int = 1


# ---------------------------------------------------------------- the problem
@dataclass(frozen=True)
class Problem:
    """A scenario, its priors and a bound record: what each candidate simulates."""

    scenario: Scenario
    """the scenario run to the record's end, without its ``uncertain:`` entries"""
    priors: tuple[tuple[str, Distribution], ...]
    tables: tuple[JointTable, ...]
    record: facts.BoundRecord
    integrated: tuple[tuple[str, Distribution], ...] = ()
    """per-path entries drawn from their prior by every candidate, not calibrated (nuisance)"""

    @classmethod
    def of(cls, scenario: Scenario, record: facts.BoundRecord, file: str, integrate: tuple[str, ...] = ()) -> Problem:
        """``integrate``: per-path entries to draw from their prior in every simulation and
        integrate out rather than calibrate (a parameter the record is known not to identify:
        perturbing it only costs the particles' weights their spread)."""
        entries = {u.path: u.distribution for u in scenario.uncertain if isinstance(u, Uncertain)}
        unknown = [p for p in integrate if p not in entries]
        if unknown:
            raise CalibrationError(
                None,
                "--integrate",
                f"{unknown[0]!r} is not a per-path uncertain: entry; expected one of {list(entries)}",
            )
        priors = tuple((p, d) for p, d in entries.items() if p not in integrate)
        if not priors:
            raise CalibrationError(
                file, "uncertain", "nothing to calibrate: expected per-path entries (path and distribution)"
            )
        tables = tuple(joint_table(u, i) for i, u in enumerate(scenario.uncertain) if isinstance(u, JointUncertain))
        base = set_values(scenario, {"uncertain": [], "horizon_months": record.horizon})
        return cls(base, priors, tables, record, tuple((p, entries[p]) for p in integrate))

    @property
    def paths(self) -> list[str]:
        return [p for p, _ in self.priors]

    @property
    def nuisance(self) -> list[str]:
        return [p for p, _ in self.integrated] + [c for t in self.tables for c in t.columns]

    def candidate(
        self, values: dict[str, float], seq: np.random.SeedSequence
    ) -> tuple[Scenario, int, dict[str, float]]:
        """How a candidate is built, in one place: from ``seq``, the nuisance values it draws (the
        integrated paths, then the rows of the ``from:`` blocks), then its model seed; the scenario
        with ``values`` and those set (each coerced to its field's type). Returns (scenario, model
        seed, nuisance values)."""
        rng = np.random.default_rng(seq)
        drawn = {p: float(d.ppf(rng.random())) for p, d in self.integrated}
        drawn |= {p: v for t in self.tables for p, v in t.row(t.pick(float(rng.random()))).items()}
        data = self.scenario.canonical()
        entering = {p: coerce(float(v), paths.get(data, p)[0]) for p, v in {**values, **drawn}.items()}
        return set_values(self.scenario, entering), int(rng.integers(2**63)), drawn

    def run(self, values: dict[str, float], seq: np.random.SeedSequence) -> tuple[facts.RunView, dict[str, float]]:
        """One candidate run to the record's end: its view and the nuisance values it drew."""
        scenario, seed, drawn = self.candidate(values, seq)
        from ..model.model import RecognitionModel  # Mesa only for the Mesa engine

        model = RecognitionModel(scenario, seed=seed)
        model.run()
        return facts.RunView.of_model(model), drawn

    def simulate(self, values: dict[str, float], seq: np.random.SeedSequence) -> dict[str, float]:
        """One candidate: its summary statistics and the nuisance values it drew."""
        view, drawn = self.run(values, seq)
        stats = facts.discrepancies(self.record, view)
        return stats | {f"nuisance:{p}": float(v) for p, v in drawn.items()}


def distance(x: dict[str, float], x0: dict[str, float]) -> float:
    """The ABC distance: the summary statistics of :mod:`.facts` added with equal weights."""
    return float(sum(x.get(g, 0.0) for g in facts.GROUPS))  # a group the record says nothing of is absent


def prior_rv(d: Distribution) -> Any:
    """pyabc's random variable for one of our distributions (scipy's names and parameters)."""
    import pyabc

    width = d.max - d.min
    if d.kind == "uniform":
        return pyabc.RV("uniform", d.min, width)
    if d.kind == "triangular":
        return pyabc.RV("triang", (float(d.mode or 0.0) - d.min) / width, d.min, width)
    sd, mean = float(d.sd or 1.0), float(d.mean or 0.0)
    return pyabc.RV("truncnorm", (d.min - mean) / sd, (d.max - mean) / sd, mean, sd)


# ---------------------------------------------------------------- the sampler
_CURRENT: Callable[[], Any] | None = None
"""The generation's candidate function, for forked workers (pyabc builds a new one each call)."""


def _candidate(seed: int, call: int, i: int, simulate_one: Callable[[], Any] | None = None) -> Any:
    seq = np.random.SeedSequence([seed, CALIBRATION_TREE], spawn_key=(call, i))
    np.random.seed(seq.generate_state(4))  # noqa: NPY002  (pyabc draws proposals from the global generator)
    global _SEQ
    _SEQ = seq.spawn(1)[0]
    fn = simulate_one or _CURRENT
    assert fn is not None
    return fn()


_SEQ: np.random.SeedSequence | None = None
"""The candidate being simulated's own seed sequence (model seed and nuisance rows)."""


def _in_worker(args: tuple[int, int, int]) -> Any:
    return _candidate(*args)


def _make_sampler(settings: Settings, progress: bool):
    import pyabc

    class SeededSampler(pyabc.sampler.Sampler):
        """pyabc's sampler interface, each candidate seeded from our tree, judged in order."""

        def __init__(self) -> None:
            super().__init__()
            self.calls, self.used = 0, 0

        def sample_until_n_accepted(self, n, simulate_one, t, *, max_eval=np.inf, all_accepted=False, ana_vars=None):
            global _CURRENT
            call, self.calls = self.calls, self.calls + 1
            sample, evaluated = self._create_empty_sample(), 0
            cap = min(max_eval, settings.budget - self.used)
            workers = resolve_workers(settings.workers)
            _CURRENT = simulate_one
            pool = pool_context().Pool(workers) if workers > 1 else None
            try:
                while sample.n_accepted < n and evaluated < cap:
                    size = int(min(cap - evaluated, max(n - sample.n_accepted, 4 * workers)))
                    jobs = [(settings.seed, call, evaluated + j) for j in range(size)]
                    done = pool.map(_in_worker, jobs, chunksize=8) if pool else [self._here(j) for j in jobs]
                    for particle in done:
                        sample.append(particle)
                        evaluated += 1
                        if sample.n_accepted >= n:
                            break
            finally:
                if pool is not None:
                    pool.terminate()
                _CURRENT = None
            self.nr_evaluations_ = evaluated
            self.used += evaluated
            if progress:
                what = "prior sample" if all_accepted else f"generation {t}"
                print(f"  {what}: {sample.n_accepted} accepted of {evaluated} simulations", file=sys.stderr)
            if sample.n_accepted < n:
                sample.ok = False
            return sample

        @staticmethod
        def _here(job: tuple[int, int, int]) -> Any:
            state = np.random.get_state()  # noqa: NPY002  (this process's draws stay as with workers)
            try:
                return _candidate(*job, simulate_one=_CURRENT)
            finally:
                np.random.set_state(state)  # noqa: NPY002

    return SeededSampler()


# ---------------------------------------------------------------- running it
@dataclass
class Posterior:
    """What a calibration found: the last generation's particles and each generation's figures."""

    particles: pd.DataFrame
    """one row per particle: calibrated paths, nuisance paths, ``weight``"""
    generations: pd.DataFrame
    """generation, epsilon, simulations, accepted, acceptance_rate, ess"""
    stop: str


def calibrate(problem: Problem, settings: Settings, out: Path, progress: bool = False) -> Posterior:
    """Run ABC-SMC; pyabc's database goes to ``out/abc.db``."""
    import pyabc

    for name in ("ABC", "pyabc", "Sampler", "Epsilon", "Distance", "Acceptor", "History"):
        logging.getLogger(name).setLevel(logging.WARNING)
    np.random.seed(np.random.SeedSequence([settings.seed, CALIBRATION_TREE]).generate_state(4))  # noqa: NPY002
    prior = pyabc.Distribution(**{p: prior_rv(d) for p, d in problem.priors})

    def model(parameter: Any) -> dict[str, float]:
        assert _SEQ is not None
        return problem.simulate({p: float(parameter[p]) for p in problem.paths}, _SEQ)

    observed = {g: 0.0 for g in facts.GROUPS}
    sampler = _make_sampler(settings, progress)
    abc = pyabc.ABCSMC(model, prior, distance, population_size=settings.population, sampler=sampler)
    db = out / "abc.db"
    db.unlink(missing_ok=True)
    abc.new(f"sqlite:///{db}", observed)
    history = abc.run(
        minimum_epsilon=settings.min_epsilon,
        max_nr_populations=settings.max_generations,
        max_total_nr_simulations=settings.budget,
    )
    return _posterior(problem, settings, history, sampler.used)


def _posterior(problem: Problem, settings: Settings, history: Any, used: int) -> Posterior:
    pops = history.get_all_populations()
    gens = pops[pops.t >= 0]
    if gens.empty:  # the prior sample and a cut-short first generation used the whole budget
        raise CalibrationError(
            None,
            "--budget",
            f"expected enough simulations for a first generation of {settings.population} particles; all "
            f"{used} of the budget of {settings.budget} were used before it filled: "
            "raise --budget or lower --population",
        )
    rows = []
    for t, eps, samples in zip(gens.t, gens.epsilon, gens.samples, strict=True):
        _, w = history.get_distribution(t=int(t))
        rows.append(
            {
                "generation": int(t),
                "epsilon": float(eps),
                "simulations": int(samples),
                "accepted": settings.population,
                "acceptance_rate": settings.population / int(samples),
                "ess": float(1.0 / np.sum(np.square(w))),
            }
        )
    generations = pd.DataFrame(rows)
    population = history.get_population()
    records = []
    for p in population.particles:
        row = {path: float(p.parameter[path]) for path in problem.paths}
        row |= {path: float(p.sum_stat[f"nuisance:{path}"]) for path in problem.nuisance}
        records.append(row | {WEIGHT: float(p.weight)})
    table = pd.DataFrame(records).sort_values([*problem.paths, *problem.nuisance], kind="stable")
    table[WEIGHT] = table[WEIGHT] / table[WEIGHT].sum()
    keep = [*problem.paths, *problem.nuisance]
    last = generations.iloc[-1] if len(generations) else None
    if last is not None and last.epsilon <= settings.min_epsilon:
        stop = f"tolerance {last.epsilon:.4g} reached the minimum {settings.min_epsilon:g}"
    elif len(generations) >= settings.max_generations:
        stop = f"{settings.max_generations} generations"
    else:
        stop = f"budget: {used} of {settings.budget} simulations used (the generation it cut short is dropped)"
    return Posterior(table[[*keep, WEIGHT]].reset_index(drop=True), generations, stop)


def write_posterior(posterior: Posterior, out: Path) -> Path:
    """``posterior.parquet``: one row per particle, columns by path and ``weight``, ready for
    ``uncertain: [{from: posterior.parquet, weight: weight}]``."""
    path = out / "posterior.parquet"
    write_table(pa.Table.from_pandas(posterior.particles, preserve_index=False), path)
    return path


def identification(problem: Problem, posterior: Posterior) -> pd.DataFrame:
    """Per path with a prior (calibrated or integrated out): the prior's and the posterior's 5-95%
    interval and their width ratio; a path is called identified when the posterior's interval is
    under half the prior's."""
    rows = []
    w = posterior.particles[WEIGHT].to_numpy()
    roles = {p: "calibrated" for p, _ in problem.priors} | {p: "integrated" for p, _ in problem.integrated}
    for path, d in (*problem.priors, *problem.integrated):
        lo, hi = (float(x) for x in d.ppf([0.05, 0.95]))
        q5, q50, q95 = weighted_quantiles(posterior.particles[path].to_numpy(), w, (0.05, 0.5, 0.95))
        ratio = (q95 - q5) / (hi - lo)
        rows.append(
            {
                "path": path,
                "role": roles[path],
                "prior": f"{d.kind} {d.min:g}..{d.max:g}",
                "prior_q05": lo,
                "prior_q95": hi,
                "posterior_q05": q5,
                "posterior_median": q50,
                "posterior_q95": q95,
                "width_ratio": ratio,
                "identified": bool(ratio < 0.5),
            }
        )
    return pd.DataFrame(rows)


def weighted_quantiles(x: np.ndarray, w: np.ndarray, qs) -> list[float]:
    """Quantiles of a weighted sample (inverse of the weighted empirical distribution)."""
    order = np.argsort(x, kind="stable")
    cum = np.cumsum(w[order]) / np.sum(w)
    return [float(x[order][min(int(np.searchsorted(cum, q)), len(x) - 1)]) for q in qs]
