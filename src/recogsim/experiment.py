"""Experiment files: a scenario, a sampling design over parameter paths, replications, outcomes.

Parse -> validate the schema -> load the scenario -> check every parameter against the scenario
(the path matches, the values lie within the parameter's own bounds) and the design against its
parameters. Everything is checked before a single run starts; problems are one-line
:class:`ExperimentError`s naming the file, key path, expectation and value.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from . import paths
from . import scenario as sc
from .errors import InputError, ScenarioError

DEFAULT_OUTCOMES = (
    "first_recognition_month", "first_recognizer", "de_jure_count", "de_facto_count", "western_de_jure_count",
    "countries_taliban_presence", "missions_taliban", "missions_republic", "missions_closed",
    "missions_changed_hands", "western_missions_taliban", "legitimacy",
)


class ExperimentError(InputError):
    """An experiment file that cannot be parsed or does not fit its scenario or design."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Distribution(_Strict):
    """A non-uniform input distribution (SALib's ``triang`` and ``truncnorm``); its support is [min, max]."""

    kind: Literal["triangular", "truncnorm"]
    min: float = Field(strict=True)
    max: float = Field(strict=True)
    mode: float | None = Field(None, description="peak, triangular only")
    mean: float | None = Field(None, description="truncnorm only")
    sd: float | None = Field(None, gt=0, description="truncnorm only")

    @model_validator(mode="after")
    def _shape(self) -> "Distribution":
        if not self.min < self.max:
            raise ValueError(f"min must be below max, got min {self.min} and max {self.max}")
        if self.kind == "triangular" and (self.mode is None or not self.min <= self.mode < self.max):
            raise ValueError(f"a triangular distribution needs a mode in [min, max), got {self.mode}")
        if self.kind == "truncnorm" and (self.mean is None or self.sd is None):
            raise ValueError("a truncnorm distribution needs mean and sd")
        return self


class Parameter(_Strict):
    """One input: a path into the scenario and exactly one of values, range (+steps), distribution."""

    path: str
    values: list[Any] | None = Field(None, min_length=1)
    range: tuple[float, float] | None = None
    steps: int | None = Field(None, ge=2, description="grid only: evenly spaced values over range")
    distribution: Distribution | None = None

    @model_validator(mode="after")
    def _one_kind(self) -> "Parameter":
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
    name: str = Field(min_length=1)
    question: str = ""
    scenario: str
    replications: int = Field(ge=1, strict=True)
    seed: int = Field(0, ge=0, strict=True)
    design: Design
    parameters: list[Parameter] = Field(min_length=1)
    outcomes: list[str] = Field(default_factory=lambda: list(DEFAULT_OUTCOMES))
    keep_series: bool = False

    def canonical(self) -> dict[str, Any]:
        return self.model_dump(mode="json")

    def digest(self) -> str:
        blob = json.dumps(self.canonical(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(blob.encode()).hexdigest()


class LoadedExperiment:
    """A validated experiment with its resolved scenario and where it was read from."""

    def __init__(self, experiment: Experiment, scenario: sc.Scenario, file: str):
        self.experiment, self.scenario, self.file = experiment, scenario, file

    @property
    def labels(self) -> list[str]:
        return [p.path for p in self.experiment.parameters]


def load(path: str | Path) -> LoadedExperiment:
    path = Path(path)
    try:
        data = sc.read_yaml(path)
    except ScenarioError as err:
        raise ExperimentError(err.file, err.path, err.message) from None
    try:
        exp = Experiment.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = tuple(err["loc"])
        msg = sc._describe(err)
        if err["type"] == "extra_forbidden":
            msg += sc._unknown_key_hint(Experiment, loc, data)
        raise ExperimentError(str(path), sc.format_loc(loc), msg) from None
    scen_path = path.parent / exp.scenario
    if not scen_path.exists():
        raise ExperimentError(str(path), "scenario", f"file {exp.scenario!r} not found (looked in {path.parent})")
    scenario = sc.load(scen_path)
    check(exp, scenario, str(path))
    return LoadedExperiment(exp, scenario, str(path))


def check(exp: Experiment, scenario: sc.Scenario, file: str) -> None:
    """Paths, bounds, outcomes and design fit, each a one-line error before anything runs."""
    from .designs import DESIGNS

    data = scenario.canonical()
    for i, p in enumerate(exp.parameters):
        _check_parameter(p, data, scenario, file, f"parameters[{i}]")
    seen = {}
    for i, p in enumerate(exp.parameters):
        if p.path in seen:
            raise ExperimentError(file, f"parameters[{i}].path",
                                  f"duplicate parameter {p.path!r} (first at parameters[{seen[p.path]}])")
        seen[p.path] = i
    known = set(outcome_columns(scenario))
    for i, name in enumerate(exp.outcomes):
        if name not in known:
            raise ExperimentError(file, f"outcomes[{i}]",
                                  f"unknown outcome {name!r}; expected one of {', '.join(sorted(known))}")
    problem = DESIGNS[exp.design.kind].fit(exp.design, exp.parameters)
    if problem:
        raise ExperimentError(file, problem[0], problem[1])


def outcome_columns(scenario: sc.Scenario) -> list[str]:
    from .model import RecognitionModel

    from .model import slug

    cols = RecognitionModel.columns_for(scenario)
    per_state = [f"max_level_{slug(st.name)}" for st in scenario.states]
    return [*cols, "first_recognition_month", "first_recognition_date", "first_recognizer", "months", *per_state]


def _check_parameter(p: Parameter, data: dict, scenario: sc.Scenario, file: str, loc: str) -> None:
    try:
        reason = sc.fixed_reason(data, p.path, mid_run=False)
    except paths.PathError as exc:
        raise ExperimentError(file, f"{loc}.path", str(exc)) from None
    if reason:
        raise ExperimentError(file, f"{loc}.path", reason)
    current = paths.get(data, p.path)
    support = p.support()
    probes = list(p.values) if p.values is not None else list(support)
    where = f"{loc}.values" if p.values is not None else f"{loc}.range" if p.range is not None else f"{loc}.distribution"
    for value in probes:
        value = coerce(value, current[0])
        try:
            sc.apply(scenario, p.path, value)
        except ValidationError as exc:
            err = exc.errors()[0]
            raise ExperimentError(file, where, f"{value!r} is outside the bounds of {p.path}: "
                                               f"{sc._describe(err)}") from None


def coerce(value: Any, like: Any) -> Any:
    """Round sampled numbers for whole-number parameters (event months, horizons)."""
    if isinstance(like, bool) or not isinstance(like, int):
        return float(value) if isinstance(value, (int, float, np.floating)) and not isinstance(value, bool) else value
    return int(round(float(value)))


def point_scenario(scenario: sc.Scenario, exp: Experiment, values: dict[str, Any]) -> sc.Scenario:
    """The scenario at one design point: every parameter set, the whole re-validated."""
    data = scenario.canonical()
    for p in exp.parameters:
        like = paths.get(data, p.path)[0]
        paths.set_value(data, p.path, coerce(values[p.path], like))
    return sc.validate(data, "<design point>")
