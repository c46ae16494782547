"""The building blocks of the scenario schema: the ladder and other fixed vocabularies, bounded
number fields whose bounds sweeps and checks can read, and the strict base model.

Kept apart from :mod:`.schema` (the scenario's sections) and :mod:`.events` (scheduled changes) so
that each stays small; :mod:`.schema` re-exports every name here.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from typing import Annotated, Any, Literal, get_args

from pydantic import AfterValidator, BaseModel, ConfigDict, Field
from pydantic.config import JsonDict, JsonValue
from pydantic.fields import FieldInfo

Level = Literal["none", "engaged", "hosts_diplomats", "de_facto", "de_jure"]
LEVELS: tuple[str, ...] = get_args(Level)
"""The relation ladder, lowest first. ``hosts_diplomats``: a post handed to the Taliban or a
Taliban chargé accepted; ``de_facto``: a Taliban ambassador accredited without recognition."""
Bloc = Literal["neighbour", "regional", "gulf", "western", "other", "un"]
UN_BLOC = "un"
"""The United Nations' bloc: an actor on the ladder, but not a state. Its rungs stop at
``hosts_diplomats`` (the General Assembly seating a Taliban nominee), and it is not counted among
states, in the bandwagon, or as a recognizer."""
UN_TOP = "hosts_diplomats"
Controller = Literal["republic", "taliban", "closed"]
CONTROLLERS: tuple[str, ...] = get_args(Controller)
CONDITIONS: tuple[str, ...] = ("inclusive_government", "womens_rights", "al_qaeda_break")


class Range:
    """Bounds of a numeric parameter, kept as field metadata so sweeps can check designs against them."""

    def __init__(self, lo: float, hi: float | None):
        self.lo, self.hi = lo, hi

    def __call__(self, v: float) -> float:
        if v is None:
            return v
        if v != v or v < self.lo or (self.hi is not None and v > self.hi):
            if self.hi is None:
                raise ValueError(f"must be at least {_num(self.lo)}")
            raise ValueError(f"must be between {_num(self.lo)} and {_num(self.hi)}")
        return v


def _num(x: float) -> str:
    return f"{x:g}"


def bounded(lo: float, hi: float | None, default: float | None = None, doc: str = "", **extra: JsonValue) -> Any:
    """A float field with bounds that are both validated and introspectable (``Range`` in metadata).

    Assigned as the field's default (``w: float = bounded(0, 10, 1.2, "...")``): the returned
    ``FieldInfo`` carries the same description, default, validator and ``Range`` as the
    ``Annotated[float, ...]`` type it is built from. A field whose default depends on something
    else (``allied_default``/``hostile_default`` in ``extra``) is nullable with default None and
    filled in by its model."""
    rng = Range(lo, hi)
    kwargs: dict[str, Any] = {"description": doc, "strict": True}
    if extra:
        kwargs["json_schema_extra"] = extra
    nullable = any(k.endswith("_default") for k in extra)
    if default is not None or nullable:
        kwargs["default"] = default
    base: Any = float | None if nullable else float
    field_type: Any = Annotated[base, Field(**kwargs), AfterValidator(rng), rng]
    return FieldInfo.from_annotation(field_type)


_UNIT, _NON_NEG = Range(0.0, 1.0), Range(0.0, None)
Unit = Annotated[float, Field(description="", strict=True), AfterValidator(_UNIT), _UNIT]
NonNeg = Annotated[float, Field(description="", strict=True), AfterValidator(_NON_NEG), _NON_NEG]
FIXED: JsonDict = {"settable": False}
"""Fields that hold initial state or identity: a ``set`` event may not change them mid-run."""


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True, frozen=False, strict=True)


def level_index(level: str) -> int:
    return LEVELS.index(level)


@functools.lru_cache(maxsize=4096)  # pure; called for every name each time a scenario is validated
def slug(name: str) -> str:
    """A name as it appears in column names (``strength_<group>``, ``max_level_<state>``): ASCII
    letters and digits, lower case, accents dropped, every other run of characters one ``_``. Two
    names with one slug would share a column, so :mod:`.references` refuses them."""
    folded = unicodedata.normalize("NFKD", name.casefold()).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "_", folded).strip("_")


MAX_NAME = 80
"""Longest name a scenario, experiment, state, group or post may have: names become folder names,
column names and plot labels, and a label longer than this reads as an accident."""
_IDENTIFIER = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*")


def _identifier(v: str) -> str:
    """Scenario and experiment names name results folders: plain file names, nothing that climbs
    out of ``--out``, hides, or reads as a flag."""
    if not _IDENTIFIER.fullmatch(v) or len(v) > MAX_NAME:
        raise ValueError(
            "expected a name of letters, digits, '_', '-' and '.', starting with a letter, digit or '_', "
            f"at most {MAX_NAME} characters (it names the results folder), got {shown(v)}"
        )
    return v


def _entity_name(v: str) -> str:
    """States, groups and posts are named as people write them (``Côte d'Ivoire``), but without
    control characters or padding, and with a letter or digit to make a column name from."""
    if not _plain_name(v):
        raise ValueError(
            f"expected a name with a letter or digit, no leading or trailing spaces, no control characters, "
            f"at most {MAX_NAME} characters, got {shown(v)}"
        )
    return v


@functools.lru_cache(maxsize=4096)  # pure; a scenario's names are checked at every validation
def _plain_name(v: str) -> bool:
    return not (
        v != v.strip() or any(unicodedata.category(ch).startswith("C") for ch in v) or len(v) > MAX_NAME or not slug(v)
    )


Identifier = Annotated[str, Field(strict=True), AfterValidator(_identifier)]
EntityName = Annotated[str, Field(strict=True), AfterValidator(_entity_name)]


def shown(value: Any, limit: int = 60) -> str:
    """``repr(value)``, cut to about ``limit`` characters: an error message is one readable line
    even when the value is a 5,000-character string."""
    text = repr(value)
    return text if len(text) <= limit else f"{text[: limit - 12]}...{text[-8:]} ({len(str(value))} characters)"
