"""Synthetic records: what an observer of one run would have written, for checking the calibrator.

A calibration is only trusted once it recovers parameters it was not told (simulation-based
calibration, Talts et al. 2018): run the scenario at known values, write the record that run
would have left (:func:`synthetic_record`), calibrate against it, and see whether the posterior
covers the values. The record has the kinds of fact the real one has, dated exactly:

- every state outside the UN bloc: the month it first hosted Taliban diplomats (``by`` the start
  if it already did), or ``not_by`` the record's end;
- every post: the month it changed hands to the Taliban, or ``not_by`` the end; and the month it
  closed, for the posts that did;
- at the end: the counts of states hosting Taliban diplomats, of Taliban-held posts, of states
  recognising de facto, and of Taliban-held posts in Western states.

The first two counts are left out of a run where a state stopped hosting, or a post taken by the
Taliban closed: :func:`facts.bind` reads a dated fact as still holding at the record's end (so did
the 2021-23 record), and the true count would contradict it.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from ..config.calendar import add_month, months_between
from ..config.observations import CountFact, ObservationError, Observations, PostFact, StateFact
from ..config.schema import UN_BLOC, Scenario
from . import facts
from .calibrate import Problem

END_COUNTS = ("countries_taliban_presence", "missions_taliban", "de_facto_count", "western_missions_taliban")
"""The series a synthetic record counts at its end."""


def synthetic_record(
    scenario: Scenario,
    view: facts.RunView,
    name: str,
    end: str | None = None,
    *,
    seed: int | None = None,
    parameters: Mapping[str, float] | None = None,
) -> Observations:
    """The record an observer of the run ``view`` of ``scenario`` would have written, from the
    scenario's start to ``end`` (default: the run's last month). ``seed`` and ``parameters`` go
    into each fact's source. Raises :class:`ObservationError` for an ``end`` outside the run."""
    last = len(next(iter(view.series.values()))) - 1
    end = end or add_month(scenario.start, last)
    cut = months_between(scenario.start, end)
    if not 1 <= cut <= last:
        raise ObservationError(
            None, "end", f"expected a month after {scenario.start} and by {add_month(scenario.start, last)}, got {end}"
        )
    told = ", ".join(f"{p} = {v:.6g}" for p, v in (parameters or {}).items())
    source = f"synthetic: {scenario.name}" + (f" seed {seed}" if seed is not None else "")
    source += f", parameters {told}" if told else ""

    def dated(month: int) -> dict[str, object]:
        """A fact's date from the run's month (-1: never): exact, ``by`` the start, or ``not_by`` the end."""
        if month < 0 or month > cut:
            return {"not_by": end}
        return {"by": scenario.start} if month == 0 else {"month": add_month(scenario.start, int(month))}

    out: list[StateFact | PostFact | CountFact] = []
    for i, s in enumerate(scenario.states):
        if s.bloc != UN_BLOC:
            month = int(view.first[i, facts.HOSTS])
            out.append(
                StateFact.model_validate(
                    {"state": s.name, "reached": "hosts_diplomats", "source": source} | dated(month)
                )
            )
    for i, m in enumerate(scenario.missions):
        taken = int(view.posts["taliban"][i])
        out.append(
            PostFact.model_validate({"mission": m.name, "event": "handed_over", "source": source} | dated(taken))
        )
        closed = int(view.posts["closed"][i])
        if 0 <= closed <= cut:
            out.append(
                PostFact.model_validate({"mission": m.name, "event": "closed", "source": source} | dated(closed))
            )
    implied = {
        facts.PRESENCE: sum(1 for f in out if isinstance(f, StateFact) and f.not_by is None),
        facts.HELD: sum(1 for f in out if isinstance(f, PostFact) and f.event == "handed_over" and f.not_by is None),
    }
    for column in END_COUNTS:
        value = float(np.asarray(view.series[column])[cut])
        if column in implied and value != implied[column]:
            continue
        out.append(CountFact.model_validate({"count": column, "month": end, "value": value, "source": source}))
    return Observations(
        name=name,
        description=f"what one run of {scenario.name} would have left on record, {scenario.start} to {end}",
        start=scenario.start,
        end=end,
        facts=out,
    )


def synthetic_run(
    problem: Problem, values: Mapping[str, float], seed: int, name: str = "synthetic"
) -> tuple[facts.RunView, Observations]:
    """One run of ``problem``'s scenario at ``values`` (its calibrated paths), built as every
    calibration candidate is (:meth:`Problem.candidate`: nuisance rows and model seed from
    ``SeedSequence(seed)``), run to the problem's record's end; its view and its record."""
    missing = [p for p in problem.paths if p not in values]
    if missing:
        raise ObservationError(None, "parameters", f"expected a value for every calibrated path, missing {missing}")
    view, drawn = problem.run(dict(values), np.random.SeedSequence(seed))
    record = synthetic_record(problem.scenario, view, name, seed=seed, parameters={**values, **drawn})
    return view, record


def record_yaml(record: Observations) -> dict:
    """A record as an observation file holds it (``yaml.safe_dump`` it; empty keys left out)."""
    return record.model_dump(mode="json", exclude_none=True, exclude_defaults=False)


def blank_record(scenario: Scenario, end: str) -> Observations:
    """A record that says nothing a run can miss (the count of states hosting Taliban diplomats
    at ``end`` is at least 0): what :meth:`Problem.of` needs to know how long to run before the
    synthetic record exists."""
    fact = CountFact.model_validate(
        {"count": facts.PRESENCE, "month": end, "min": 0.0, "source": "blank: no information"}
    )
    return Observations(name="blank", start=scenario.start, end=end, facts=[fact])
