"""The page's levers and the one-run model they build.

A lever is a scenario path the "one run" view offers as a slider. Its range and meaning come from
the scenario schema (the same bounds a scenario file or a sweep is checked against), its starting
value from the chosen scenario, so the page holds no second copy of any default. The model is the
Mesa engine itself (:class:`~recogsim.model.model.RecognitionModel`) built for one replication of
an ensemble: with the levers where the scenario sets them, the run the page steps through month by
month is replication ``r`` of ``recogsim run SCENARIO --seed SEED --engine mesa``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from ..config import paths
from ..config import schema as sc
from ..config.fields import Range
from ..config.loading import load
from ..config.references import set_values
from ..model.model import RecognitionModel
from ..runs.runner import replication as replication_of

SEED = 20230401
"""The root seed the page starts from: ``make run``'s, so replication r is that baseline's run r."""
MAX_REPLICATION = 4999
"""The last replication the one-run view offers (the ensemble view runs up to 5,000)."""


@dataclass(frozen=True)
class Lever:
    name: str
    """The keyword the model takes (a Python name)."""
    path: str
    """The scenario path it sets."""
    label: str


LEVERS: tuple[Lever, ...] = (
    Lever("crackdown", "taliban.crackdown", "Taliban: crackdown on allied militants"),
    Lever("concessions", "taliban.concessions", "Taliban: concessions (inclusive government, women's rights)"),
    Lever("lobbying", "taliban.lobbying", "Taliban: lobbying for posts and accreditation"),
    Lever("w_conditions", "rules.w_conditions", "Weight of the Western conditions"),
    Lever("consular_demand", "world.consular_demand", "Consular demand (posts' revenue)"),
    Lever("migration_pressure", "world.migration_pressure", "Migration pressure"),
    Lever("w_security", "rules.w_security", "Rule: weight of security"),
    Lever("rate_up", "rules.rate_up", "Rule: largest monthly chance of climbing a rung"),
)
"""The Taliban's three levers, the West's conditions, consular demand and a few rules."""
BY_NAME = {lever.name: lever for lever in LEVERS}
_SECTIONS: dict[str, type[BaseModel]] = {"rules": sc.Rules, "world": sc.World, "taliban": sc.TalibanSpec}


def bounds(path: str) -> tuple[float, float]:
    """A lever's range, from the schema field's :class:`~recogsim.config.fields.Range`."""
    section, name = path.split(".")
    field = _SECTIONS[section].model_fields[name]
    rng = next(m for m in field.metadata if isinstance(m, Range))
    return float(rng.lo), float(rng.hi if rng.hi is not None else 10 * max(rng.lo, 1.0))


def user_params(run: sc.Scenario) -> dict[str, Any]:
    """SolaraViz's model parameters: a slider per lever, starting at the value the run uses (the
    scenario's, or its replication's draw where ``uncertain:`` draws the lever's path)."""
    data = run.canonical()
    params: dict[str, Any] = {}
    for lever in LEVERS:
        lo, hi = bounds(lever.path)
        value = float(paths.get(data, lever.path)[0])
        step = 0.01 if hi - lo <= 1 else 0.05
        params[lever.name] = {"type": "SliderFloat", "value": value, "min": lo, "max": hi, "step": step}
        params[lever.name]["label"] = lever.label
    return params


class PageModel(RecognitionModel):
    """:class:`RecognitionModel` built from a scenario file, a replication and the levers: the
    scenario with replication ``replication``'s draws of its ``uncertain:`` parameters, then each
    lever given set on top (a lever overrides a draw of the same path)."""

    def __init__(self, scenario: str = "", replication: int = 0, seed: int = SEED, **kwargs: float):
        # ``**kwargs``, not a better name: SolaraViz accepts any parameter only under that name
        levers = kwargs
        unknown = sorted(set(levers) - set(BY_NAME))
        if unknown:
            raise TypeError(f"unknown lever {unknown[0]!r}; levers: {', '.join(BY_NAME)}")
        base = load(scenario)
        drawn, run_seed = replication_of(base, int(seed), int(replication))
        values = {BY_NAME[k].path: float(v) for k, v in levers.items()}
        super().__init__(set_values(drawn, values) if values else drawn, seed=run_seed)
        self.scenario_file = scenario
        self.replication = int(replication)


def bound(path: str, replication: int, seed: int = SEED) -> type[PageModel]:
    """:class:`PageModel` with this scenario, replication and seed as its defaults.

    SolaraViz's Reset builds ``type(model)(**parameters)``, and Mesa 3.3 forgets the parameters
    whenever the page around it renders again (its ``use_reactive({})``): Reset then passes only
    the sliders moved since, or nothing. Bound defaults make either case the chosen run."""

    class Bound(PageModel):
        def __init__(self, scenario: str = path, replication: int = replication, seed: int = seed, **kwargs: float):
            super().__init__(scenario=scenario, replication=replication, seed=seed, **kwargs)

    return Bound


def scenario_files(root: Path, given: Path | None = None) -> dict[str, Path]:
    """The scenarios the page offers: the one given on the command line, then every ``*.yaml`` in
    ``root/scenarios`` (by file name)."""
    found = {} if given is None else {given.stem: given}
    folder = root / "scenarios"
    if folder.is_dir():
        for f in sorted(folder.glob("*.yaml")):
            found.setdefault(f.stem, f)
    return found


def settings() -> tuple[Path, Path | None]:
    """The folder the page serves (the working directory of ``recogsim explore``) and the scenario
    given on its command line, passed to the server process in its environment."""
    root = Path(os.environ.get("RECOGSIM_EXPLORE_ROOT", os.getcwd())).resolve()
    given = os.environ.get("RECOGSIM_EXPLORE_SCENARIO")
    return root, (Path(given) if given else None)
