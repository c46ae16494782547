"""The output record: every column a run produces, defined once.

Each :class:`Column` says which tables hold it, its kind (which fixes its Arrow type), whether it
may be null, its unit and the label plots and the command line show, and whether a sweep keeps it
by default. A column written ``strength_{}`` is a family with one column per militant group (or
state, rung, utility term, swept parameter), named by :func:`~recogsim.config.schema.slug`.

Who reads it: the model's collection (:meth:`RecognitionModel.observe` must produce exactly the
series columns), the runner's Arrow schemas for ensembles and sweeps alike, the check of an
experiment's ``outcomes``, plot labels and the CLI summary. Adding an outcome is one row here plus
the line in the model that computes it; ``tests/model/test_record.py`` fails if a column is
produced that the record does not describe, or described but not produced.

Tables: ``runs`` (one row per run), ``series`` (per run and month), ``states`` (per run and state),
``missions`` (per run and post: who held it at the horizon and the months it changed hands and
closed, so that results answer dated facts about posts), ``points`` (per design point of a sweep),
``parameters`` (per run: the values a scenario's ``uncertain:`` paths drew, one column per path).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Literal

import pyarrow as pa

from ..config.schema import LEVELS, Scenario, slug
from .incentives import UTILITY_TERMS

Kind = Literal["key", "count", "index", "month", "rung", "level", "name", "date", "value"]
Table = Literal["runs", "series", "states", "missions", "points", "parameters"]
Family = Literal["militant", "state", "rung", "term", "parameter", "cause"]

CLOSURE_CAUSES: dict[str, str] = {
    "initial": "closed at the start",
    "funds": "closed for lack of funds",
    "host": "closed when their host stopped accepting Taliban diplomats",
    "event": "closed by a scheduled event",
}
"""Why a post closed, each with the words the labels use. Every closure has exactly one cause, so
the ``missions_closed_<cause>`` columns add up to ``missions_closed``."""

ARROW: dict[str, pa.DataType] = {
    "key": pa.int64(),
    "count": pa.int64(),
    "month": pa.int64(),
    "rung": pa.int64(),
    "index": pa.float64(),
    "value": pa.float64(),
    "level": pa.string(),
    "name": pa.string(),
    "date": pa.string(),
}
"""Arrow type of each kind. ``count``: whole numbers of states or posts; ``index``: real-valued
indices and levers; ``month``: months since the start (nullable: censored); ``rung``: a position on
the ladder (0 = none ... 4 = de jure); ``level``: a rung's name; ``value``: a swept parameter."""


@dataclass(frozen=True)
class Column:
    """One column (or one family of columns) of the output."""

    name: str
    tables: tuple[Table, ...]
    kind: Kind
    label: str
    unit: str = ""
    nullable: bool = False
    outcome: bool = False
    """Kept by a sweep when its experiment names no ``outcomes``."""
    family: Family | None = None
    """Expands ``name`` (with ``{}``) to one column per militant group, state, rung or term."""
    short: str = ""
    """A compact label for table headers (the CLI summary); the label when empty."""
    note: str = ""
    """What an index measures and its range, for readers of a plot of it (empty for counts)."""

    @property
    def arrow_type(self) -> pa.DataType:
        return ARROW[self.kind]

    @property
    def header(self) -> str:
        return self.short or self.label


_SERIES_AND_RUNS: tuple[Table, ...] = ("series", "runs")

COLUMNS: tuple[Column, ...] = (
    # keys
    Column("point", ("runs", "series", "states", "missions", "points", "parameters"), "key", "design point"),
    Column("replication", ("runs", "series", "states", "missions", "parameters"), "key", "replication"),
    Column("seed", ("runs",), "key", "the run's own seed"),
    Column("draw", ("parameters",), "key", "parameter draw (replications that share one set of drawn values)"),
    Column("month", ("series",), "key", "months since start", "months"),
    Column("date", ("series",), "date", "date", "YYYY-MM"),
    Column("state", ("states",), "name", "state"),
    Column("bloc", ("states",), "name", "bloc"),
    Column("mission", ("missions",), "name", "post"),
    Column("host", ("missions",), "name", "host state"),
    Column("{}", ("points", "parameters"), "value", "{}", family="parameter"),
    # the ladder
    Column(
        "de_jure_count",
        _SERIES_AND_RUNS,
        "count",
        "states recognising de jure",
        "states",
        outcome=True,
        short="de jure",
    ),
    Column(
        "de_facto_count",
        _SERIES_AND_RUNS,
        "count",
        "states at de facto relations",
        "states",
        outcome=True,
        short="de facto",
    ),
    Column(
        "western_de_jure_count", _SERIES_AND_RUNS, "count", "Western states recognising de jure", "states", outcome=True
    ),
    Column(
        "countries_taliban_presence",
        _SERIES_AND_RUNS,
        "count",
        "states hosting Taliban diplomats",
        "states",
        outcome=True,
        short="presence",
    ),
    # the posts
    Column("missions_taliban", _SERIES_AND_RUNS, "count", "posts held by the Taliban", "posts", outcome=True),
    Column("missions_republic", _SERIES_AND_RUNS, "count", "posts held by the Republic", "posts", outcome=True),
    Column("missions_closed", _SERIES_AND_RUNS, "count", "posts closed", "posts", outcome=True),
    Column("missions_closed_{}", _SERIES_AND_RUNS, "count", "posts {}", "posts", family="cause"),
    Column(
        "missions_changed_hands",
        _SERIES_AND_RUNS,
        "count",
        "posts handed to the Taliban (cumulative)",
        "posts",
        outcome=True,
        short="changed hands",
    ),
    Column("missions_downsized", _SERIES_AND_RUNS, "count", "posts open but downsized to cut costs", "posts"),
    Column(
        "western_missions_taliban",
        _SERIES_AND_RUNS,
        "count",
        "Taliban-held posts in Western states",
        "posts",
        outcome=True,
    ),
    # indices and levers
    Column(
        "legitimacy",
        _SERIES_AND_RUNS,
        "index",
        "legitimacy index",
        "share of the top rung",
        outcome=True,
        note="states' mean relation level as a share of de jure: 0 none engages, 1 all recognise (UN not counted)",
    ),
    Column(
        "crackdown",
        _SERIES_AND_RUNS,
        "index",
        "Taliban crackdown on allied militants (group mean)",
        "0-1 lever",
        note="0 no restraint of allied groups, 1 the fullest crackdown; mean over the allied groups",
    ),
    Column(
        "concessions",
        _SERIES_AND_RUNS,
        "index",
        "Taliban concessions on the West's conditions",
        "0-1 lever",
        note="0 none of the West's conditions met, 1 all of them",
    ),
    Column(
        "lobbying", _SERIES_AND_RUNS, "index", "Taliban lobbying effort", "0-1 lever", note="0 no effort, 1 the most"
    ),
    Column(
        "resistance_strength",
        _SERIES_AND_RUNS,
        "index",
        "armed resistance strength",
        "0-1 index, summed",
        note="each group's strength (0-1) summed over the resistance groups, so it may exceed 1",
    ),
    Column(
        "strength_{}",
        _SERIES_AND_RUNS,
        "index",
        "strength of {}",
        "0-1 index",
        family="militant",
        note="a dimensionless 0-1 index, not a head count",
    ),
    Column(
        "pressure_{}",
        _SERIES_AND_RUNS,
        "index",
        "Taliban pressure on {} (its crackdown; 1 on ISK)",
        "0-1 lever",
        family="militant",
        note="0 left alone, 1 full pressure (ISK is always fought)",
    ),
    # run outcomes
    Column(
        "first_recognition_month",
        ("runs",),
        "month",
        "month of the first de jure recognition",
        "months since start",
        nullable=True,
        outcome=True,
    ),
    Column(
        "first_recognition_date", ("runs",), "date", "date of the first de jure recognition", "YYYY-MM", nullable=True
    ),
    Column("first_recognizer", ("runs",), "name", "first state to recognise de jure", nullable=True, outcome=True),
    Column("months", ("runs",), "count", "months simulated", "months"),
    Column(
        "un_seat_month",
        ("runs",),
        "month",
        "month the United Nations seated a Taliban nominee",
        "months since start",
        nullable=True,
        outcome=True,
    ),
    Column("max_level_{}", ("runs",), "rung", "highest rung {} reached", "rung (0 none ... 4 de jure)", family="state"),
    # per state
    Column("level", ("states",), "level", "relation level at the horizon"),
    Column("max_level", ("states",), "level", "highest relation level reached"),
    Column(
        "month_{}",
        ("states",),
        "month",
        "first month at or above {}",
        "months since start",
        nullable=True,
        family="rung",
    ),
    Column("u_{}", ("states",), "index", "mean {} term of the utility (before its weight)", "utility", family="term"),
    # per post
    Column("controller", ("missions",), "name", "controller of the post at the horizon (republic, taliban, closed)"),
    Column(
        "month_taliban",
        ("missions",),
        "month",
        "month the post passed to the Taliban (0: held at the start)",
        "months since start",
        nullable=True,
    ),
    Column(
        "month_closed",
        ("missions",),
        "month",
        "month the post closed (0: at the start)",
        "months since start",
        nullable=True,
    ),
    Column("closed_by", ("missions",), "name", "why the post closed", nullable=True),
)

_BY_NAME = {c.name: c for c in COLUMNS}
KEYS = ("point", "replication", "seed", "draw", "month", "date", "state", "bloc", "mission", "host")
"""Columns that identify a row rather than measure an outcome."""


def _members(family: Family, scenario: Scenario | None, parameters: Sequence[str]) -> list[tuple[str, str]]:
    """(name suffix, human name) of each member of a family."""
    if family == "rung":
        return [(r, r.replace("_", " ")) for r in LEVELS[1:]]
    if family == "term":
        return [(t, t.replace("_", " ")) for t in UTILITY_TERMS]
    if family == "parameter":
        return [(p, p) for p in parameters]
    if family == "cause":
        return list(CLOSURE_CAUSES.items())
    if scenario is None:
        return []
    items = scenario.militants if family == "militant" else scenario.states
    return [(slug(x.name), x.name) for x in items]


def _member(col: Column, suffix: str, human: str) -> Column:
    """One member of a family: its own name and labels, no longer a family."""
    return replace(
        col, name=col.name.format(suffix), label=col.label.format(human), short=col.short.format(human), family=None
    )


def expand(table: Table, scenario: Scenario | None = None, parameters: Sequence[str] = ()) -> dict[str, Column]:
    """Every concrete column of ``table`` for a scenario (and a sweep's parameters), in record order."""
    out: dict[str, Column] = {}
    for col in COLUMNS:
        if table not in col.tables:
            continue
        if col.family is None:
            out[col.name] = col
            continue
        for suffix, human in _members(col.family, scenario, parameters):
            out[col.name.format(suffix)] = _member(col, suffix, human)
    return out


def describe(name: str, scenario: Scenario | None = None) -> Column | None:
    """The record's entry for a column name, family members included (``strength_isk``), or None.
    Without a scenario, a member of a per-group or per-state family is named by its slug."""
    col = _BY_NAME.get(name)
    if col is not None and col.family is None:
        return col
    for col in COLUMNS:
        prefix = col.name.split("{}")[0]
        if col.family is None or not prefix or not name.startswith(prefix) or name == prefix:
            continue
        suffix = name[len(prefix) :]
        members = dict(_members(col.family, scenario, ()))
        if suffix in members or (scenario is None and col.family in ("militant", "state")):
            return _member(col, suffix, members.get(suffix, suffix.replace("_", " ")))
    return None


def label(name: str, scenario: Scenario | None = None) -> str:
    """The human label of a column (plots, tables); a column the record lacks keeps its name."""
    col = describe(name, scenario)
    return col.label if col is not None else name.replace("_", " ")


def header(name: str) -> str:
    """A column's compact label for table headers."""
    col = describe(name)
    return col.header if col is not None else name.replace("_", " ")


def rows_per_run(scenario: Scenario) -> dict[Table, int]:
    """How many rows one run adds to each per-run table: every run goes to the horizon, month 0
    included in its series. Where ``horizon_months`` is drawn or swept, each run's series follow
    its own horizon, not ``scenario``'s."""
    return {
        "runs": 1,
        "parameters": 1,
        "series": scenario.horizon_months + 1,
        "states": len(scenario.states),
        "missions": len(scenario.missions),
    }


def series_columns(scenario: Scenario) -> list[str]:
    """The measured series columns (what the model observes each month), in record order."""
    return [n for n in expand("series", scenario) if n not in KEYS]


def run_outcomes(scenario: Scenario) -> list[str]:
    """Every run outcome a sweep may keep (``runs`` columns that are not keys)."""
    return [n for n in expand("runs", scenario) if n not in KEYS]


def default_outcomes(scenario: Scenario) -> list[str]:
    return [n for n, c in expand("runs", scenario).items() if c.outcome]


def ensemble_outcomes(scenario: Scenario) -> list[str]:
    """An ensemble's run table: every run outcome but the per-state family, which its states
    table holds in full (``max_level`` there, as a rung name)."""
    return [n for n, c in expand("runs", scenario).items() if n not in KEYS and c.kind != "rung"]


def schema(
    table: Table,
    columns: Sequence[str],
    scenario: Scenario | None = None,
    parameters: Sequence[str] = (),
    types: Mapping[str, pa.DataType] | None = None,
) -> pa.Schema:
    """The Arrow schema of ``columns`` of ``table``, every type and nullability from the record
    (``types`` overrides the type of a swept parameter that takes text values)."""
    known = expand(table, scenario, parameters)
    fields = []
    for name in columns:
        col = known.get(name)
        if col is None:
            raise KeyError(f"column {name!r} is not in the output record's {table} table")
        fields.append(
            pa.field(name, (types or {}).get(name, col.arrow_type), nullable=col.nullable or col.kind == "value")
        )
    return pa.schema(fields)
