"""Reading scenario files: safe YAML, ``extends`` and where each value came from.

parse YAML -> resolve ``extends`` (merging child over parent) -> fill bloc defaults -> validate
(:mod:`.schema`) -> check references (:mod:`.references`). Errors are :class:`ScenarioError` with
one line naming the file the offending value came from, its key path, the expectation and the
value found.
"""

from __future__ import annotations

import copy
import os
import stat
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from ..errors import ScenarioError
from .diagnostics import first_error, format_loc, has_key
from .references import check_references
from .schema import Scenario


class _UniqueKeyLoader(yaml.SafeLoader):
    """SafeLoader that rejects duplicate mapping keys instead of silently keeping the last."""


class _FastUniqueKeyLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """The same on libyaml's parser (PyYAML's wheels have it): four times faster. Its composer
    recurses in C, so deeply nested text, which would crash it, goes to the Python one (see
    :func:`_parse`)."""


def _construct_mapping(loader: _UniqueKeyLoader, node: yaml.MappingNode, deep: bool = False) -> dict:
    seen: dict[Any, Any] = {}
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if not isinstance(key, (str, int, float, bool)) and key is not None:
            raise yaml.constructor.ConstructorError(
                None, None, f"mapping keys must be plain names, got {type(key).__name__} {key!r}", key_node.start_mark
            )
        if key in seen:
            raise yaml.constructor.ConstructorError(None, None, f"duplicate key {key!r}", key_node.start_mark)
        seen[key] = True
    return loader.construct_mapping(node, deep=deep)


_UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_FastUniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_FAST_DEPTH = 100
"""Bracket nesting up to which libyaml's parser is used; scenarios nest five or six deep."""


MAX_BYTES = 1024 * 1024
"""Largest input file read: the shipped scenarios and record are 10-25 kB, and a file of this size
is parsed in about two seconds; anything larger is a mistake, not a scenario."""
MAX_NODES = 250_000
"""Most values a file may hold once its aliases (``*name``) are expanded: a few hundred bytes of
nested aliases otherwise expand to billions of values (the "billion laughs"). The baseline holds
about 4,000."""


def read_yaml(path: Path) -> dict:
    """Parse one file with the safe loader; every failure becomes a one-line ScenarioError. Files
    larger than :data:`MAX_BYTES` or holding more than :data:`MAX_NODES` values after alias
    expansion are refused before they are built."""
    name = str(path)
    try:
        mode = path.stat().st_mode
        if stat.S_ISDIR(mode):
            raise ScenarioError(name, None, "expected a YAML file, got a folder")
        if not stat.S_ISREG(mode):  # a device, pipe or socket: no size to check, and it may never end
            raise ScenarioError(name, None, "expected a YAML file, got a device, pipe or socket")
        with path.open("rb") as f:
            raw = f.read(MAX_BYTES + 1)  # a file's size may lie (/proc) or grow while read
        if len(raw) > MAX_BYTES:
            size = max(path.stat().st_size, len(raw))
            raise ScenarioError(
                name, None, f"file too large: expected at most {MAX_BYTES // 1024**2} MiB of YAML, got {size:,} bytes"
            )
        text = raw.decode("utf-8")
    except FileNotFoundError:
        raise ScenarioError(name, None, "file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError(name, None, f"cannot read file ({exc.__class__.__name__}: {exc})") from None
    try:
        data = _parse(text, name)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = f"line {mark.line + 1}" if mark else None
        problem = exc.problem or str(exc)
        if "constructor for the tag" in problem:
            problem = f"YAML tag not allowed ({problem.split('tag', 1)[1].strip()}); scenario files hold plain data"
        raise ScenarioError(name, line, f"invalid YAML: {problem}") from None
    except yaml.YAMLError as exc:
        raise ScenarioError(name, None, f"invalid YAML: {exc}") from None
    except RecursionError:
        raise ScenarioError(name, None, "invalid YAML: nested too deeply to read") from None
    if data is None:
        raise ScenarioError(name, None, "empty file: expected a mapping with at least 'name', 'start' and 'states'")
    if not isinstance(data, dict):
        raise ScenarioError(name, None, f"expected a mapping at the top level, got {type(data).__name__}")
    return data


def _parse(text: str, name: str) -> Any:
    """Compose the node graph, count its values as aliases would expand them, then build it."""
    loader = (_FastUniqueKeyLoader if _bracket_depth(text) <= _FAST_DEPTH else _UniqueKeyLoader)(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        expanded = _expanded_size(node, {}, set())
        if expanded > MAX_NODES:
            raise ScenarioError(
                name,
                None,
                f"too many values: expected at most {MAX_NODES:,} once aliases (*name) are expanded, "
                f"got {f'more than {MAX_NODES:,}' if expanded == _OVER else f'{expanded:,}'}",
            )
        return loader.construct_document(node)
    finally:
        loader.dispose()


_OVER = MAX_NODES + 1


def _bracket_depth(text: str) -> int:
    """The deepest nesting of ``[``/``{`` in ``text``, counting brackets inside strings too (an
    overestimate only sends a file to the slower parser)."""
    depth = deepest = 0
    for ch in text:
        if ch in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif ch in "]}":
            depth -= 1
    return deepest


def _expanded_size(node: yaml.Node, memo: dict[int, int], open_: set[int]) -> int:
    """Values under ``node`` with every alias expanded, capped just above :data:`MAX_NODES` (an alias
    bomb's true size does not fit in memory); an anchor inside itself is refused."""
    key = id(node)
    if key in memo:
        return memo[key]
    if key in open_:
        raise yaml.YAMLError("an alias refers to a value that contains it (a recursive anchor)")
    size = 1
    if isinstance(node, (yaml.SequenceNode, yaml.MappingNode)):
        open_.add(key)
        children = node.value if isinstance(node, yaml.SequenceNode) else [c for pair in node.value for c in pair]
        for child in children:
            size = min(size + _expanded_size(child, memo, open_), _OVER)
        open_.discard(key)
    memo[key] = size
    return size


# --------------------------------------------------------------------------------------------
# extends: merge child over parent. Lists of named mappings merge by name; other mapping lists
# (events) extend; scalars, scalar lists and ``uncertain:`` are replaced. The same merge run over "label trees"
# (every leaf replaced by its file name) gives each resolved value's provenance for errors.
# --------------------------------------------------------------------------------------------
REPLACED = frozenset({"uncertain"})
"""Top-level keys a child replaces whole: what is uncertain, and how, is one statement (a child
that calibrates its parent's priors, or draws from a posterior instead, says so in full)."""


def merge(base: Any, over: Any, top: bool = True) -> Any:
    if isinstance(base, dict) and isinstance(over, dict):
        out = dict(base)
        for k, v in over.items():
            replace = top and k in REPLACED
            out[k] = merge(base[k], v, top=False) if k in base and not replace else copy.deepcopy(v)
        return out
    if isinstance(base, list) and isinstance(over, list) and _is_record_list(base) and _is_record_list(over):
        records = [copy.deepcopy(x) for x in base]
        index = {x["name"]: i for i, x in enumerate(records) if "name" in x}
        for item in over:
            name = item.get("name")
            if name is not None and name in index:
                records[index[name]] = merge(records[index[name]], item, top=False)
            else:
                records.append(copy.deepcopy(item))
        return records
    return copy.deepcopy(over)


def _is_record_list(x: list) -> bool:
    return all(isinstance(i, dict) for i in x)


class Source(str):
    """A file name in a provenance tree; a distinct type so that item names are never taken for files."""


def _labels(data: Any, label: Source) -> Any:
    """Same shape as ``data`` with leaves replaced by ``label``; names kept so merges align."""
    if isinstance(data, dict):
        return {k: (v if k == "name" else _labels(v, label)) for k, v in data.items()}
    if isinstance(data, list) and _is_record_list(data):
        return [_labels(x, label) for x in data]
    return label


def _resolve(path: Path, stack: tuple[Path, ...]) -> tuple[dict, Any]:
    """Merge a file over its ancestors; errors name files as the user wrote them (``path`` joins
    each parent to its child's folder), cycles are detected on resolved paths."""
    real = path.resolve()
    if real in {p.resolve() for p in stack}:
        chain = " -> ".join(p.name for p in (*stack, path))
        raise ScenarioError(str(stack[-1]), "extends", f"cycle in extends: {chain}")
    data = read_yaml(path)
    parent = data.pop("extends", None)
    _resolve_files(data, path)
    labels = _labels(data, Source(path))
    if parent is None:
        return data, labels
    if not isinstance(parent, str) or not parent.strip():
        raise ScenarioError(str(path), "extends", f"expected a file name, got {parent!r}")
    parent_path = path.parent / parent
    if not parent_path.exists():
        raise ScenarioError(str(path), "extends", f"file {parent!r} not found (looked in {path.parent})")
    base, base_labels = _resolve(parent_path, (*stack, path))
    return merge(base, data), merge(base_labels, labels)


def _resolve_files(data: dict, path: Path) -> None:
    """Make each ``uncertain:`` block's ``from:`` file absolute, resolved from the folder of the file
    that names it (as ``extends`` is), so an inherited block finds its file from any child, and the
    resolved scenario (``recogsim show``, manifests) names one file wherever it is run from."""
    entries = data.get("uncertain")
    for entry in entries if isinstance(entries, list) else ():
        if isinstance(entry, dict) and isinstance(entry.get("from"), str) and entry["from"].strip():
            entry["from"] = os.path.abspath(path.parent / entry["from"])


def _blame(labels: Any, loc: tuple, default: str) -> str:
    """The file a value at ``loc`` came from: its own label, or the one file that supplied all of
    the deepest container on the way (e.g. a ``thresholds`` mapping set wholly in a parent)."""
    node = labels
    for part in loc:
        if not has_key(node, part):
            break
        node = node[part]
        if isinstance(node, Source):
            return str(node)
    sources = set(_sources(node))
    return str(sources.pop()) if len(sources) == 1 else default


def _sources(node: Any):
    if isinstance(node, Source):
        yield node
    elif isinstance(node, dict):
        for v in node.values():
            yield from _sources(v)
    elif isinstance(node, list):
        for v in node:
            yield from _sources(v)


def validate(data: dict, file: str = "<scenario>", labels: Any = None, joint: bool = True) -> Scenario:
    """Fill defaults, validate and check references; raises ScenarioError with the first problem.
    ``joint=False`` leaves ``from:`` files unread (see :func:`.references.check_uncertain`)."""
    data = copy.deepcopy(data)
    _fill_bloc_defaults(data, file, labels)
    try:
        try:
            scenario = Scenario.model_validate(data)
        except ValidationError as exc:
            loc, msg = first_error(exc, Scenario, data)
            raise ScenarioError(_blame(labels, loc, file), format_loc(loc), msg) from None
        check_references(scenario, lambda loc: _blame(labels, loc, file), joint=joint)
    except ScenarioError as err:
        if err.file is None or err.file == file or file.startswith("<"):
            raise
        # the value lies in a file ``file`` extends: it may be valid there and not against what
        # ``file`` changed (a shorter horizon puts a parent's event beyond it), so both are named
        raise ScenarioError(err.file, err.path, f"{err.message} (in {file}, which extends it)") from None
    return scenario


def load(path: str | Path) -> Scenario:
    """Load a scenario file, following ``extends``: the public entry point for scenarios."""
    path = Path(path)
    data, labels = _resolve(path, ())
    return validate(data, str(path), labels)


def _fill_bloc_defaults(data: dict, file: str, labels: Any) -> None:
    defaults = data.get("bloc_defaults") or {}
    states = data.get("states")
    if not isinstance(defaults, dict) or not isinstance(states, list):
        return
    for i, state in enumerate(states):
        if not isinstance(state, dict):
            continue
        bloc = state.get("bloc")
        fill = defaults.get(bloc) if isinstance(bloc, str) else None
        if not isinstance(fill, dict):
            continue
        for key, value in fill.items():
            if value is not None and key not in state:
                state[key] = copy.deepcopy(value)
                if isinstance(labels, dict) and isinstance(labels.get("states"), list) and i < len(labels["states"]):
                    src = _blame(labels, ("bloc_defaults", bloc, key), file)
                    labels["states"][i][key] = Source(src)
