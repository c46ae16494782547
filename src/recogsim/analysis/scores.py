"""An ensemble scored against a dated record: proper scores, ranks and bands, fact by fact.

For each fact of a record (:mod:`recogsim.config.observations`) that falls in the results' months,
the runs give a distribution -- of the month a state first reached a rung or a post changed hands
or closed (``horizon + 1`` in a run where it did not happen by the horizon: censored), or of a
series column's value at the fact's month -- and the fact is scored against it (Gneiting & Raftery
2007, JASA 102):

- ``probability``: the share of runs in which the fact holds (its month, or its count, falls in
  the fact's interval);
- events (state and post facts): the **Brier score** ``(1 - p)**2`` of that probability against
  the outcome the record reports (it happened, 1). A climatological forecast of 0.5 scores 0.25;
  lower is better;
- counts: the **CRPS** of the ensemble's empirical distribution ``F`` (:func:`crps`): for a value
  ``y``, ``∫ (F(x) - 1{x >= y})² dx`` (= ``E|X - y| - ½ E|X - X'|``); for a count known only to lie
  in ``[a, b]``, ``∫_{-∞}^{a} F(x)² dx + ∫_{b}^{∞} (1 - F(x))² dx`` (0 when every run lies in it);
- the rank of the fact in the ensemble (PIT, :func:`pit`): ``F(y)`` for a value, mid-rank for
  ties; for a fact known only to an interval ``[lo, hi]`` (``between``, ``by``, ``not_by``, a
  count's ``min``/``max``) the interval ``[F(lo-), F(hi)]``. A calibrated ensemble's ranks are
  uniform;
- the band: the 5%, 50% and 95% empirical quantiles (the smallest run value with at least that
  share of runs at or below it), so a month band may end "not by" the horizon.

Facts dated before the results' start, wholly at it or after their horizon are out of range; post
facts need the results' ``missions`` table, and without it are listed as not in these results.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from ..config.calendar import add_month
from ..config.observations import UNBOUNDED, CountFact, Observations, PostFact, StateFact
from ..config.schema import LEVELS, UN_BLOC, Scenario
from ..errors import InputError
from ..model import record as output
from ..runs import facts
from ..runs.store import EnsembleResult

BAND = (0.05, 0.5, 0.95)
"""The quantiles of the band: 5%, median, 95%."""
BRIER_REFERENCE = 0.25
"""The Brier score of a climatological forecast of 0.5 for an event that happened."""
SCORED, OUT_OF_RANGE, NOT_IN_RESULTS = "scored", "out of range", "not in results"
"""A fact's status in the scores."""
RUNG_WORDS = {
    "engaged": "engages the Taliban",
    "hosts_diplomats": "hosts Taliban diplomats",
    "de_facto": "recognises de facto",
    "de_jure": "recognises de jure",
}
POST_WORDS = {"handed_over": "passes to the Taliban", "closed": "closes"}
COLUMNS = (
    "index",
    "kind",
    "label",
    "when",
    "observed",
    "status",
    "probability",
    "q05",
    "median",
    "q95",
    "pit_lo",
    "pit_hi",
    "score",
    "score_kind",
)
"""The columns of ``scores_<record>.csv``, in order."""


# ---------------------------------------------------------------- scores of one fact
def _members(values: np.ndarray) -> np.ndarray:
    x = np.sort(np.asarray(values, dtype=float))
    if not len(x):
        raise ValueError("no runs to score")
    return x


def cdf(values: np.ndarray, x: float, strict: bool = False) -> float:
    """The ensemble's empirical ``F(x)`` (share of runs at or below ``x``); ``strict``: ``F(x-)``."""
    v = _members(values)
    return float(np.mean(v < x) if strict else np.mean(v <= x))


def pit(values: np.ndarray, lo: float, hi: float) -> tuple[float, float]:
    """The rank of a fact in the ensemble: for a value (``lo == hi``) its mid-rank
    ``F(y-) + ½(F(y) - F(y-))`` as both ends; for an interval ``[F(lo-), F(hi)]``."""
    if lo == hi:
        below, at_or_below = cdf(values, lo, strict=True), cdf(values, lo)
        mid = below + (at_or_below - below) / 2
        return mid, mid
    return cdf(values, lo, strict=True), cdf(values, hi)


def probability(values: np.ndarray, lo: float, hi: float) -> float:
    """The share of runs whose value falls in ``[lo, hi]``."""
    v = _members(values)
    return float(np.mean((v >= lo) & (v <= hi)))


def brier(p: float, outcome: float = 1.0) -> float:
    """The Brier score of a forecast probability ``p`` against an outcome (1: it happened)."""
    return float((p - outcome) ** 2)


def crps(values: np.ndarray, lo: float, hi: float) -> float:
    """The CRPS of the ensemble's empirical distribution against a value (``lo == hi``) or an
    interval ``[lo, hi]``: ``∫_{-∞}^{lo} F(x)² dx + ∫_{hi}^{∞} (1 - F(x))² dx``, computed exactly
    on the steps of ``F``. For a value it equals :func:`crps_energy`."""
    x = _members(values)
    n = len(x)
    f = np.arange(1, n + 1) / n  # F on [x[k], x[k+1])
    right = np.append(x[1:], np.inf)
    below = np.clip(np.minimum(right, lo) - x, 0, None) if lo > -np.inf else np.zeros(n)
    above = np.clip(right - np.maximum(x, hi), 0, None)[:-1] if hi < np.inf else np.zeros(n - 1)
    first = max(x[0] - hi, 0.0) if hi < np.inf else 0.0  # below the first run, 1 - F = 1
    return float(np.sum(f**2 * below) + np.sum((1 - f[:-1]) ** 2 * above) + first)


def crps_energy(values: np.ndarray, y: float) -> float:
    """The ensemble CRPS in its energy form ``E|X - y| - ½ E|X - X'|`` (all pairs)."""
    x = _members(values)
    n = len(x)
    pairs = 2 * np.sum((2 * np.arange(1, n + 1) - n - 1) * x) / n**2  # E|X - X'| from the sorted runs
    return float(np.mean(np.abs(x - y)) - pairs / 2)


def band(values: np.ndarray) -> tuple[float, float, float]:
    """The 5%, 50% and 95% empirical quantiles (values the runs took)."""
    q = np.quantile(_members(values), BAND, method="inverted_cdf")
    return float(q[0]), float(q[1]), float(q[2])


# ---------------------------------------------------------------- runs as views
def run_views(
    scenario: Scenario,
    horizon: int,
    runs: pd.DataFrame,
    series: pd.DataFrame,
    states: pd.DataFrame,
    missions: pd.DataFrame | None,
    columns: list[str],
    where: str = "results",
) -> list[facts.RunView]:
    """Each run of a results folder as a :class:`~recogsim.runs.facts.RunView` (months since the
    start, -1: never), with the series ``columns`` only; posts are empty without ``missions``."""
    keys = [k for k in ("point", "replication") if k in runs.columns]
    order = pd.MultiIndex.from_frame(runs[keys]).sort_values()
    names = [s.name for s in scenario.states]
    posts = [m.name for m in scenario.missions]

    def indexed(df: pd.DataFrame, table: str, by: str, expected: list[str]) -> pd.DataFrame:
        found = set(df[by]) if by in df.columns else set()
        if found != set(expected):
            missing = sorted(set(expected) - found)
            raise InputError(
                where,
                f"{table}.parquet",
                f"does not match the scenario in manifest.json: expected its {len(expected)} {by}s, "
                f"got {len(found)}" + (f" (missing {missing[0]!r})" if missing else ""),
            )
        return df.set_index([*keys, by])

    st = indexed(states, "states", "state", names)
    first = np.full((len(order), len(names), len(LEVELS)), -1, dtype=np.int64)
    first[:, :, 0] = 0
    for rung, name in enumerate(LEVELS[1:], start=1):
        m = st[f"month_{name}"].unstack("state").reindex(index=order, columns=names)
        first[:, :, rung] = m.astype("Float64").fillna(-1).to_numpy(dtype=np.int64)
    held: dict[str, np.ndarray] = {}
    if missions is not None:
        ms = indexed(missions, "missions", "mission", posts)
        for event in ("taliban", "closed"):
            m = ms[f"month_{event}"].unstack("mission").reindex(index=order, columns=posts)
            held[event] = m.astype("Float64").fillna(-1).to_numpy(dtype=np.int64)
    months = list(range(horizon + 1))
    se = series.set_index([*keys, "month"])
    values = {}
    for column in columns:
        v = se[column].unstack("month").reindex(index=order, columns=months)
        if v.isna().to_numpy().any():
            raise InputError(where, "series.parquet", f"expected {column} at every month 0..{horizon} of every run")
        values[column] = v.to_numpy(dtype=float)
    return [
        facts.RunView(
            first[r],
            {k: v[r] for k, v in held.items()},
            {c: v[r] for c, v in values.items()},
        )
        for r in range(len(order))
    ]


# ---------------------------------------------------------------- the scores
@dataclass(frozen=True)
class Scores:
    """A record scored against an ensemble: one row per fact (see :data:`COLUMNS`; besides them,
    ``column`` and ``lo``/``hi``, the fact's interval in months since the start or in the
    count's units, for plots), and what the months mean."""

    table: pd.DataFrame
    record: str
    start: str
    horizon: int
    runs: int

    def month(self, m: float) -> str:
        """A month of the runs as a date; past the horizon: "not by" the horizon's date."""
        if m > self.horizon:
            return f"not by {add_month(self.start, self.horizon)}"
        return add_month(self.start, int(m))

    def summary(self) -> dict[str, float | int]:
        t = self.table
        scored = t[t["status"] == SCORED]
        out: dict[str, float | int] = {
            "events": int((scored["score_kind"] == "brier").sum()),
            "counts": int((scored["score_kind"] == "crps").sum()),
            "out_of_range": int((t["status"] == OUT_OF_RANGE).sum()),
            "not_in_results": int((t["status"] == NOT_IN_RESULTS).sum()),
        }
        for kind, key in (("brier", "mean_brier"), ("crps", "mean_crps")):
            s = scored.loc[scored["score_kind"] == kind, "score"]
            out[key] = float(s.mean()) if len(s) else float("nan")
        return out


def fact_label(fact: StateFact | PostFact | CountFact, scenario: Scenario) -> str:
    """A fact in words, series columns by their labels in the output record."""
    if isinstance(fact, StateFact):
        un = any(s.name == fact.state and s.bloc == UN_BLOC for s in scenario.states)
        words = "seats a Taliban nominee" if un and fact.reached == "hosts_diplomats" else RUNG_WORDS[fact.reached]
        return f"{fact.state} {words}"
    if isinstance(fact, PostFact):
        return f"{fact.mission} {POST_WORDS[fact.event]}"
    return output.label(fact.count, scenario)


def score(
    obs: Observations,
    file: str,
    scenario: Scenario,
    views: list[facts.RunView],
    horizon: int,
    has_missions: bool = True,
) -> Scores:
    """Score the record ``obs`` (read from ``file``) against runs of ``scenario`` seen as
    ``views``. Raises :class:`~recogsim.config.observations.ObservationError` when a name of the
    record is not in the scenario, and :class:`~recogsim.errors.InputError` when no fact can be
    scored."""
    bound = facts.bind(obs, scenario, file, horizon=horizon)
    posts = {i for i, *_ in bound.posts}
    scorable = bound if has_missions else replace(bound, posts=[])
    per_run = [facts.fact_values(scorable, v) for v in views]
    intervals = {i: (lo, hi) for i, *_, lo, hi in (*scorable.states, *scorable.posts, *scorable.counts)}
    if not intervals:
        missing = f"; {len(posts)} post fact(s) need the results' missions table" if posts and not has_missions else ""
        raise InputError(
            file,
            "facts",
            f"no fact can be scored: {len(bound.out_of_range)} of {len(obs.facts)} are dated outside the "
            f"results' months {scenario.start}..{add_month(scenario.start, horizon)}{missing}",
        )
    rows = []
    for i, fact in enumerate(obs.facts):
        kind = "count" if isinstance(fact, CountFact) else "post" if isinstance(fact, PostFact) else "state"
        row: dict = {
            "index": i,
            "kind": kind,
            "label": fact_label(fact, scenario) + (f" at {fact.month}" if isinstance(fact, CountFact) else ""),
            "when": fact.when,
            "observed": observed(fact),
            "column": fact.count if isinstance(fact, CountFact) else None,
        }
        if i in bound.out_of_range:
            rows.append({**row, "status": OUT_OF_RANGE})
            continue
        if i not in intervals:
            rows.append({**row, "status": NOT_IN_RESULTS})
            continue
        lo, hi = intervals[i]
        values = np.array([r[i] for r in per_run], dtype=float)
        p = probability(values, lo, hi)
        q05, q50, q95 = band(values)
        pit_lo, pit_hi = pit(values, lo, hi)
        counted = kind == "count"
        rows.append(
            {
                **row,
                "status": SCORED,
                "probability": p,
                "q05": q05,
                "median": q50,
                "q95": q95,
                "pit_lo": pit_lo,
                "pit_hi": pit_hi,
                "score": crps(values, lo, hi) if counted else brier(p),
                "score_kind": "crps" if counted else "brier",
                "lo": float(lo),
                "hi": float(hi),
            }
        )
    table = pd.DataFrame(rows, columns=[*COLUMNS, "column", "lo", "hi"])
    return Scores(table, obs.name, scenario.start, horizon, len(views))


def observed(fact: StateFact | PostFact | CountFact) -> str:
    """A count fact's value as the file gives it (``14``, ``3..5``, ``>= 3``); empty for an event."""
    if not isinstance(fact, CountFact):
        return ""
    if fact.value is not None:
        return f"{fact.value:g}"
    lo, hi = fact.bounds()
    if lo > -np.inf and hi < np.inf:
        return f"{lo:g}..{hi:g}"
    return f">= {lo:g}" if lo > -np.inf else f"<= {hi:g}"


def csv_frame(scores: Scores) -> pd.DataFrame:
    """The table as ``scores_<record>.csv`` holds it: months as dates ("not by" the horizon's date
    past it), numbers rounded to 6 significant digits."""
    t = scores.table[list(COLUMNS)].copy()
    months = scores.table["kind"] != "count"
    scored = scores.table["status"] == SCORED
    for column in ("q05", "median", "q95"):
        t[column] = [
            "" if not ok else scores.month(v) if is_month else f"{v:.6g}"
            for v, ok, is_month in zip(scores.table[column], scored, months, strict=True)
        ]
    for column in ("probability", "pit_lo", "pit_hi", "score"):
        t[column] = ["" if pd.isna(v) else f"{v:.6g}" for v in scores.table[column]]
    t["score_kind"] = t["score_kind"].fillna("")
    return t


def unbounded(v: float) -> bool:
    """Whether an interval's end stands for "no bound" (months or counts)."""
    return not np.isfinite(v) or abs(v) >= UNBOUNDED


def score_results(result: EnsembleResult, obs: Observations, file: str, where: str = "results") -> Scores:
    """Score a record against an ensemble's results (``where``: their folder, for messages): the
    scenario and horizon from the manifest; post facts only if the results hold a missions table."""
    try:
        scenario = Scenario.model_validate(result.manifest["scenario"])
        horizon = int(result.manifest.get("horizon_months", scenario.horizon_months))
    except (KeyError, TypeError, ValueError) as exc:
        raise InputError(
            where, "manifest.json", f"expected the resolved scenario under 'scenario', got {type(exc).__name__}"
        ) from None
    bound = facts.bind(obs, scenario, file, horizon=horizon)  # names checked before tables are read
    missions = getattr(result, "missions", None)
    columns = list(dict.fromkeys(column for _, column, *_ in bound.counts))
    views = run_views(scenario, horizon, result.runs, result.series, result.states, missions, columns, where)
    return score(obs, file, scenario, views, horizon, has_missions=missions is not None)


def _pit_text(lo: float, hi: float) -> str:
    return f"{lo:.2f}" if hi - lo < 5e-3 else f"{lo:.2f}-{hi:.2f}"


def scores_table(scores: Scores) -> str:
    """The scores as the command line prints them: one row per fact, then a summary line."""
    t = scores.table
    header = ("#", "fact", "when", "record", "P(fact)", "runs 5%..95% (median)", "PIT", "score")
    rows = [header]
    for r in t.to_dict("records"):
        lead = (str(r["index"]), str(r["label"]), str(r["when"]), str(r["observed"]))
        if r["status"] != SCORED:
            status = "not in these results (no missions table)" if r["status"] == NOT_IN_RESULTS else str(r["status"])
            rows.append((*lead, status, "", "", ""))
            continue
        q05, median, q95 = float(r["q05"]), float(r["median"]), float(r["q95"])
        if r["kind"] == "count":
            span = f"{q05:g}..{q95:g} ({median:g})"
        elif q05 > scores.horizon:
            span = scores.month(q05)  # in no more than 5% of the runs by the horizon
        else:
            span = f"{scores.month(q05)}..{scores.month(q95)} ({scores.month(median)})"
        pit = _pit_text(float(r["pit_lo"]), float(r["pit_hi"]))
        rows.append((*lead, f"{float(r['probability']):.3f}", span, pit, f"{r['score_kind']} {float(r['score']):.3g}"))
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip() for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    s = scores.summary()
    parts = [f"{scores.runs} runs, {add_month(scores.start, 0)}..{add_month(scores.start, scores.horizon)}"]
    if s["events"]:
        parts.append(
            f"mean Brier {s['mean_brier']:.3f} over {s['events']} events "
            f"(a forecast of 0.5 scores {BRIER_REFERENCE}; lower is better)"
        )
    if s["counts"]:
        parts.append(f"mean CRPS {s['mean_crps']:.3g} over {s['counts']} counts")
    parts.append(f"{s['out_of_range']} out of range")
    if s["not_in_results"]:
        parts.append(f"{s['not_in_results']} post facts not in these results (no missions table)")
    return "\n".join([*lines, "; ".join(parts)])
