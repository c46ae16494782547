"""Experiment files: a scenario, a sampling design over parameter paths, replications, outcomes.

Parse -> validate the schema -> load the scenario -> check every parameter against the scenario
(the path matches, the values lie within the parameter's own bounds) and the design against its
parameters. Outcome names are checked against the output record when the run plan is built
(:func:`recogsim.runs.plan.plan`), which is below the record in the layers; both happen before a
single run starts. Problems are one-line :class:`ExperimentError`s naming the file, key path,
expectation and value.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from pathlib import Path
from typing import Any, Literal, cast

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from ..errors import InputError, ScenarioError
from . import paths
from .designs import DESIGNS
from .diagnostics import describe, first_error, format_loc
from .distributions import Distribution
from .joint import JointTable
from .loading import load as load_scenario
from .loading import read_yaml, validate
from .references import check_references, coerce, concrete_paths, fixed_reason, joint_table, set_values
from .schema import Identifier, JointUncertain, Scenario, Uncertain


class ExperimentError(InputError):
    """An experiment file that cannot be parsed or does not fit its scenario or design."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Parameter(_Strict):
    """One input: a path into the scenario and exactly one of values, range (+steps), distribution."""

    path: str
    values: list[Any] | None = Field(None, min_length=1)
    range: tuple[float, float] | None = None
    steps: int | None = Field(None, ge=2, description="grid only: evenly spaced values over range")
    distribution: Distribution | None = None

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

    def canonical(self) -> dict[str, Any]:
        return self.model_dump(mode="json")

    def digest(self) -> str:
        blob = json.dumps(self.canonical(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(blob.encode()).hexdigest()


class LoadedExperiment:
    """A validated experiment with its resolved scenario and where it was read from."""

    def __init__(self, experiment: Experiment, scenario: Scenario, file: str):
        self.experiment, self.scenario, self.file = experiment, scenario, file


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
    check(exp, scenario, str(path))
    return LoadedExperiment(exp, scenario, str(path))


def _refuse_drawn(path: str, targets: list[str], drawn: dict[str, str], file: str, i: int) -> None:
    for target in targets:
        if target in drawn:
            raise ExperimentError(
                file,
                f"parameters[{i}].path",
                f"{path!r} reaches {target}, which the scenario draws per replication ({drawn[target]}); "
                "a sweep cannot also vary it: remove one of the two",
            )


def check(exp: Experiment, scenario: Scenario, file: str) -> None:
    """Paths, bounds and design fit, each a one-line error before anything runs."""
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


def point_scenario(scenario: Scenario, exp: Experiment, values: dict[str, Any]) -> Scenario:
    """The scenario at one design point: every parameter set, the whole re-validated."""
    data = scenario.canonical()
    for p in exp.parameters:
        like = paths.get(data, p.path)[0]
        paths.set_value(data, p.path, coerce(values[p.path], like))
    return validate(data, "<design point>", joint=False)  # rows drawn are checked by the runner
