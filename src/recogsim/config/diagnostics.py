"""Turning pydantic's validation errors into the project's one-line messages.

An analyst needs the key path (``states[3].migration_concern``), what was expected and what was
found; for an unknown key, the keys allowed there. Shared by scenario, experiment and set-event
checks so that every input file speaks the same way.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel, ValidationError

from .schema import EVENT_KINDS, UNCERTAIN_FORMS, shown, uncertain_form


def format_loc(loc: tuple) -> str:
    """``("states", 3, "exposure")`` -> ``states[3].exposure``."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def describe(err: Any) -> str:
    """What was expected and what was found, for one pydantic error."""
    kind, value = err["type"], err.get("input")
    if kind == "extra_forbidden":
        return "unknown key"
    if kind == "missing":
        return "required key is missing"
    if kind == "value_error":
        msg = str(err["ctx"]["error"]) if "ctx" in err else err["msg"]
        return msg if ", got " in msg else f"{msg}, got {shown(value)}"
    if kind in ("float_type", "int_type", "float_parsing", "int_parsing", "int_from_float"):
        return f"must be a {'whole ' if 'int' in kind else ''}number, got {shown(value)}{_why_text(value)}"
    if kind == "literal_error":
        return f"must be one of {err['ctx']['expected']}, got {shown(value)}"
    if kind == "union_tag_invalid":
        return f"unknown event kind {err['ctx']['tag']!r}; expected one of {err['ctx']['expected_tags']}"
    if kind == "union_tag_not_found":
        return f"missing 'kind' (one of {', '.join(EVENT_KINDS)})"
    return f"{err['msg'][0].lower()}{err['msg'][1:]}, got {shown(value)}"


_YAML11_EXPONENT = re.compile(r"[-+]?[0-9]+[eE][-+]?[0-9]+")


def _why_text(value: Any) -> str:
    """Why a number the user wrote arrived as text or a truth value: the two YAML 1.1 surprises."""
    if isinstance(value, bool):
        return " (true/false, yes/no and on/off are truth values in YAML, not numbers)"
    if not isinstance(value, str):
        return ""
    if _YAML11_EXPONENT.fullmatch(value.strip()):
        mantissa, exponent = re.split("[eE]", value.strip())
        return f" (YAML 1.1 reads an exponent without a dot as text: write {mantissa}.0e{exponent})"
    try:
        float(value)
    except ValueError:
        return ""
    return " (quoted, so text: write the number without quotes)"


def first_error(exc: ValidationError, model: type[BaseModel], data: Any) -> tuple[tuple, str]:
    """The first error of a validation as (key path, message), with the keys allowed where an
    unknown key was found. Discriminated unions add the tag of an event or of an ``uncertain:``
    entry's form to the path: it is dropped."""
    err = exc.errors()[0]
    loc = strip_union_tags(tuple(err["loc"]))
    msg = describe(err)
    if err["type"] == "extra_forbidden":
        msg += unknown_key_hint(model, loc, data)
    return loc, msg


_UNION_TAGS: dict[str, dict[str, Any]] = {"events": EVENT_KINDS, "uncertain": UNCERTAIN_FORMS}
"""Lists whose items are tagged unions, with their tags (which pydantic puts in error paths)."""


def strip_union_tags(loc: tuple) -> tuple:
    return tuple(
        p for i, p in enumerate(loc) if not (i >= 2 and loc[i - 2] in _UNION_TAGS and p in _UNION_TAGS[loc[i - 2]])
    )


def unknown_key_hint(model: type[BaseModel], loc: tuple, data: Any) -> str:
    """For an unknown key, what replaced it if it was a field of an older model (the model's
    ``removed`` notes), else the keys allowed there (typos are the usual cause)."""
    node = _model_at(model, loc, data)
    if node is None:
        return ""
    removed = getattr(node, "removed", {})
    if loc and loc[-1] in removed:
        return f": it was removed; {removed[loc[-1]]}"
    return f"; expected one of {', '.join(sorted(f.alias or n for n, f in node.model_fields.items()))}"


def _model_at(model: type[BaseModel], loc: tuple, data: Any) -> Any:
    """The schema model that holds the last key of ``loc``. Walks the schema beside the data, so
    an event's keys are looked up in its own kind."""
    node: Any = model
    for i, part in enumerate(loc[:-1]):
        data = data[part] if has_key(data, part) else None
        if node is None or not hasattr(node, "model_fields"):
            return None
        field = node.model_fields.get(part) if isinstance(part, str) else None
        event = _event_model(data)
        if i >= 1 and loc[i - 1] == "uncertain" and isinstance(part, int):
            event = UNCERTAIN_FORMS[uncertain_form(data)]  # a path entry or a from: block, by its keys
        if field is not None:
            node = event or _inner_model(field.annotation)
        elif event is not None:
            node = event  # a list index or a dict key: stay on the item's model
    return node if node is not None and hasattr(node, "model_fields") else None


def _event_model(data: Any) -> type[BaseModel] | None:
    kind = data.get("kind") if isinstance(data, dict) else None
    return EVENT_KINDS.get(kind) if isinstance(kind, str) else None


def has_key(container: Any, key: Any) -> bool:
    """Whether ``container[key]`` exists: a mapping's key or a list's index (YAML-shaped data)."""
    if isinstance(container, dict):
        return key in container
    return isinstance(container, list) and isinstance(key, int) and 0 <= key < len(container)


def _inner_model(ann: Any) -> Any:
    """The pydantic model inside an annotation such as ``list[StateSpec]`` or ``dict[str, X]``."""
    if isinstance(ann, type) and issubclass(ann, BaseModel):
        return ann
    for arg in getattr(ann, "__args__", ()):
        inner = _inner_model(arg)
        if inner is not None:
            return inner
    return None
