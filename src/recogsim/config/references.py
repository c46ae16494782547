"""Checks that span several keys of a validated scenario: names that must resolve, names that must
be unique, and which paths may be varied (by a ``set`` event mid-run, or by an experiment).

``blame(loc)`` names the file a value came from (see :mod:`.loading`), so that an error in an
inherited value points at the parent file.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
from pydantic import ValidationError

from ..errors import ScenarioError
from . import paths
from .diagnostics import describe, format_loc
from .joint import JointFileError, JointTable
from .joint import read as joint_read
from .schema import (
    EVENT_KINDS,
    UN_BLOC,
    UN_TOP,
    JointUncertain,
    MilitantSpec,
    MissionSpec,
    RelationEvent,
    ResistanceSpec,
    Rules,
    Scenario,
    SetEvent,
    StateSpec,
    TalibanAdaptive,
    TalibanSpec,
    Uncertain,
    World,
    level_index,
    slug,
)

Blame = Callable[[tuple], str]
MAX_ALLIED = 29
"""Allied groups a scenario may hold: each is a crackdown lever, and the adaptive Taliban's
coordinate search tries 1 + 2 * (allied + 2) policies a month (at most 63)."""
NAMED_LISTS = ("states", "militants", "resistance", "missions")


def _duplicates(items: list, loc: str, blame: Blame) -> None:
    """Names are unique as they name columns (:func:`.fields.slug`): not only ``Pakistan`` twice
    but ``Pakistan``/``pakistan`` or ``Côte d'Ivoire``/``Cote d Ivoire``, which selectors and
    column names could not tell apart."""
    seen: dict[str, int] = {}
    for i, item in enumerate(items):
        key = slug(item.name)
        if key in seen:
            first = items[seen[key]].name
            same = (
                f"duplicate name {item.name!r}"
                if first == item.name
                else f"name {item.name!r} is the same as {first!r}"
            )
            raise ScenarioError(
                blame((loc, i, "name")),
                f"{loc}[{i}].name",
                f"{same} (first used at {loc}[{seen[key]}]); names must differ in more than case, accents, "
                f"spaces and punctuation, {_WHY[loc]}{key})",
            )
        seen[key] = i


_WHY = {
    "states": "as they name columns (max_level_",
    "militants": "as they name columns (strength_",
    "resistance": "as selectors match them without regard to case (",
    "missions": "as selectors match them without regard to case (",
}


def check_references(s: Scenario, blame: Blame, uncertain: bool = True, joint: bool = True) -> None:
    """Names that must resolve: hosts, ties, exposures, sanctuaries and event targets; the United
    Nations' ladder; and (with ``uncertain``) every value the ``uncertain`` entries can draw (with
    ``joint``, the rows of their ``from:`` files too: see :func:`check_uncertain`)."""
    for loc in NAMED_LISTS:
        _duplicates(getattr(s, loc), loc, blame)
    names = {loc: {x.name for x in getattr(s, loc)} for loc in NAMED_LISTS}
    states, groups = names["states"], names["militants"]
    un = [i for i, st in enumerate(s.states) if st.bloc == UN_BLOC]
    proper = states - {s.states[i].name for i in un}  # the UN is no state to tie to or shelter in

    def need(name: str | None, pool: set[str], loc: tuple, what: str) -> None:
        if name is not None and name not in pool:
            known = ", ".join(sorted(pool)[:8]) + (" ..." if len(pool) > 8 else "")
            article = "an" if what[0] in "aeiou" else "a"
            raise ScenarioError(blame(loc), format_loc(loc), f"must name {article} {what} ({known}), got {name!r}")

    for i, st in enumerate(s.states):
        for g in st.exposure:
            need(g, groups, ("states", i, "exposure", g), "militant group")
        for t in st.ties:
            need(t, proper - {st.name}, ("states", i, "ties", t), "other state (not the United Nations)")
    allied = {g.name for g in s.militants if g.stance == "allied"}
    for g in s.taliban.crackdown_on:
        need(g, allied, ("taliban", "crackdown_on", g), "allied militant group")
    if len(allied) > MAX_ALLIED:
        raise ScenarioError(
            blame(("militants",)),
            "militants",
            f"at most {MAX_ALLIED} allied groups (the adaptive Taliban tries 2 policies per lever and month, "
            f"kept under 64), got {len(allied)}",
        )
    for i, r in enumerate(s.resistance):
        need(r.sanctuary, proper, ("resistance", i, "sanctuary"), "state (not the United Nations)")
    if len(un) > 1:
        uloc = ("states", un[1], "bloc")
        raise ScenarioError(
            blame(uloc),
            format_loc(uloc),
            f"only one entry may be the United Nations (bloc {UN_BLOC!r}); states[{un[0]}] already is, got a second",
        )
    for i in un:
        _within_un_ladder(s.states[i].level, ("states", i, "level"), blame)
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
        if isinstance(ev, RelationEvent) and un and ev.state == s.states[un[0]].name:
            _within_un_ladder(ev.level, ("events", i, "level"), blame)
        elif isinstance(ev, SetEvent):
            _check_set_event(s, i, ev, blame)
    if uncertain:
        check_uncertain(s, blame, joint)


def _within_un_ladder(level: str, loc: tuple, blame: Blame) -> None:
    if level_index(level) > level_index(UN_TOP):
        raise ScenarioError(
            blame(loc), format_loc(loc), f"the United Nations' ladder ends at {UN_TOP} (its seat), got {level!r}"
        )


def check_uncertain(s: Scenario, blame: Blame, joint: bool = True) -> None:
    """Each ``uncertain`` entry varies single parameters, no two entries reach the same field, and
    every value they can draw, alone and together with the others, passes the schema. A ``from:``
    block's columns are its paths and its rows its values, checked row by row (every distinct
    drawable row up to :data:`~.joint.ROW_CHECK_LIMIT`; beyond, the rows holding each column's
    extremes, and the runner checks each row it draws). ``joint=False`` leaves the files unread:
    at a sweep's design points, checked by the runner as it draws."""
    data = s.canonical()
    owner: dict[str, str] = {}
    tables: dict[int, JointTable] = {}
    for i, u in enumerate(s.uncertain):
        if isinstance(u, Uncertain):
            _claim(data, u.path, f"uncertain[{i}]", ("uncertain", i, "path"), owner, blame)
            for values, _ in _corners(u, None):
                end = values[u.path]
                what = f"{end!r} cannot be drawn for {u.path} (e.g. {values})"
                _drawable(s, values, ("uncertain", i, "distribution"), blame, what)
        elif joint:
            tables[i] = table = joint_table(u, i, blame)
            for c in table.columns:
                label = f"uncertain[{i}] (column {c!r} of {table.name})"
                _claim(data, c, label, ("uncertain", i, "from"), owner, blame, table.name)
    for i, table in tables.items():
        rows, _ = table.rows_to_check()
        for r in rows:
            row = table.row(r)
            _drawable(s, row, ("uncertain", i, "from"), blame, f"row {r} of {table.name} cannot be drawn ({row})")
    # Together, two at a time, at the ends of their ranges (the others at their own values): every
    # constraint between fields (thresholds that must not cross, an event month within a drawn
    # horizon) involves two of them, and holds over a box if it holds at the box's corners. A
    # block's rows are no box: its corners are the rows holding its columns' extremes.
    corners = {
        i: _corners(u, tables.get(i)) for i, u in enumerate(s.uncertain) if isinstance(u, Uncertain) or i in tables
    }
    for i, j in itertools.combinations(corners, 2):
        key = "distribution" if isinstance(s.uncertain[j], Uncertain) else "from"
        for (va, na), (vb, nb) in itertools.product(corners[i], corners[j]):
            values = {**va, **vb}
            which = "".join(f", {n}" for n in (na, nb) if n)
            what = f"uncertain[{i}] and uncertain[{j}] can be drawn together into an invalid scenario"
            _drawable(s, values, ("uncertain", j, key), blame, f"{what} (e.g. {values}{which})")


def _corners(u: Uncertain | JointUncertain, table: JointTable | None) -> list[tuple[dict[str, Any], str]]:
    """The values an entry contributes to the pairwise check, each with the row it is (if any)."""
    if isinstance(u, Uncertain):
        return [({u.path: end}, "") for end in (u.distribution.min, u.distribution.max)]
    assert table is not None  # only read blocks are paired
    return [(table.row(r), f"row {r} of {table.name}") for r in table.extreme_rows()]


def _claim(data: dict, path: str, label: str, loc: tuple, owner: dict[str, str], blame: Blame, file: str = "") -> None:
    """Refuse a drawn path that is no single settable parameter, or that reaches a field another
    entry (or column) already draws. ``file``: the ``from:`` file whose column ``path`` is."""
    column = f"column {path!r} of {file}" if file else repr(path)
    try:
        reason = fixed_reason(data, path, mid_run=False)
        targets = concrete_paths(data, path)
    except paths.PathError as exc:
        expected = f"expected each column of {file} to be a parameter path, got {path!r}: " if file else ""
        raise ScenarioError(blame(loc), format_loc(loc), f"{expected}{exc}") from None
    if reason:
        expected = f"expected each column of {file} to be a parameter that may vary, got {path!r}: " if file else ""
        raise ScenarioError(blame(loc), format_loc(loc), f"{expected}{reason}")
    for t in sorted(targets):
        if t in owner:
            raise ScenarioError(
                blame(loc),
                format_loc(loc),
                f"{column} reaches {t}, which {owner[t]} already draws; give each field once",
            )
        owner[t] = label


def joint_table(u: JointUncertain, i: int, blame: Blame | None = None) -> JointTable:
    """The rows of ``uncertain[i]``'s ``from:`` file; a problem is a one-line ScenarioError naming
    the scenario file (``blame``; else the ``from:`` file itself) and ``uncertain[i].from`` or ``.weight``."""
    try:
        return joint_read(u.from_, u.weight)
    except JointFileError as err:
        loc = ("uncertain", i, err.key)
        raise ScenarioError(blame(loc) if blame else u.from_, format_loc(loc), err.message) from None


def _drawable(s: Scenario, values: dict[str, Any], loc: tuple, blame: Blame, what: str) -> None:
    """Refuse values the ``uncertain`` entries can draw that would not make a valid scenario: one
    line naming the draw (``what``), then what the schema or the references found."""
    try:
        drawn = set_values(s, values)
        check_references(drawn, lambda _: blame(loc), uncertain=False)
    except ValidationError as exc:
        err = exc.errors()[0]
        raise ScenarioError(
            blame(loc), format_loc(loc), f"{what}: {format_loc(tuple(err['loc']))} {describe(err)}"
        ) from None
    except ScenarioError as err:
        raise ScenarioError(blame(loc), format_loc(loc), f"{what}: {err.path}: {err.message}") from None


def concrete_paths(data: dict, path: str) -> set[str]:
    """The concrete slots a path reaches (``states[3].exposure.TIP``), to compare paths with selectors."""
    return {where for _, _, where in paths.targets(data, path)}


def coerce(value: Any, like: Any) -> Any:
    """Round sampled numbers for whole-number parameters (event months, horizons)."""
    if isinstance(like, bool) or not isinstance(like, int):
        return float(value) if isinstance(value, (int, float, np.floating)) and not isinstance(value, bool) else value
    return round(float(value))


def set_values(s: Scenario, values: Mapping[str, Any]) -> Scenario:
    """A new scenario with each path set (rounded for whole-number fields), validated once against
    the schema. For values already checked up front: names are not re-resolved."""
    data = s.canonical()
    for path, value in values.items():
        paths.set_value(data, path, coerce(value, paths.get(data, path)[0]))
    return Scenario.model_validate(data)


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
    barred: tuple[str, ...] = ("name", "description", "start", "extends", "uncertain", "runs_per_draw")
    barred += ("events", "horizon_months") if mid_run else ()
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
