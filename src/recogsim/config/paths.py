"""Parameter paths into a scenario: ``taliban.crackdown``, ``states[name=Tajikistan].resistance_support``.

One syntax serves scheduled ``set`` events and experiment designs, so an analyst learns it once.
Paths work on the plain (YAML-shaped) scenario data; the result is re-validated by the schema,
which is what checks ranges.

Grammar: ``segment ('.' segment)*`` where a segment is ``key``, ``key[INDEX]`` or
``key[FIELD=VALUE]`` (a key may hold spaces and hyphens, as group names do); a selector sets
every list item whose FIELD equals VALUE (``states[bloc=western].conditions_weight`` sets all
Western states).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Any

_SEGMENT = re.compile(r"^(?P<key>[A-Za-z_][^.\[\]]*?)(?:\[(?P<sel>[^\]]+)\])?$")
"""A key starts with a letter and runs to the next dot or bracket, so a dictionary key may hold
spaces and hyphens (``states[name=Tajikistan].exposure.Jamaat Ansarullah``)."""


class PathError(ValueError):
    """A path that is malformed or matches nothing; the message is one line."""


@dataclass(frozen=True)
class Segment:
    key: str
    index: int | None = None
    field: str | None = None
    value: str | None = None


def parse(path: str) -> list[Segment]:
    if not isinstance(path, str) or not path.strip():
        raise PathError(f"expected a parameter path like 'taliban.crackdown', got {path!r}")
    return list(_parse(path))


@functools.lru_cache(maxsize=4096)  # pure, and segments are frozen: a scenario's checks parse the same paths often
def _parse(path: str) -> tuple[Segment, ...]:
    segments = []
    for part in _split(path):
        m = _SEGMENT.match(part.strip())
        if not m:
            raise PathError(f"malformed path segment {part!r} in {path!r}")
        sel = m.group("sel")
        if sel is None:
            segments.append(Segment(m.group("key")))
        elif re.fullmatch(r"-?\d+", sel.strip()):
            segments.append(Segment(m.group("key"), index=int(sel)))
        elif "=" in sel:
            field, value = (s.strip() for s in sel.split("=", 1))
            segments.append(Segment(m.group("key"), field=field, value=value))
        else:
            raise PathError(f"malformed selector [{sel}] in {path!r}: use [N] or [field=value]")
    return tuple(segments)


def _split(path: str) -> list[str]:
    """Split on dots outside brackets, so selector values may contain dots or spaces."""
    parts, depth, cur = [], 0, ""
    for ch in path:
        depth += ch == "["
        depth -= ch == "]"
        if ch == "." and depth == 0:
            parts.append(cur)
            cur = ""
        else:
            cur += ch
    parts.append(cur)
    return parts


def _matches(item: Any, seg: Segment) -> bool:
    if not isinstance(item, dict) or seg.field not in item:
        return False
    return str(item[seg.field]).lower() == str(seg.value).lower()


def targets(data: Any, path: str) -> list[tuple[Any, Any, str]]:
    """All (container, key, concrete_path) slots the path addresses; raises PathError if none."""
    slots: list[tuple[Any, Any, Any, str]] = [(None, None, data, "")]
    for seg in parse(path):
        nxt: list[tuple[Any, Any, Any, str]] = []
        for _, _, node, where in slots:
            if not isinstance(node, dict) or seg.key not in node:
                continue
            here = f"{where}.{seg.key}" if where else seg.key
            child = node[seg.key]
            if seg.index is None and seg.field is None:
                nxt.append((node, seg.key, child, here))
            elif isinstance(child, list) and child:
                if seg.index is not None and not -len(child) <= seg.index < len(child):
                    continue
                idx = range(len(child)) if seg.index is None else [seg.index % len(child)]
                for i in idx:
                    if seg.index is not None or _matches(child[i], seg):
                        nxt.append((child, i, child[i], f"{here}[{i}]"))
        if not nxt:
            sel = f"[{seg.index}]" if seg.index is not None else f"[{seg.field}={seg.value}]" if seg.field else ""
            keys = sorted({str(k) for _, _, node, _ in slots if isinstance(node, dict) for k in node})
            there = f" (keys there: {', '.join(keys[:10])}{' ...' if len(keys) > 10 else ''})" if keys else ""
            empty = " (an empty mapping: a path can only change a key the scenario holds)" if not keys else ""
            raise PathError(f"path {path!r} matches nothing at {seg.key}{sel}{there or empty}")
        slots = nxt
    return [(c, k, w) for c, k, _, w in slots]


def get(data: Any, path: str) -> list[Any]:
    """Current values at every slot the path addresses."""
    return [c[k] for c, k, _ in targets(data, path)]


def set_value(data: Any, path: str, value: Any) -> list[str]:
    """Set ``value`` at every slot; returns the concrete paths changed (for messages and logs)."""
    slots = targets(data, path)
    for container, key, _ in slots:
        container[key] = value
    return [w for _, _, w in slots]
