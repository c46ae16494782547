"""Checks that span several keys of a validated scenario: names that must resolve, names that must
be unique, and which paths may be varied (by a ``set`` event mid-run, or by an experiment).

``blame(loc)`` names the file a value came from (see :mod:`.loading`), so that an error in an
inherited value points at the parent file.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import ValidationError

from ..errors import ScenarioError
from . import paths
from .diagnostics import describe, format_loc
from .schema import (
    EVENT_KINDS,
    MilitantSpec,
    MissionSpec,
    ResistanceSpec,
    Rules,
    Scenario,
    SetEvent,
    StateSpec,
    TalibanAdaptive,
    TalibanSpec,
    World,
    level_index,
)

Blame = Callable[[tuple], str]
NAMED_LISTS = ("states", "militants", "resistance", "missions")


def _duplicates(items: list, loc: str, blame: Blame) -> None:
    seen: dict[str, int] = {}
    for i, item in enumerate(items):
        if item.name in seen:
            raise ScenarioError(
                blame((loc, i, "name")),
                f"{loc}[{i}].name",
                f"duplicate name {item.name!r} (first used at {loc}[{seen[item.name]}])",
            )
        seen[item.name] = i


def check_references(s: Scenario, blame: Blame) -> None:
    """Names that must resolve: hosts, ties, exposures, sanctuaries and event targets."""
    for loc in NAMED_LISTS:
        _duplicates(getattr(s, loc), loc, blame)
    names = {loc: {x.name for x in getattr(s, loc)} for loc in NAMED_LISTS}
    states, groups = names["states"], names["militants"]

    def need(name: str | None, pool: set[str], loc: tuple, what: str) -> None:
        if name is not None and name not in pool:
            known = ", ".join(sorted(pool)[:8]) + (" ..." if len(pool) > 8 else "")
            raise ScenarioError(blame(loc), format_loc(loc), f"must name a {what} ({known}), got {name!r}")

    for i, st in enumerate(s.states):
        for g in st.exposure:
            need(g, groups, ("states", i, "exposure", g), "militant group")
        for t in st.ties:
            need(t, states - {st.name}, ("states", i, "ties", t), "other state")
    for i, r in enumerate(s.resistance):
        need(r.sanctuary, states, ("resistance", i, "sanctuary"), "state")
    levels = {x.name: x.level for x in s.states}
    for i, m in enumerate(s.missions):
        need(m.host, states, ("missions", i, "host"), "state")
        if m.controller == "taliban" and level_index(levels[m.host]) < level_index("hosts_diplomats"):
            ctrl_loc = ("missions", i, "controller")
            raise ScenarioError(
                blame(ctrl_loc),
                format_loc(ctrl_loc),
                f"a Taliban-held post needs its host at hosts_diplomats or above, got {m.host} at {levels[m.host]!r}",
            )
    for bloc, d in s.bloc_defaults.items():
        for g in d.exposure or {}:
            need(g, groups, ("bloc_defaults", bloc, "exposure", g), "militant group")
    for i, ev in enumerate(s.events):
        if ev.month > s.horizon_months:
            raise ScenarioError(
                blame(("events", i, "month")),
                f"events[{i}].month",
                f"must be within the horizon (0..{s.horizon_months}), got {ev.month}",
            )
        if ev.targets is not None:
            field, pool, what = ev.targets
            need(getattr(ev, field), names[pool], ("events", i, field), what)
        elif isinstance(ev, SetEvent):
            _check_set_event(s, i, ev, blame)


def settable(path: str) -> bool:
    """Whether a path ends on a field that may change mid-run (not initial state or identity)."""
    last = paths.parse(path)[-1].key
    for model in (Rules, World, TalibanSpec, TalibanAdaptive, StateSpec, MilitantSpec, ResistanceSpec, MissionSpec):
        field = model.model_fields.get(last)
        if field is not None:
            extra = field.json_schema_extra if isinstance(field.json_schema_extra, dict) else {}
            if extra.get("settable") is False:
                return False
    return True


def apply(s: Scenario, path: str, value: Any) -> Scenario:
    """A new validated scenario with ``value`` set at every slot ``path`` addresses."""
    data = s.canonical()
    paths.set_value(data, path, value)
    return Scenario.model_validate(data)


def fixed_reason(data: dict, path: str, mid_run: bool) -> str | None:
    """Why ``path`` may not be varied, by a ``set`` event (``mid_run``) or by an experiment, or None.

    One rule for both: identity and initial state are changed by their own events, bloc defaults
    exist only at load, and a path must address single values, not records or lists. Raises
    PathError when the path matches nothing."""
    head = path.split(".")[0].split("[")[0]
    barred = ("name", "description", "start", "extends") + (("events", "horizon_months") if mid_run else ())
    if head in barred:
        return f"{path!r} cannot be varied{' by a set event' if mid_run else ''}"
    if head == "bloc_defaults":
        return (
            f"bloc defaults are filled in at load and cannot be varied; vary states[bloc=...].FIELD instead, "
            f"got {path!r}"
        )
    if not settable(path):
        own_events = ", ".join(kind for kind in EVENT_KINDS if kind != "set")
        return (
            f"{path!r} is initial state or identity and cannot be varied; to change it mid-run use "
            f"its own event ({own_events})"
        )
    if any(isinstance(v, (dict, list)) for v in paths.get(data, path)):
        return f"must address a single parameter, not a whole record or list, got {path!r}"
    return None


def _check_set_event(s: Scenario, i: int, ev: SetEvent, blame: Blame) -> None:
    loc = ("events", i, "path")
    try:
        reason = fixed_reason(s.canonical(), ev.path, mid_run=True)
        if reason:
            raise ScenarioError(blame(loc), format_loc(loc), reason)
        apply(s, ev.path, ev.value)
    except paths.PathError as exc:
        raise ScenarioError(blame(loc), format_loc(loc), str(exc)) from None
    except ValidationError as exc:
        err = exc.errors()[0]
        vloc = ("events", i, "value")
        raise ScenarioError(blame(vloc), format_loc(vloc), f"{format_loc(tuple(err['loc']))} {describe(err)}") from None
