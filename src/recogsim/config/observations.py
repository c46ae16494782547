"""Observation files: the dated record a calibration fits and a forecast is scored against.

A record is a list of facts, each with its source and a date that may be exact or known only to
lie in an interval, because much of what happened to Afghanistan's posts after August 2021 was
reported late or vaguely ("believed to have gained control", seed 000):

- ``month: "2023-02"`` -- it happened that month;
- ``between: ["2021-09", "2022-06"]`` -- some month in that span;
- ``by: "2023-04"`` -- at or before that month (possibly before the record starts);
- ``not_by: "2023-04"`` -- it had not happened by then.

Three kinds of fact, told apart by the key they name: a state reaching a rung (``state`` and
``reached``), a post changing hands or closing (``mission`` and ``event``), and a count of the
output record's series at a month (``count``, with ``value`` or ``min``/``max``). Names of states,
posts and series columns are checked against a scenario and the output record where a record is
used (:mod:`recogsim.runs.facts`); here the file is checked on its own. Errors are one-line
:class:`ObservationError`s naming the file, the key path, the expectation and the value found.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    ValidationError,
    field_validator,
    model_validator,
)

from ..errors import InputError
from .calendar import Month, months_between
from .diagnostics import describe, first_error, format_loc
from .fields import LEVELS, Identifier
from .loading import read_yaml

UNBOUNDED = 10**6
"""Stands for "no bound" at the open end of an interval (months)."""


class ObservationError(InputError):
    """An observation file that cannot be parsed or does not hold together."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _Dated(_Strict):
    """When a fact happened (exactly one of four forms), and where it is reported."""

    month: Month | None = None
    between: tuple[Month, Month] | None = None
    by: Month | None = None
    not_by: Month | None = None
    source: str = Field(min_length=1, description="the seed document or a public report dated in the window")
    note: str | None = None

    @model_validator(mode="after")
    def _one_date(self) -> _Dated:
        given = [k for k in ("month", "between", "by", "not_by") if getattr(self, k) is not None]
        if len(given) != 1:
            found = ", ".join(given) if given else "none"
            raise ValueError(f"expected exactly one of month, between, by, not_by, got {found}")
        if self.between is not None and months_between(*self.between) < 0:
            raise ValueError(f"between must run forwards, got {list(self.between)}")
        return self

    def months(self) -> list[str]:
        """The calendar months the fact names."""
        return [m for m in (self.month, self.by, self.not_by, *(self.between or ())) if m is not None]

    def interval(self, start: str) -> tuple[int, int]:
        """The months since ``start`` in which it happened, as [lo, hi]; ``-UNBOUNDED`` or
        ``UNBOUNDED`` for an open end ("by": possibly before ``start``; "not by": perhaps never)."""
        if self.month is not None:
            m = months_between(start, self.month)
            return m, m
        if self.between is not None:
            return months_between(start, self.between[0]), months_between(start, self.between[1])
        if self.by is not None:
            return -UNBOUNDED, months_between(start, self.by)
        return months_between(start, str(self.not_by)) + 1, UNBOUNDED

    @property
    def when(self) -> str:
        """The date as the file gives it, for tables: ``2023-02``, ``2021-09..2022-06``, ``by 2023-04``."""
        if self.month is not None:
            return self.month
        if self.between is not None:
            return f"{self.between[0]}..{self.between[1]}"
        return f"by {self.by}" if self.by is not None else f"not by {self.not_by}"


class StateFact(_Dated):
    """A state (or the UN) first reached a rung of the ladder."""

    state: str = Field(min_length=1)
    reached: Literal["engaged", "hosts_diplomats", "de_facto", "de_jure"]

    @property
    def label(self) -> str:
        return f"{self.state} {self.reached.replace('_', ' ')}"


class PostFact(_Dated):
    """A post changed hands to the Taliban, or closed."""

    mission: str = Field(min_length=1)
    event: Literal["handed_over", "closed"]

    @property
    def label(self) -> str:
        return f"{self.mission} {self.event.replace('_', ' ')}"


class CountFact(_Strict):
    """A series column of the output record at a month: exactly ``value``, or within ``min``/``max``."""

    count: str = Field(min_length=1, description="a series column of the output record")
    month: Month
    value: float | None = Field(None, strict=True)
    min: float | None = Field(None, strict=True)
    max: float | None = Field(None, strict=True)
    source: str = Field(min_length=1)
    note: str | None = None

    @field_validator("value", "min", "max")
    @classmethod
    def _finite(cls, v: float | None) -> float | None:
        if v is not None and not math.isfinite(v):  # a NaN compares false with everything, silently
            raise ValueError(f"expected a finite number, got {v}")
        return v

    @model_validator(mode="after")
    def _bounds(self) -> CountFact:
        if (self.value is None) == (self.min is None and self.max is None):
            raise ValueError("expected either value or min/max")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"min must not exceed max, got min {self.min} and max {self.max}")
        return self

    def bounds(self) -> tuple[float, float]:
        if self.value is not None:
            return self.value, self.value
        return (-float("inf") if self.min is None else self.min), (float("inf") if self.max is None else self.max)

    def months(self) -> list[str]:
        return [self.month]

    @property
    def label(self) -> str:
        return f"{self.count} at {self.month}"

    @property
    def when(self) -> str:
        return self.month


def _fact_kind(entry: Any) -> str:
    """A fact's kind by the key it names; anything else is read as a state fact, so its errors
    speak of the keys a fact needs."""
    if isinstance(entry, dict):
        return "mission" if "mission" in entry else "count" if "count" in entry else "state"
    return "mission" if isinstance(entry, PostFact) else "count" if isinstance(entry, CountFact) else "state"


Fact = Annotated[
    Annotated[StateFact, Tag("state")] | Annotated[PostFact, Tag("mission")] | Annotated[CountFact, Tag("count")],
    Discriminator(_fact_kind),
]


class Observations(_Strict):
    """A dated record: the window it covers and its facts."""

    name: Identifier = Field(description="names the files scored against it (scores_<name>.csv)")
    description: str = ""
    start: Month = Field(description="first month of the record")
    end: Month = Field(description="last month of the record: no fact is dated after it")
    facts: list[Fact] = Field(min_length=1)

    @model_validator(mode="after")
    def _window(self) -> Observations:
        if months_between(self.start, self.end) < 0:
            raise ValueError(f"end must not precede start, got start {self.start} and end {self.end}")
        return self

    def outside(self) -> tuple[int, str] | None:
        """The first fact dated outside the window, as (index, month)."""
        for i, fact in enumerate(self.facts):
            for m in fact.months():
                if months_between(self.start, m) < 0 or months_between(m, self.end) < 0:
                    return i, m
        return None


FACT_KINDS: dict[str, type[BaseModel]] = {"state": StateFact, "mission": PostFact, "count": CountFact}
"""The kinds of fact by the key that tells them apart (pydantic puts it in error paths)."""


def _first_error(exc: ValidationError, data: Any) -> tuple[str, str]:
    """Key path and message of the first error; a fact's unknown key lists the keys of its kind."""
    err = exc.errors()[0]
    loc = tuple(err["loc"])
    if len(loc) >= 3 and loc[0] == "facts" and loc[2] in FACT_KINDS:
        kind, loc = FACT_KINDS[str(loc[2])], loc[:2] + loc[3:]
        msg = describe(err)
        if err["type"] == "extra_forbidden":
            msg += f"; a {err['loc'][2]} fact takes {', '.join(kind.model_fields)}"
        return format_loc(loc), msg
    loc, msg = first_error(exc, Observations, data)
    return format_loc(loc), msg


def load_observations(path: str | Path) -> Observations:
    """Read and check an observation file; raises :class:`ObservationError` with one line."""
    file = str(path)
    try:
        data = read_yaml(Path(path))
    except InputError as err:
        raise ObservationError(file, err.path, err.message) from None
    try:
        record = Observations.model_validate(data)
    except ValidationError as exc:
        raise ObservationError(file, *_first_error(exc, data)) from None
    bad = record.outside()
    if bad is not None:
        i, month = bad
        raise ObservationError(
            file, f"facts[{i}]", f"dated {month}, outside the record's window {record.start}..{record.end}"
        )
    seen: dict[tuple, int] = {}
    for i, fact in enumerate(record.facts):
        key = (type(fact).__name__, fact.label, fact.when)
        if key in seen:
            raise ObservationError(file, f"facts[{i}]", f"repeats facts[{seen[key]}] ({fact.label}, {fact.when})")
        seen[key] = i
    return record


LEVEL_OF_FACT = {name: LEVELS.index(name) for name in ("engaged", "hosts_diplomats", "de_facto", "de_jure")}
"""The ladder index of each rung a state fact can name."""
