"""Scenario files: parse YAML -> resolve ``extends`` -> fill bloc defaults -> validate -> check references.

Every coefficient the model uses is a field here with its range and a docstring-like description;
``docs/model.md`` gives each one's source. Errors are :class:`ScenarioError` with one line naming
the file the offending value came from, its key path, the expectation and the value found.
"""

from __future__ import annotations

import copy
import hashlib
import json
import re
from pathlib import Path
from typing import Annotated, Any, Literal, Union

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
)

from . import paths
from .errors import ScenarioError

LEVELS: tuple[str, ...] = ("none", "engaged", "hosts_diplomats", "de_facto", "de_jure")
"""The relation ladder, lowest first. ``hosts_diplomats``: a post handed to the Taliban or a
Taliban chargé accepted; ``de_facto``: a Taliban ambassador accredited without recognition."""
BLOCS: tuple[str, ...] = ("neighbour", "regional", "gulf", "western", "other")
CONDITIONS: tuple[str, ...] = ("inclusive_government", "womens_rights", "al_qaeda_break")
CONTROLLERS: tuple[str, ...] = ("republic", "taliban", "closed")

Level = Literal["none", "engaged", "hosts_diplomats", "de_facto", "de_jure"]
Bloc = Literal["neighbour", "regional", "gulf", "western", "other"]


class Range:
    """Bounds of a numeric parameter, kept as field metadata so sweeps can check designs against them."""

    def __init__(self, lo: float, hi: float | None):
        self.lo, self.hi = lo, hi

    def __call__(self, v: float) -> float:
        if v != v or v < self.lo or (self.hi is not None and v > self.hi):
            if self.hi is None:
                raise ValueError(f"must be at least {_num(self.lo)}")
            raise ValueError(f"must be between {_num(self.lo)} and {_num(self.hi)}")
        return v


def _num(x: float) -> str:
    return f"{x:g}"


def bounded(lo: float, hi: float | None, default: float | None = None, doc: str = "", **extra: Any):
    """A float field with bounds that are both validated and introspectable (``Range`` in metadata)."""
    rng = Range(lo, hi)
    kwargs: dict[str, Any] = {"description": doc, "strict": True}
    if extra:
        kwargs["json_schema_extra"] = extra
    if default is not None:
        kwargs["default"] = default
    return Annotated[float, Field(**kwargs), AfterValidator(rng), rng]


Unit = bounded(0.0, 1.0)
NonNeg = bounded(0.0, None)
FIXED = {"settable": False}
"""Fields that hold initial state or identity: a ``set`` event may not change them mid-run."""


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True, frozen=False)


# --------------------------------------------------------------------------------------------
# Global coefficients of the decision rules (incentives.py). Defaults and sources: docs/model.md.
# --------------------------------------------------------------------------------------------
class Rules(Strict):
    """Weights of the transactional utility and the dynamics; all dimensionless unless noted."""

    w_security: bounded(0, 10, 1.2, "weight of terrorism exposure x group threat (engagement buys help against militants)")
    w_migration: bounded(0, 10, 0.6, "weight of migration concern x migration pressure")
    w_economic: bounded(0, 10, 0.6, "weight of trade/transit interest")
    w_peer: bounded(0, 10, 0.8, "pull of tied states' levels above one's own (alliances, e.g. China-Pakistan)")
    w_bandwagon: bounded(0, 10, 0.6, "pull of the share of all states already at or above the next rung")
    w_conditions: bounded(0, 10, 2.5, "cost of unmet Western conditions, times the state's conditions_weight")
    w_militant_links: bounded(0, 10, 1.0, "cost of visible Taliban links to allied militants")
    w_resistance: bounded(0, 10, 2.0, "cost to a resistance supporter of dealing with the Taliban")
    w_alternative: bounded(0, 10, 0.4, "discount on engagement while an armed alternative is strong")
    w_lobbying: bounded(0, 10, 0.8, "bonus of Taliban lobbying on the handover rung, and above it where Taliban diplomats are accepted")
    restraint_floor: bounded(0, 1, 0.5, "share of the security motive that holds before any crackdown on allied groups")
    w_isk_attacks: bounded(0, 10, 0.5, "how much ISK attacks on foreign missions add to every state's security motive")
    condition_shares: dict[str, Unit] = Field(
        default_factory=lambda: {"inclusive_government": 1 / 3, "womens_rights": 1 / 3, "al_qaeda_break": 1 / 3},
        description="relative weight of each Western condition in the conditions cost",
    )
    thresholds: dict[str, float] = Field(
        default_factory=lambda: {"engaged": 0.0, "hosts_diplomats": 0.3, "de_facto": 2.8, "de_jure": 3.6},
        description="utility a state needs to climb to each rung (higher rungs cost more)",
    )
    slope: bounded(0.1, 50, 4.0, "steepness of the logistic response of move probabilities to utility")
    rate_up: bounded(0, 1, 0.15, "largest monthly probability of climbing one rung")
    rate_down: bounded(0, 1, 0.02, "largest monthly probability of dropping one rung")
    takeover_rate: bounded(0, 1, 0.25, "monthly probability that a Republic-held post whose host allows it is taken over, at full lobbying")
    # mission finances, in months of a post's running cost
    revenue_noise: bounded(0, 5, 0.15, "s.d. of monthly consular revenue around its mean (fraction of the mean)")
    downsize_factor: bounded(0, 1, 0.6, "running cost after downsizing, as a share of the full cost")
    closure_debt: bounded(0, 120, 3.0, "months of running cost in arrears at which a downsized post closes")
    taliban_subsidy: bounded(0, 10, 0.3, "monthly support from Kabul to a Taliban-held post, in running costs")
    # Taliban compliance
    crackdown_ceiling: bounded(0, 1, 0.6, "how far a full crackdown quiets allied groups and counts as a break with al-Qaeda (restrict, not expel)")

    @field_validator("condition_shares")
    @classmethod
    def _shares(cls, v: dict[str, float]) -> dict[str, float]:
        _known_keys(v, CONDITIONS, "condition")
        return v

    @field_validator("thresholds")
    @classmethod
    def _thresholds(cls, v: dict[str, float]) -> dict[str, float]:
        _known_keys(v, LEVELS[1:], "rung")
        missing = [k for k in LEVELS[1:] if k not in v]
        if missing:
            raise ValueError(f"missing rung(s) {', '.join(missing)}")
        vals = [v[k] for k in LEVELS[1:]]
        if any(x != x or x in (float("inf"), float("-inf")) for x in vals):
            raise ValueError(f"must be finite numbers, got {vals}")
        if any(b < a for a, b in zip(vals, vals[1:])):
            raise ValueError(f"must not decrease up the ladder ({', '.join(LEVELS[1:])}), got {vals}")
        return v


def _known_keys(v: dict, allowed: tuple[str, ...], what: str) -> None:
    bad = [k for k in v if k not in allowed]
    if bad:
        raise ValueError(f"unknown {what} {bad[0]!r}; expected one of {', '.join(allowed)}")


class World(Strict):
    """Exogenous conditions that no agent controls."""

    migration_pressure: bounded(0, 1, 0.6, "outflow pressure from Afghanistan (economic collapse, repression)")
    minority_violence: bounded(0, 1, 0.3, "reported violence against Afghan minorities, which draws jihadist veterans back")
    consular_demand: bounded(0, 5, 1.0, "multiplier on every post's consular revenue (demand for passports, visas)")


class TalibanAdaptive(Strict):
    """Weights of the Taliban's balancing act (seed 002): rewards abroad vs. backlash at home."""

    step: bounded(0, 1, 0.05, "largest monthly change of a lever")
    reward_weight: bounded(0, 10, 1.0, "value of expected international engagement gains")
    backlash_weight: bounded(0, 10, 1.5, "cost of alienating allied jihadists, convex in crackdown")
    defection_weight: bounded(0, 10, 1.0, "cost of fighters defecting to ISK")
    narrative_weight: bounded(0, 10, 1.0, "cost of feeding ISK's 'abandoned jihad' narrative")
    concession_cost: bounded(0, 10, 2.0, "internal cost of concessions (hard-liners refuse power sharing, women's rights)")
    lobbying_cost: bounded(0, 10, 0.2, "cost of lobbying effort")


class TalibanSpec(Strict):
    mode: Literal["fixed", "adaptive"] = "fixed"
    crackdown: bounded(0, 1, 0.3, "restriction of allied militants (0 none, 1 expel)")
    concessions: bounded(0, 1, 0.05, "movement on inclusive government and women's rights")
    lobbying: bounded(0, 1, 0.7, "effort put into taking posts and seeking accreditation")
    legitimacy_need: bounded(0, 10, 1.0, "how much a closer relation with a state is worth to the Taliban")
    adaptive: TalibanAdaptive = Field(default_factory=TalibanAdaptive)


class StateDefaults(Strict):
    """Per-bloc defaults filled into states that do not set a field themselves."""

    migration_concern: bounded(0, 1) | None = None
    economic_interest: bounded(0, 1) | None = None
    conditions_weight: bounded(0, 1) | None = None
    resistance_support: bounded(0, 1) | None = None
    exposure: dict[str, Unit] | None = None


class StateSpec(Strict):
    name: str = Field(min_length=1, json_schema_extra=FIXED)
    bloc: Bloc = Field(json_schema_extra=FIXED)
    level: Level = Field("none", json_schema_extra=FIXED)
    exposure: dict[str, Unit] = Field(default_factory=dict, description="terrorism exposure to each militant group")
    migration_concern: Unit = 0.0
    economic_interest: Unit = 0.0
    conditions_weight: Unit = 0.0
    ties: dict[str, Unit] = Field(default_factory=dict, description="states whose moves this one follows, with weights")
    resistance_support: Unit = 0.0


class MilitantSpec(Strict):
    name: str = Field(min_length=1, json_schema_extra=FIXED)
    stance: Literal["allied", "hostile"] = Field(json_schema_extra=FIXED)
    strength: bounded(0, 1, 0.1, "strength inside Afghanistan (0-1 index)", settable=False)
    visibility: bounded(0, 1, 0.3, "propaganda exposing Taliban links (allied groups only; ignored for hostile ones)")
    pool_abroad: bounded(0, 1, 0.0, "veterans abroad (Syria) who may return, same units as strength")
    growth: bounded(0, 1, 0.02, "monthly logistic recruitment rate")
    return_rate: bounded(0, 1, 0.02, "monthly share of the pool abroad that returns when conditions are fully conducive")
    crackdown_effect: bounded(0, 1, 0.05, "monthly strength loss per unit of Taliban crackdown (allied) or pressure (hostile)")
    defection_share: bounded(0, 1, 0.3, "share of strength lost to crackdown that defects to ISK (allied groups only)")
    recruits_from_narrative: bounded(0, 1, 0.0, "monthly growth from the 'abandoned jihad' narrative (ISK)")


class ResistanceSpec(Strict):
    name: str = Field(min_length=1, json_schema_extra=FIXED)
    strength: bounded(0, 1, 0.1, "armed strength (0-1 index)", settable=False)
    sanctuary: str | None = Field(None, description="state hosting its leaders, or null", json_schema_extra=FIXED)
    outside_help: bounded(0, 1, 0.0, "monthly growth from outside help")
    sanctuary_growth: bounded(0, 1, 0.01, "monthly growth while a sanctuary is held")
    pressure: bounded(0, 1, 0.05, "monthly erosion under Taliban pressure")
    withdraw_level: Level = Field("hosts_diplomats", description="host level at which it withdraws sanctuary")


class MissionSpec(Strict):
    name: str = Field(min_length=1, json_schema_extra=FIXED)
    host: str = Field(json_schema_extra=FIXED)
    city: str = Field(json_schema_extra=FIXED)
    kind: Literal["embassy", "consulate", "un_mission"] = Field(json_schema_extra=FIXED)
    controller: Literal["republic", "taliban", "closed"] = Field("republic", json_schema_extra=FIXED)
    funds: bounded(-120, 240, 6.0, "reserves in months of running cost", settable=False)
    revenue: bounded(0, 20, 1.0, "mean monthly consular revenue in running costs (1 = breaks even)")


class _Event(Strict):
    month: int = Field(ge=0, strict=True, description="months after the scenario start")


class SetEvent(_Event):
    kind: Literal["set"]
    path: str
    value: Any


class RelationEvent(_Event):
    kind: Literal["relation"]
    state: str
    level: Level


class InfluxEvent(_Event):
    kind: Literal["influx"]
    group: str
    amount: bounded(0, 1, None, "strength moved from the pool abroad into Afghanistan")


class WithdrawSanctuaryEvent(_Event):
    kind: Literal["withdraw_sanctuary"]
    resistance: str


class CloseMissionEvent(_Event):
    kind: Literal["close_mission"]
    mission: str


EVENT_KINDS = (SetEvent, RelationEvent, InfluxEvent, WithdrawSanctuaryEvent, CloseMissionEvent)

Event = Annotated[
    Union[SetEvent, RelationEvent, InfluxEvent, WithdrawSanctuaryEvent, CloseMissionEvent],
    Field(discriminator="kind"),
]


class Scenario(Strict):
    name: str
    description: str = ""
    start: str = Field(description="first month, YYYY-MM")
    horizon_months: int = Field(120, ge=1, le=1200, strict=True)
    world: World = Field(default_factory=World)
    rules: Rules = Field(default_factory=Rules)
    taliban: TalibanSpec = Field(default_factory=TalibanSpec)
    bloc_defaults: dict[Bloc, StateDefaults] = Field(default_factory=dict)
    states: list[StateSpec] = Field(min_length=1)
    militants: list[MilitantSpec] = Field(default_factory=list)
    resistance: list[ResistanceSpec] = Field(default_factory=list)
    missions: list[MissionSpec] = Field(default_factory=list)
    events: list[Event] = Field(default_factory=list)

    @field_validator("start")
    @classmethod
    def _start(cls, v: str) -> str:
        if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", v):
            raise ValueError(f"must be a month written YYYY-MM, got {v!r}")
        return v

    def canonical(self) -> dict[str, Any]:
        """The resolved scenario as plain data (what ``recogsim show`` prints and manifests store)."""
        return self.model_dump(mode="json")

    def digest(self) -> str:
        """Stable hash of the resolved scenario, for manifests and resume checks."""
        blob = json.dumps(self.canonical(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(blob.encode()).hexdigest()


# --------------------------------------------------------------------------------------------
# YAML loading
# --------------------------------------------------------------------------------------------
class _UniqueKeyLoader(yaml.SafeLoader):
    """SafeLoader that rejects duplicate mapping keys instead of silently keeping the last."""


def _construct_mapping(loader: _UniqueKeyLoader, node: yaml.MappingNode, deep: bool = False) -> dict:
    seen: dict[Any, Any] = {}
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if not isinstance(key, (str, int, float, bool)) and key is not None:
            raise yaml.constructor.ConstructorError(
                None, None, f"mapping keys must be plain names, got {type(key).__name__} {key!r}", key_node.start_mark
            )
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark
            )
        seen[key] = True
    return loader.construct_mapping(node, deep=deep)


_UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def read_yaml(path: Path) -> dict:
    """Parse one file with the safe loader; every failure becomes a one-line ScenarioError."""
    name = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ScenarioError(name, None, "file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError(name, None, f"cannot read file ({exc.__class__.__name__}: {exc})") from None
    try:
        data = yaml.load(text, Loader=_UniqueKeyLoader)  # noqa: S506 - SafeLoader subclass
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = f"line {mark.line + 1}" if mark else None
        problem = exc.problem or str(exc)
        if "constructor for the tag" in problem:
            problem = f"YAML tag not allowed ({problem.split('tag', 1)[1].strip()}); scenario files hold plain data"
        raise ScenarioError(name, line, f"invalid YAML: {problem}") from None
    except yaml.YAMLError as exc:
        raise ScenarioError(name, None, f"invalid YAML: {exc}") from None
    if data is None:
        raise ScenarioError(name, None, "empty file: expected a mapping with at least 'name', 'start' and 'states'")
    if not isinstance(data, dict):
        raise ScenarioError(name, None, f"expected a mapping at the top level, got {type(data).__name__}")
    return data


# --------------------------------------------------------------------------------------------
# extends: merge child over parent. Lists of named mappings merge by name; other mapping lists
# (events) extend; scalars and scalar lists are replaced. The same merge run over "label trees"
# (every leaf replaced by its file name) gives each resolved value's provenance for errors.
# --------------------------------------------------------------------------------------------
def merge(base: Any, over: Any) -> Any:
    if isinstance(base, dict) and isinstance(over, dict):
        out = dict(base)
        for k, v in over.items():
            out[k] = merge(base[k], v) if k in base else copy.deepcopy(v)
        return out
    if isinstance(base, list) and isinstance(over, list) and _is_record_list(base) and _is_record_list(over):
        out = [copy.deepcopy(x) for x in base]
        index = {x["name"]: i for i, x in enumerate(out) if "name" in x}
        for item in over:
            name = item.get("name")
            if name is not None and name in index:
                out[index[name]] = merge(out[index[name]], item)
            else:
                out.append(copy.deepcopy(item))
        return out
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
    labels = _labels(data, Source(path))
    if parent is None:
        return data, labels
    if not isinstance(parent, str) or not parent.strip():
        raise ScenarioError(str(path), "extends", f"expected a file name, got {parent!r}")
    parent_path = (path.parent / parent)
    if not parent_path.exists():
        raise ScenarioError(str(path), "extends", f"file {parent!r} not found (looked in {path.parent})")
    base, base_labels = _resolve(parent_path, (*stack, path))
    return merge(base, data), merge(base_labels, labels)


def _blame(labels: Any, loc: tuple, default: str) -> str:
    """The file a value at ``loc`` came from: its own label, or the one file that supplied all of
    the deepest container on the way (e.g. a ``thresholds`` mapping set wholly in a parent)."""
    node = labels
    for part in loc:
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            node = node[part]
        else:
            break
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


def format_loc(loc: tuple) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def _describe(err: dict) -> str:
    kind, value = err["type"], err.get("input")
    if kind == "extra_forbidden":
        return "unknown key"
    if kind == "missing":
        return "required key is missing"
    if kind == "value_error":
        msg = str(err["ctx"]["error"]) if "ctx" in err else err["msg"]
        return msg if ", got " in msg else f"{msg}, got {value!r}"
    if kind in ("float_type", "int_type", "float_parsing", "int_parsing", "int_from_float"):
        return f"must be a {'whole ' if 'int' in kind else ''}number, got {value!r}"
    if kind == "literal_error":
        return f"must be one of {err['ctx']['expected']}, got {value!r}"
    if kind == "union_tag_invalid":
        return f"unknown event kind {err['ctx']['tag']!r}; expected one of {err['ctx']['expected_tags']}"
    if kind == "union_tag_not_found":
        return "missing 'kind' (one of set, relation, influx, withdraw_sanctuary, close_mission)"
    return f"{err['msg'][0].lower()}{err['msg'][1:]}, got {value!r}"


EVENT_MODELS: dict[str, type[BaseModel]] = {}  # filled below, after the event classes


def _unknown_key_hint(model: type[BaseModel], loc: tuple, data: Any) -> str:
    """For an unknown key, list the keys allowed there (typos are the usual cause). Walks the
    schema beside the data, so an event's hint lists the keys of its own kind."""
    node: Any = model
    for part in loc[:-1]:
        data = data[part] if isinstance(data, (dict, list)) and _has(data, part) else None
        if node is None or not hasattr(node, "model_fields"):
            return ""
        field = node.model_fields.get(part) if isinstance(part, str) else None
        if field is not None:
            node = _inner_model(field.annotation)
            if isinstance(data, dict) and "kind" in data and data["kind"] in EVENT_MODELS:
                node = EVENT_MODELS[data["kind"]]
        elif isinstance(data, dict) and data.get("kind") in EVENT_MODELS:
            node = EVENT_MODELS[data["kind"]]  # a list index or a dict key: stay on the item's model
    if node is None or not hasattr(node, "model_fields"):
        return ""
    return f"; expected one of {', '.join(sorted(node.model_fields))}"


def _has(container: dict | list, key: Any) -> bool:
    if isinstance(container, dict):
        return key in container
    return isinstance(key, int) and 0 <= key < len(container)


def _inner_model(ann: Any) -> Any:
    """The pydantic model inside an annotation such as ``list[StateSpec]`` or ``dict[str, X]``."""
    if isinstance(ann, type) and issubclass(ann, BaseModel):
        return ann
    for arg in getattr(ann, "__args__", ()):
        inner = _inner_model(arg)
        if inner is not None:
            return inner
    return None


def validate(data: dict, file: str = "<scenario>", labels: Any = None) -> Scenario:
    """Fill defaults, validate and check references; raises ScenarioError with the first problem."""
    data = copy.deepcopy(data)
    _fill_bloc_defaults(data, file, labels)
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = tuple(err["loc"])
        loc = _strip_union_tags(loc)  # discriminated unions add the tag to the location
        msg = _describe(err)
        if err["type"] == "extra_forbidden":
            msg += _unknown_key_hint(Scenario, loc, data)
        raise ScenarioError(_blame(labels, loc, file), format_loc(loc), msg) from None
    check_references(scenario, lambda loc: _blame(labels, loc, file))
    return scenario


_EVENT_TAGS = {"set", "relation", "influx", "withdraw_sanctuary", "close_mission"}


EVENT_MODELS.update({m.model_fields["kind"].annotation.__args__[0]: m for m in EVENT_KINDS})


def _strip_union_tags(loc: tuple) -> tuple:
    return tuple(p for i, p in enumerate(loc) if not (p in _EVENT_TAGS and i >= 2 and loc[i - 2] == "events"))


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


def _duplicates(items: list, loc: str, blame) -> None:
    seen: dict[str, int] = {}
    for i, item in enumerate(items):
        if item.name in seen:
            raise ScenarioError(
                blame((loc, i, "name")), f"{loc}[{i}].name",
                f"duplicate name {item.name!r} (first used at {loc}[{seen[item.name]}])",
            )
        seen[item.name] = i


def check_references(s: Scenario, blame) -> None:
    """Names that must resolve: hosts, ties, exposures, sanctuaries and event targets."""
    for loc in ("states", "militants", "resistance", "missions"):
        _duplicates(getattr(s, loc), loc, blame)
    states = {x.name for x in s.states}
    groups = {x.name for x in s.militants}
    fighters = {x.name for x in s.resistance}
    posts = {x.name for x in s.missions}

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
            loc = ("missions", i, "controller")
            raise ScenarioError(blame(loc), format_loc(loc),
                                f"a Taliban-held post needs its host at hosts_diplomats or above, "
                                f"got {m.host} at {levels[m.host]!r}")
    for bloc, d in s.bloc_defaults.items():
        for g in d.exposure or {}:
            need(g, groups, ("bloc_defaults", bloc, "exposure", g), "militant group")
    for i, ev in enumerate(s.events):
        if ev.month > s.horizon_months:
            raise ScenarioError(blame(("events", i, "month")), f"events[{i}].month",
                                f"must be within the horizon (0..{s.horizon_months}), got {ev.month}")
        if isinstance(ev, RelationEvent):
            need(ev.state, states, ("events", i, "state"), "state")
        elif isinstance(ev, InfluxEvent):
            need(ev.group, groups, ("events", i, "group"), "militant group")
        elif isinstance(ev, WithdrawSanctuaryEvent):
            need(ev.resistance, fighters, ("events", i, "resistance"), "resistance group")
        elif isinstance(ev, CloseMissionEvent):
            need(ev.mission, posts, ("events", i, "mission"), "mission")
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
        return f"bloc defaults are filled in at load and cannot be varied; vary states[bloc=...].FIELD instead, got {path!r}"
    if not settable(path):
        return (f"{path!r} is initial state or identity and cannot be varied; to change it mid-run use a relation, "
                "influx, withdraw_sanctuary or close_mission event")
    if any(isinstance(v, (dict, list)) for v in paths.get(data, path)):
        return f"must address a single parameter, not a whole record or list, got {path!r}"
    return None


def _check_set_event(s: Scenario, i: int, ev: SetEvent, blame) -> None:
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
        raise ScenarioError(blame(vloc), format_loc(vloc),
                            f"{format_loc(tuple(err['loc']))} {_describe(err)}") from None


def load(path: str | Path) -> Scenario:
    """Load a scenario file, following ``extends``; the public entry point of this module."""
    path = Path(path)
    data, labels = _resolve(path, ())
    return validate(data, str(path), labels)


def add_month(start: str, months: int) -> str:
    """The ``YYYY-MM`` month ``months`` after ``start``: how results name a model month."""
    year, month = (int(x) for x in start.split("-"))
    total = year * 12 + month - 1 + months
    return f"{total // 12:04d}-{total % 12 + 1:02d}"


def level_index(level: str) -> int:
    return LEVELS.index(level)
