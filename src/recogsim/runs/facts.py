"""A dated record against runs: what each run says about each fact, and how far it misses.

A record (:mod:`recogsim.config.observations`) is bound to a scenario once (:func:`bind`): names
checked, dates turned into the scenario's months, facts outside the runs' months set aside. A run
is then seen as a :class:`RunView` -- the month each state first reached each rung, the month each
post changed hands or closed, the monthly series -- built from a model (:meth:`RunView.of_model`,
for calibration) or from a results folder's tables (for scoring). Everything else here works on
views, so that the calibration's distance and the scores read the same facts the same way.

The calibration's summary statistics (:func:`discrepancies`) compare trajectories, not only the end
point. Each is a miss scaled to [0, 1], and the ABC distance adds them with equal weights:

- ``when``: for each dated state or post fact, the months by which the run's date falls outside
  the fact's interval (a run where it never happens counts it one month after the record's end),
  over the record's length in months, averaged over the facts;
- ``which``: one minus the Jaccard similarity of the states hosting Taliban diplomats at the
  record's end, in the run and in the record, among the states whose status then the record
  settles (every state that surely does, or surely does not);
- ``hosting`` and ``posts``: at each quarter's end, how far the run's count of states hosting
  Taliban diplomats, and of Taliban-held posts, falls outside the interval the record allows (its
  dated facts give the surely and the possibly reached, its counts at a month narrow it), over the
  interval's lower end (at least 2): a run that misses every state the record says hosted scores 1;
- ``counts``: for each count fact (say "no Western post", "nobody recognises"), the miss over the
  fact's value (at least 1), capped at 1, averaged over the facts.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from ..config.calendar import months_between
from ..config.observations import (
    LEVEL_OF_FACT,
    CountFact,
    ObservationError,
    Observations,
    PostFact,
    StateFact,
)
from ..config.schema import LEVELS, UN_BLOC, Scenario
from ..model import record as output

HOSTS = LEVELS.index("hosts_diplomats")
GROUPS = ("when", "which", "hosting", "posts", "counts")
"""The calibration's summary statistics, in the order the distance adds them (equal weights)."""
PRESENCE, HELD = "countries_taliban_presence", "missions_taliban"
"""The series the quarterly trajectories count: states hosting Taliban diplomats, Taliban-held posts."""
POST_EVENTS = {"handed_over": "taliban", "closed": "closed"}
"""A post fact's event and the model's name for the month it happened (``post_months``)."""


@dataclass(frozen=True)
class RunView:
    """What one run says about dated facts: months counted from the scenario's start, -1 where
    the thing never happened in the run (0: already so at the start)."""

    first: np.ndarray
    """(states, rungs) month each state first stood at each rung"""
    posts: Mapping[str, np.ndarray]
    """``taliban`` and ``closed``: month each post changed hands, closed"""
    series: Mapping[str, np.ndarray]
    """each series column by month 0..horizon"""

    @classmethod
    def of_model(cls, model: Any) -> RunView:
        return cls(model.first_month, model.post_months, model.datacollector.model_vars)


@dataclass(frozen=True)
class BoundRecord:
    """A record checked against a scenario and a number of months, its dates in model months."""

    record: Observations
    file: str
    start: str
    horizon: int
    states: list[tuple[int, int, int, int, int]] = field(default_factory=list)
    """(fact, state, rung, lo, hi) of each state fact in range"""
    posts: list[tuple[int, int, str, int, int]] = field(default_factory=list)
    """(fact, post, event, lo, hi) of each post fact in range"""
    counts: list[tuple[int, str, int, float, float]] = field(default_factory=list)
    """(fact, column, month, lo, hi) of each count fact in range"""
    out_of_range: list[int] = field(default_factory=list)
    """facts dated before the runs' start, wholly at it (what the starting state holds, not
    something the runs say) or after their last month"""
    quarters: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=int))
    hosting: tuple[np.ndarray, np.ndarray] | None = None
    """the record's (lo, hi) count of states hosting Taliban diplomats at each quarter's end
    (None: the record says nothing of it)"""
    held: tuple[np.ndarray, np.ndarray] | None = None
    """the same for Taliban-held posts"""
    settled: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=int))
    """states whose hosting at the last month the record settles, and whether they host"""
    settled_hosting: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))


def _miss(value: ArrayLike, lo: ArrayLike, hi: ArrayLike) -> np.ndarray:
    """How far ``value`` lies outside [lo, hi] (0 inside)."""
    value, lo, hi = np.asarray(value, dtype=float), np.asarray(lo, dtype=float), np.asarray(hi, dtype=float)
    return np.maximum(np.maximum(lo - value, value - hi), 0.0)


def check_counts(obs: Observations, file: str, scenario: Scenario | None = None) -> None:
    """A count fact on a column that counts (states, posts: the record's kind ``count``) must give a
    whole number of them, not below 0: -3 or 14.5 states cannot be scored against whole-number runs.
    Without a scenario (checking a file alone), the columns the record names without one."""
    for i, fact in enumerate(obs.facts):
        if not isinstance(fact, CountFact):
            continue
        column = output.describe(fact.count, scenario)
        if column is None or column.kind != "count":
            continue
        for key in ("value", "min", "max"):
            v = getattr(fact, key)
            if v is not None and (v < 0 or (key == "value" and not float(v).is_integer())):
                raise ObservationError(
                    file,
                    f"facts[{i}].{key}",
                    f"expected a whole number of {column.unit}, at least 0, for {fact.count}, got {v:g}",
                )


def bind(obs: Observations, scenario: Scenario, file: str, horizon: int | None = None) -> BoundRecord:
    """Check the record ``obs``'s names against ``scenario`` and date its facts in the scenario's months.
    ``horizon``: the runs' last month (default: the record's end). Raises :class:`ObservationError`."""
    end = months_between(scenario.start, obs.end)
    horizon = end if horizon is None else horizon
    if end < 1 and horizon == end:
        raise ObservationError(
            file, "end", f"the record ends in {obs.end}, not after the scenario's start {scenario.start}"
        )
    states = {s.name: i for i, s in enumerate(scenario.states)}
    posts = {m.name: i for i, m in enumerate(scenario.missions)}
    series = set(output.series_columns(scenario))
    check_counts(obs, file, scenario)
    out: dict[str, list] = {"states": [], "posts": [], "counts": [], "out_of_range": []}
    for i, fact in enumerate(obs.facts):
        if isinstance(fact, StateFact) and fact.state not in states:
            raise ObservationError(file, f"facts[{i}].state", f"{fact.state!r} is not a state of {scenario.name}")
        if isinstance(fact, PostFact) and fact.mission not in posts:
            raise ObservationError(file, f"facts[{i}].mission", f"{fact.mission!r} is not a post of {scenario.name}")
        if isinstance(fact, CountFact) and fact.count not in series:
            raise ObservationError(
                file, f"facts[{i}].count", f"{fact.count!r} is not a series column; expected one of {sorted(series)}"
            )
        months = [months_between(scenario.start, m) for m in fact.months()]
        if min(months) < 0 or max(months) == 0 or max(months) > horizon:
            out["out_of_range"].append(i)  # before the start, at it (the starting state says it), or after
        elif isinstance(fact, StateFact):
            out["states"].append((i, states[fact.state], LEVEL_OF_FACT[fact.reached], *fact.interval(scenario.start)))
        elif isinstance(fact, PostFact):
            out["posts"].append((i, posts[fact.mission], fact.event, *fact.interval(scenario.start)))
        else:
            out["counts"].append((i, fact.count, months[0], *fact.bounds()))
    bound = BoundRecord(
        obs, file, scenario.start, horizon, out["states"], out["posts"], out["counts"], out["out_of_range"]
    )
    return _trajectories(bound, scenario)


def _quarter_ends(start: str, horizon: int) -> np.ndarray:
    first = int(start.split("-")[1]) % 3  # months from the start to the next quarter's end, mod 3
    ends = list(range((3 - first) % 3 or 3, horizon + 1, 3))
    return np.array(sorted({*ends, horizon}), dtype=int)


def _trajectories(b: BoundRecord, scenario: Scenario) -> BoundRecord:
    """The record's bounds on the quarterly counts, from its dated facts and its counts."""
    counted = [i for i, s in enumerate(scenario.states) if s.bloc != UN_BLOC]
    q = _quarter_ends(scenario.start, b.horizon)
    host = {s: (lo, hi) for _, s, rung, lo, hi in b.states if rung == HOSTS}
    start_level = {i: LEVELS.index(s.level) for i, s in enumerate(scenario.states)}
    hosting = _bounds(q, counted, host, {i for i in counted if start_level[i] >= HOSTS})
    taken = {p: (lo, hi) for _, p, ev, lo, hi in b.posts if ev == "handed_over"}
    held_at_start = {i for i, m in enumerate(scenario.missions) if m.controller == "taliban"}
    held = _bounds(q, range(len(scenario.missions)), taken, held_at_start)
    for lo_hi, column in ((hosting, PRESENCE), (held, HELD)):
        for fact, col, month, lo, hi in b.counts:
            if col == column and month in q:
                k = int(np.searchsorted(q, month))
                new = max(lo_hi[0][k], lo), min(lo_hi[1][k], hi)
                if new[0] > new[1]:
                    raise ObservationError(
                        b.file,
                        f"facts[{fact}]",
                        f"{column} {lo:g}..{hi:g} at {b.record.facts[fact].month} contradicts the dated facts, "
                        f"which put it in {lo_hi[0][k]:g}..{lo_hi[1][k]:g}",
                    )
                lo_hi[0][k], lo_hi[1][k] = new
    settled = [s for s in counted if s in host and (host[s][1] <= b.horizon or host[s][0] > b.horizon)]
    return replace(
        b,
        quarters=q,
        hosting=_if_constrained(hosting, len(counted)),
        held=_if_constrained(held, len(scenario.missions)),
        settled=np.array(settled, dtype=int),
        settled_hosting=np.array([host[s][1] <= b.horizon for s in settled], dtype=bool),
    )


def _if_constrained(lo_hi: tuple[np.ndarray, np.ndarray], n: int) -> tuple[np.ndarray, np.ndarray] | None:
    """The bounds, or None where the record says nothing (0..n at every quarter)."""
    return lo_hi if (lo_hi[0] > 0).any() or (lo_hi[1] < n).any() else None


def _bounds(
    q: np.ndarray, items, dated: dict[int, tuple[int, int]], at_start: set[int]
) -> tuple[np.ndarray, np.ndarray]:
    """At each month of ``q``: how many ``items`` surely (lo) and possibly (hi) had happened."""
    lo, hi = np.zeros(len(q)), np.zeros(len(q))
    for i in items:
        if i in dated:
            a, z = dated[i]
            lo += z <= q
            hi += a <= q
        else:
            lo += i in at_start
            hi += 1
    return lo, hi


def fact_values(b: BoundRecord, view: RunView) -> dict[int, float]:
    """Per fact in range: the run's month of the state or post fact (``horizon + 1``: not in
    the run), or its count at the fact's month."""
    never = b.horizon + 1
    out: dict[int, float] = {}
    for i, s, rung, _, _ in b.states:
        m = view.first[s, rung]
        out[i] = float(never if m < 0 else m)
    for i, p, event, _, _ in b.posts:
        m = view.posts[POST_EVENTS[event]][p]
        out[i] = float(never if m < 0 else m)
    for i, column, month, _, _ in b.counts:
        out[i] = float(view.series[column][month])
    return out


def hits(b: BoundRecord, values: Mapping[int, float]) -> dict[int, bool]:
    """Whether each fact in range holds in the run."""
    lo_hi = {i: (lo, hi) for i, *_, lo, hi in (*b.states, *b.posts)} | {i: (lo, hi) for i, _, _, lo, hi in b.counts}
    return {i: bool(lo_hi[i][0] <= v <= lo_hi[i][1]) for i, v in values.items()}


def discrepancies(b: BoundRecord, view: RunView) -> dict[str, float]:
    """The calibration's summary statistics for one run (see the module docstring): each a miss
    in [0, 1], present when the record has facts of its group."""
    values = fact_values(b, view)
    out: dict[str, float] = {}
    dated = [(i, lo, hi) for i, *_, lo, hi in (*b.states, *b.posts)]
    if dated:
        late = [min(1.0, float(_miss(np.float64(values[i]), lo, hi)) / b.horizon) for i, lo, hi in dated]
        out["when"] = float(np.mean(late))
    if len(b.settled):
        ran = view.first[b.settled, HOSTS]
        sim = (ran >= 0) & (ran <= b.horizon)
        union = (sim | b.settled_hosting).sum()
        out["which"] = float(1 - (sim & b.settled_hosting).sum() / union) if union else 0.0
    for name, column, bounds in (("hosting", PRESENCE, b.hosting), ("posts", HELD, b.held)):
        if bounds is not None:
            ran = np.asarray(view.series[column])[b.quarters].astype(float)
            out[name] = float(np.mean(np.minimum(1.0, _miss(ran, *bounds) / np.maximum(bounds[0], 2.0))))
    if b.counts:
        scale = [
            max(1.0, abs(lo) if np.isfinite(lo) else 0.0, abs(hi) if np.isfinite(hi) else 0.0)
            for *_, lo, hi in b.counts
        ]
        misses = [_miss(np.float64(values[i]), lo, hi) for i, _, _, lo, hi in b.counts]
        out["counts"] = float(np.mean(np.minimum(1.0, np.divide(misses, scale))))
    return out
