"""Experiment files: a scenario, a sampling design over parameter paths, replications, outcomes.

Parse -> validate the schema -> load the scenario -> check every parameter against the scenario
(the path matches, the values lie within the parameter's own bounds), the design against its
parameters and its size against :data:`MAX_RUNS` and :data:`MAX_DESIGN_CELLS`, and, when the
design varies a field whose validity depends on others (a horizon, an event's month, a name, a
threshold on a ladder), every distinct combination of those fields the design reaches. A design
over bounded numbers alone needs no more than the bounds: a 10^5-point design starts in seconds.
Outcome names are checked against the output record when the run plan is built
(:func:`recogsim.runs.plan.plan`), which is below the record in the layers; both happen before a
single run starts. Problems are one-line :class:`ExperimentError`s naming the file, key path,
expectation and value.
"""

from __future__ import annotations

import contextlib
import copy
import math
import sys
from collections.abc import Callable
from pathlib import Path
from types import UnionType
from typing import Annotated, Any, Literal, Union, cast, get_args, get_origin

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from ..errors import InputError, ScenarioError
from . import paths
from .designs import DESIGNS
from .diagnostics import describe, first_error, format_loc
from .distributions import Distribution
from .fields import Range
from .joint import JointTable
from .loading import load as load_scenario
from .loading import read_yaml, validate
from .references import check_references, coerce, concrete_paths, fixed_reason, joint_table, set_values
from .schema import Identifier, JointUncertain, Scenario, Uncertain, digest


class ExperimentError(InputError):
    """An experiment file that cannot be parsed or does not fit its scenario or design."""


MAX_RUNS = 10**9
"""Most runs (points x replications) one experiment may ask for: beyond, even a results folder's
run keys outgrow a disk, and a typo (``samples: 1e9``) is far likelier than the intent."""
MAX_DESIGN_CELLS = 10**7
"""Most values (points x parameters) a design matrix may hold: it is built in memory before the
first run, as Python objects (about 32 bytes each, so at most some 320 MB)."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Parameter(_Strict):
    """One input: a path into the scenario and exactly one of values, range (+steps), distribution."""

    path: str
    values: list[Any] | None = Field(None, min_length=1)
    range: tuple[float, float] | None = None
    steps: int | None = Field(None, ge=2, description="grid only: evenly spaced values over range")
    distribution: Distribution | None = None

    @field_validator("path")
    @classmethod
    def _tidy(cls, path: str) -> str:
        """One spelling per path: spaces around dots, brackets and ``=`` dropped, so that
        ``rules . w_security`` is ``rules.w_security`` (and found to overlap with it) and names a
        results column without stray spaces. A path that does not parse is left for :func:`check`."""
        try:
            return _spelled(paths.parse(path))
        except paths.PathError:
            return path

    @field_validator("values")
    @classmethod
    def _floats_hold_them(cls, values: list[Any] | None) -> list[Any] | None:
        """Whole numbers too large for a float (YAML reads 400 digits as an int) would fail deep in
        the checks; every number a run reads is a float."""
        for v in values or []:
            if type(v) is int and abs(v) > sys.float_info.max:
                raise ValueError(f"expected numbers a float can hold, got a whole number of {len(str(abs(v)))} digits")
        return values

    @model_validator(mode="after")
    def _one_kind(self) -> Parameter:
        given = [k for k in ("values", "range", "distribution") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError(f"give exactly one of values, range or distribution, got {given or 'none'}")
        if self.range is not None and not self.range[0] < self.range[1]:
            raise ValueError(f"range must be [low, high] with low < high, got {list(self.range)}")
        if self.steps is not None and self.range is None:
            raise ValueError("steps goes with range")
        return self

    def support(self) -> tuple[float, float] | None:
        if self.range is not None:
            return self.range
        if self.distribution is not None:
            return self.distribution.min, self.distribution.max
        return None


class Design(_Strict):
    kind: Literal["grid", "lhs", "sobol", "morris"]
    samples: int | None = Field(None, ge=1, description="lhs: points; sobol: base samples N (a power of 2)")
    second_order: bool = Field(False, description="sobol: also second-order indices")
    trajectories: int | None = Field(None, ge=2, description="morris: trajectories")
    levels: int = Field(4, ge=2, description="morris: grid levels (even)")


class Experiment(_Strict):
    name: Identifier = Field(description="names the results folder: letters, digits, '_', '-', '.'")
    question: str = ""
    scenario: str
    replications: int = Field(ge=1, strict=True)
    seed: int = Field(0, ge=0, strict=True)
    design: Design
    parameters: list[Parameter] = Field(min_length=1)
    outcomes: list[str] | None = Field(None, description="run outcomes to keep; default: the record's default outcomes")
    keep_series: bool = False
    engine: Literal["auto", "mesa", "batch"] = Field(
        "auto", description="simulation engine (auto: batch where it is supported, else mesa)"
    )

    @field_validator("outcomes")
    @classmethod
    def _some_outcomes(cls, v: list[str] | None) -> list[str] | None:
        if v == []:
            raise ValueError("expected at least one run outcome, or no outcomes key for the defaults")
        return v

    def canonical(self) -> dict[str, Any]:
        return self.model_dump(mode="json")

    def digest(self) -> str:
        """The design's hash (:func:`design_digest`)."""
        return design_digest(self.canonical())


def design_digest(data: dict[str, Any]) -> str:
    """The hash of an experiment as plain data; the engine is left out (the manifest records it
    beside the hash)."""
    return digest({k: v for k, v in data.items() if k != "engine"})


def _spelled(segments: list[paths.Segment]) -> str:
    def one(seg: paths.Segment) -> str:
        key = seg.key.strip()
        if seg.index is not None:
            return f"{key}[{seg.index}]"
        return f"{key}[{seg.field}={seg.value}]" if seg.field is not None else key

    return ".".join(one(seg) for seg in segments)


class LoadedExperiment:
    """A validated experiment with its resolved scenario and where it was read from."""

    def __init__(self, experiment: Experiment, scenario: Scenario, file: str):
        self.experiment, self.scenario, self.file = experiment, scenario, file
        self._X: np.ndarray | None = None

    def design_matrix(self) -> np.ndarray:
        """The design's points, one row each, one column per parameter (sampled once: the checks
        up front and the run plan share it)."""
        if self._X is None:
            exp = self.experiment
            self._X = np.asarray(DESIGNS[exp.design.kind].sample(exp.design, exp.parameters, exp.seed), dtype=object)
        return self._X


def load(path: str | Path) -> LoadedExperiment:
    path = Path(path)
    try:
        data = read_yaml(path)
    except ScenarioError as err:
        raise ExperimentError(err.file, err.path, err.message) from None
    try:
        exp = Experiment.model_validate(data)
    except ValidationError as exc:
        loc, msg = first_error(exc, Experiment, data)
        raise ExperimentError(str(path), format_loc(loc), msg) from None
    scen_path = path.parent / exp.scenario
    if not scen_path.exists():
        raise ExperimentError(str(path), "scenario", f"file {exp.scenario!r} not found (looked in {path.parent})")
    scenario = load_scenario(scen_path)
    loaded = LoadedExperiment(exp, scenario, str(path))
    check(exp, scenario, str(path), loaded.design_matrix)
    return loaded


def _refuse_drawn(path: str, targets: list[str], drawn: dict[str, str], file: str, i: int) -> None:
    for target in targets:
        if target in drawn:
            raise ExperimentError(
                file,
                f"parameters[{i}].path",
                f"{path!r} reaches {target}, which the scenario draws per replication ({drawn[target]}); "
                "a sweep cannot also vary it: remove one of the two",
            )


def check(
    exp: Experiment, scenario: Scenario, file: str, design_matrix: Callable[[], np.ndarray] | None = None
) -> None:
    """Paths, bounds, design fit and size, and (for designs over fields that depend on others)
    every combination of them the design reaches: each a one-line error before anything runs.
    ``design_matrix``: the design's points, when already sampled (else sampled here if needed)."""
    data = scenario.canonical()
    tables = {j: joint_table(u, j) for j, u in enumerate(scenario.uncertain) if isinstance(u, JointUncertain)}
    drawn = {
        t: f"uncertain[{j}]" if isinstance(u, Uncertain) else f"uncertain[{j}], column {path!r} of {tables[j].name}"
        for j, u in enumerate(scenario.uncertain)
        for path in ([u.path] if isinstance(u, Uncertain) else tables[j].columns)
        for t in concrete_paths(data, path)
    }
    for i, p in enumerate(exp.parameters):
        # a drawn path is refused as such before its values are checked against the drawn rows
        with contextlib.suppress(paths.PathError):
            _refuse_drawn(p.path, sorted(concrete_paths(data, p.path)), drawn, file, i)
        _check_parameter(p, data, scenario, file, f"parameters[{i}]", tables)
    seen: dict[str, int] = {}
    for i, p in enumerate(exp.parameters):
        for target in sorted(concrete_paths(data, p.path)):
            if target in seen and exp.parameters[seen[target]].path == p.path:
                raise ExperimentError(
                    file,
                    f"parameters[{i}].path",
                    f"{p.path!r} is also the path of parameters[{seen[target]}] (spaces around '.', '[', ']' "
                    "and '=' do not count); vary each field once",
                )
            if target in seen:
                raise ExperimentError(
                    file,
                    f"parameters[{i}].path",
                    f"{p.path!r} reaches {target}, which "
                    f"parameters[{seen[target]}] already varies; vary each field once",
                )
            seen[target] = i
    problem = DESIGNS[exp.design.kind].fit(exp.design, exp.parameters)
    if problem:
        raise ExperimentError(file, problem[0], problem[1])
    _check_size(exp, file)
    coupled = _coupled(exp, data)
    if coupled:
        if design_matrix is None:
            design_matrix = lambda: np.asarray(  # noqa: E731
                DESIGNS[exp.design.kind].sample(exp.design, exp.parameters, exp.seed), dtype=object
            )
        _check_points(exp, data, coupled, design_matrix(), file)


def _check_size(exp: Experiment, file: str) -> None:
    """Refuse a design whose matrix would not fit in memory, or whose runs no folder could hold,
    before building either."""
    points = DESIGNS[exp.design.kind].size(exp.design, exp.parameters)
    cells = points * len(exp.parameters)
    if cells > MAX_DESIGN_CELLS:
        raise ExperimentError(
            file,
            "design",
            f"expected a design of at most {MAX_DESIGN_CELLS:,} values (points x parameters), got {points:,} "
            f"points x {len(exp.parameters)} parameters = {cells:,}; split it into several experiments",
        )
    runs = points * exp.replications
    if runs > MAX_RUNS:
        raise ExperimentError(
            file,
            "replications",
            f"expected at most {MAX_RUNS:,} runs (points x replications), got {points:,} points x "
            f"{exp.replications:,} replications = {runs:,}; use fewer, or split the experiment",
        )


def _coupled(exp: Experiment, data: dict) -> list[int]:
    """The parameters whose values are valid or not only together with others': every one that
    is not a bounded number standing alone (:func:`_alone`). ``set`` events' values join them when
    there are any, since a coupled parameter may change what such an event sets. Empty for the
    common design over bounded numbers, whose per-parameter check of its bounds is complete."""
    alone = [all(_alone(data, t) for t in concrete_paths(data, p.path)) for p in exp.parameters]
    if all(alone):
        return []
    return [i for i, p in enumerate(exp.parameters) if not alone[i] or _event_value(p.path, data)]


def _event_value(path: str, data: dict) -> bool:
    return any(t.startswith("events[") and t.endswith("].value") for t in concrete_paths(data, path))


def _alone(data: dict, target: str) -> bool:
    """Whether the concrete slot ``target`` is a bounded number whose validity is its bounds alone:
    a float field or mapping entry carrying a :class:`~.fields.Range` (``rules.w_security``,
    ``states[2].exposure.ISK``), or a ``set`` event's value for such a field. Not: whole numbers
    (a horizon, an event's month), names, levels, flags, or numbers tied to others (the ladder's
    thresholds, which must not decrease)."""
    segments = paths.parse(target)
    if segments[0].key == "events":
        event = data["events"][segments[0].index]
        if [s.key for s in segments[1:]] != ["value"] or event.get("kind") != "set":
            return False
        return all(_alone(data, t) for t in concrete_paths(data, event["path"]))
    tp: Any = Scenario
    meta: list[Any] = []
    for seg in segments:
        tp, more = _unwrap(tp)
        if isinstance(tp, type) and issubclass(tp, BaseModel):
            field = tp.model_fields.get(seg.key)
            if field is None:
                return False
            tp, meta = field.annotation, list(field.metadata)
        elif get_origin(tp) is dict:
            tp, meta = get_args(tp)[1], []
        else:
            return False
        if seg.index is not None or seg.field is not None:
            tp, _ = _unwrap(tp)
            if get_origin(tp) is not list:
                return False
            tp, meta = get_args(tp)[0], []
    tp, more = _unwrap(tp)
    return tp is float and any(isinstance(m, Range) for m in [*meta, *more])


def _unwrap(tp: Any) -> tuple[Any, list[Any]]:
    """A type without ``Annotated`` (its metadata returned) and without ``| None``."""
    meta: list[Any] = []
    while True:
        if get_origin(tp) is Annotated:
            tp, *extra = get_args(tp)
            meta += extra
        elif get_origin(tp) in (Union, UnionType) and type(None) in get_args(tp):
            rest = [a for a in get_args(tp) if a is not type(None)]
            if len(rest) != 1:
                return tp, meta
            tp = rest[0]
        else:
            return tp, meta


def _check_points(exp: Experiment, data: dict, coupled: list[int], X: np.ndarray, file: str) -> None:
    """Every distinct combination of the coupled parameters' values the design reaches makes a
    valid scenario, as the runner builds a design point (:func:`point_scenario`: per-path draws
    of ``uncertain:`` included). The other parameters are bounded numbers standing alone, already
    checked at their bounds, so a combination is checked once however many points share it.
    ``from:`` rows are paired with each parameter's values in :func:`_check_parameter`: as in
    :func:`~.references.check_uncertain`, every constraint between fields involves two of them."""
    names = [exp.parameters[i].path for i in coupled]
    likes = [paths.get(data, name)[0] for name in names]
    loc = f"parameters[{coupled[0]}]" if len(coupled) == 1 else "parameters"
    seen: set[tuple[Any, ...]] = set()
    for point, row in enumerate(X[:, coupled]):
        combo = tuple(coerce(_plain(v), like) for v, like in zip(row, likes, strict=True))
        if combo in seen:
            continue
        seen.add(combo)
        values = dict(zip(names, combo, strict=True))
        try:
            validate(_with(data, values), file, joint=False)
        except ScenarioError as err:
            shown = ", ".join(f"{k}={v!r}" for k, v in values.items())
            raise ExperimentError(
                file, loc, f"design point {point} ({shown}) makes an invalid scenario: {err.path}: {err.message}"
            ) from None


def _with(data: dict, values: dict[str, Any]) -> dict:
    out = copy.deepcopy(data)
    for path, value in values.items():
        paths.set_value(out, path, value)
    return out


def _plain(v: Any) -> Any:
    return v.item() if isinstance(v, np.generic) else v


def _check_parameter(
    p: Parameter, data: dict, scenario: Scenario, file: str, loc: str, tables: dict[int, JointTable]
) -> None:
    """The path may vary, and its values (or the ends of its range) make a valid scenario, alone
    and with each ``from:`` block's rows that hold its columns' extremes (the others are checked
    as the runner draws them)."""
    try:
        reason = fixed_reason(data, p.path, mid_run=False)
    except paths.PathError as exc:
        raise ExperimentError(file, f"{loc}.path", str(exc)) from None
    if reason:
        raise ExperimentError(file, f"{loc}.path", reason)
    current = paths.get(data, p.path)
    # without values, a range or a distribution is given (Parameter._one_kind), so support() is not None
    support = cast("tuple[float, float]", p.support())
    probes = list(p.values) if p.values is not None else list(support)
    if p.values is not None and all(_alone(data, t) for t in concrete_paths(data, p.path)):
        probes = _interval_probes(probes)  # a bounded number alone: valid values form an interval
    where = (
        f"{loc}.values" if p.values is not None else f"{loc}.range" if p.range is not None else f"{loc}.distribution"
    )
    rows: list[tuple[str, dict[str, float]]] = [("", {})] + [
        (f" with row {r} of {table.name} (uncertain[{j}])", table.row(r))
        for j, table in tables.items()
        for r in table.extreme_rows()
    ]
    for value in probes:
        value = coerce(value, current[0])
        for with_row, row in rows:
            try:
                check_references(set_values(scenario, {**row, p.path: value}), lambda _: file, uncertain=False)
            except ValidationError as exc:
                err = exc.errors()[0]
                found = f"{format_loc(tuple(err['loc']))} {describe(err)}" if row else describe(err)
                raise ExperimentError(
                    file, where, f"{value!r} is outside the bounds of {p.path}{with_row}: {found}"
                ) from None
            except ScenarioError as err:
                raise ExperimentError(
                    file, where, f"{value!r} cannot be used for {p.path}{with_row}: {err.path}: {err.message}"
                ) from None


def _interval_probes(values: list[Any]) -> list[Any]:
    """The values that decide whether all of ``values`` lie within a number's bounds: anything that
    is not a finite number (each refused on its own), then the smallest and the largest. A
    thousand-value grid was a thousand scenarios validated, some 16 ms each."""

    def number(v: Any) -> bool:
        return type(v) is int or (type(v) is float and math.isfinite(v))

    finite = [v for v in values if number(v)]
    return [v for v in values if not number(v)] + ([min(finite), max(finite)] if finite else [])


def point_scenario(scenario: Scenario, exp: Experiment, values: dict[str, Any]) -> Scenario:
    """The scenario at one design point: every parameter set, the whole re-validated."""
    data = scenario.canonical()
    for p in exp.parameters:
        like = paths.get(data, p.path)[0]
        paths.set_value(data, p.path, coerce(values[p.path], like))
    return validate(data, "<design point>", joint=False)  # rows drawn are checked by the runner
