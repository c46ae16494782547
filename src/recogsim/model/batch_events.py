"""Scheduled events over a block of replications: each applied to every replication at once, as
``RecognitionModel._event_<kind>`` applies it to one run."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from ..config import schema as sc
from ..config.references import apply, concrete_paths

if TYPE_CHECKING:
    from .batch import Batch


def apply_events(b: Batch, month: int) -> None:
    """Apply the events dated ``month`` in file order (``Batch.events`` holds those not yet applied)."""
    while b.events and b.events[0][1].month == month:
        _, ev = b.events.pop(0)
        EVENTS[ev.kind](b, ev)


def _set(b: Batch, ev: sc.SetEvent) -> None:
    data = b.scenario.canonical()
    hit = concrete_paths(data, ev.path)
    b.drawn = {p: v for p, v in b.drawn.items() if not concrete_paths(data, p) <= hit}
    b.scenario = apply(b.scenario, ev.path, ev.value)
    b.load_parameters()
    spec, lever = b.scenario.taliban, ev.path.removeprefix("taliban.")
    if lever in ("concessions", "lobbying"):  # only the lever named; others keep their course
        setattr(b, lever, b.lever_default(lever).copy())
    elif lever == "crackdown" or lever.startswith("crackdown_on."):
        names = [g.name for g in b.scenario.militants]
        moved = [n not in spec.crackdown_on if lever == "crackdown" else lever == f"crackdown_on.{n}" for n in names]
        b.crackdown = np.where(moved, b.crackdown_levers(), b.crackdown)


def _relation(b: Batch, ev: sc.RelationEvent) -> None:
    moved = np.zeros(b.levels.shape, dtype=bool)
    moved[:, b.state_index[ev.state]] = True
    b.set_levels(np.full(b.levels.shape, sc.level_index(ev.level)), moved)


def _influx(b: Batch, ev: sc.InfluxEvent) -> None:
    j = [g.name for g in b.scenario.militants].index(ev.group)
    b.strength[:, j] = np.minimum(b.strength[:, j] + ev.amount, 1.0)
    b.pool[:, j] = np.maximum(b.pool[:, j] - ev.amount, 0.0)


def _withdraw_sanctuary(b: Batch, ev: sc.WithdrawSanctuaryEvent) -> None:
    q = [r.name for r in b.scenario.resistance].index(ev.resistance)
    b.sanctuary[:, q] = -1


def _close_mission(b: Batch, ev: sc.CloseMissionEvent) -> None:
    posts = np.zeros(b.controller.shape, dtype=bool)
    posts[:, [m.name for m in b.scenario.missions].index(ev.mission)] = True
    b.close(posts, "event")


EVENTS: dict[str, Callable[[Batch, Any], None]] = {
    "set": _set,
    "relation": _relation,
    "influx": _influx,
    "withdraw_sanctuary": _withdraw_sanctuary,
    "close_mission": _close_mission,
}
