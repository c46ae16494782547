"""The scenario schema: every key a scenario file may hold, with its type, range and meaning.

Every coefficient the model uses is a field here with its bounds and a one-line description;
``docs/model.md`` gives each one's source. Reading files, ``extends`` and error provenance live in
:mod:`.loading`; cross-references between names in :mod:`.references`.
"""

from __future__ import annotations

import hashlib
import json
from itertools import pairwise
from typing import Annotated, Any, ClassVar, Literal

from pydantic import Field, ValidationInfo, field_validator, model_validator
from pydantic.functional_serializers import SerializerFunctionWrapHandler, model_serializer
from pydantic.types import Discriminator, Tag

from .calendar import Month
from .distributions import Distribution
from .events import (  # noqa: F401  (re-exported: the schema's names in one place)
    EVENT_KINDS,
    CloseMissionEvent,
    Event,
    InfluxEvent,
    RelationEvent,
    SetEvent,
    WithdrawSanctuaryEvent,
)
from .fields import (  # noqa: F401
    CONDITIONS,
    CONTROLLERS,
    FIXED,
    LEVELS,
    UN_BLOC,
    UN_TOP,
    Bloc,
    Controller,
    EntityName,
    Identifier,
    Level,
    NonNeg,
    Range,
    Strict,
    Unit,
    bounded,
    level_index,
    shown,
    slug,
)


# --------------------------------------------------------------------------------------------
# Global coefficients of the decision rules (model/incentives/). Defaults and sources: docs/model.md.
# --------------------------------------------------------------------------------------------
class Rules(Strict):
    """Weights of the transactional utility and the dynamics; all dimensionless unless noted."""

    removed: ClassVar[dict[str, str]] = {
        "slope": "the utility scale is now fixed (incentives.SLOPE = 4); to keep a file's behaviour, "
        "multiply every threshold and every rules.w_* weight but w_isk_attacks (it sits inside the security "
        "term) by slope / 4",
        "w_alternative": "the armed alternative now enters the gain rules.w_durability "
        "(time in power, scale rules.durability_months, times the absence of an armed alternative)",
    }
    """Fields of older scenario files and what replaced them (the error message names it)."""

    w_security: float = bounded(
        0, 10, 6.0, "weight of terrorism exposure x group threat (engagement buys help against militants)"
    )
    w_migration: float = bounded(0, 10, 3.0, "weight of migration concern x migration pressure")
    w_economic: float = bounded(0, 10, 3.0, "weight of trade/transit interest")
    w_peer: float = bounded(0, 10, 0.8, "pull of tied states' levels above one's own (alliances, e.g. China-Pakistan)")
    w_bandwagon: float = bounded(
        0, 10, 0.6, "pull of the share of other states already at or above the rung in question"
    )
    w_conditions: float = bounded(0, 10, 2.5, "cost of unmet Western conditions, times the state's conditions_weight")
    w_militant_links: float = bounded(0, 10, 1.0, "cost of visible Taliban links to allied militants")
    w_resistance: float = bounded(0, 10, 5.0, "cost to a resistance supporter of dealing with the Taliban")
    w_sheltering: float = bounded(
        0, 10, 4.5, "cost of groups the Taliban leaves unrestrained, times the state's exposure to them"
    )
    w_un_credentials: float = bounded(
        0, 10, 0.5, "cost of de facto relations or recognition while the UN has not seated a Taliban nominee"
    )
    w_durability: float = bounded(
        0, 10, 0.5, "gain from a regime that looks here to stay (time in power, no armed alternative)"
    )
    durability_months: float = bounded(
        1, 600, 24.0, "months in power (from August 2021) over which the regime comes to look settled"
    )
    credibility_months: float = bounded(
        1, 120, 12.0, "months over which states come to credit a change in the Taliban's crackdown or concessions"
    )
    hosting_conditions_share: float = bounded(
        0, 1, 0.2, "share of the conditions and visible-links costs charged below de facto (engaged, hosting)"
    )
    w_lobbying: float = bounded(
        0, 10, 0.8, "bonus of Taliban lobbying above hosting diplomats, times the share of the state's posts it holds"
    )
    restraint_floor: float = bounded(
        0, 1, 0.5, "share of the security motive that holds before any crackdown on allied groups"
    )
    w_isk_attacks: float = bounded(
        0, 10, 0.3, "how much ISK attacks on foreign missions add to every state's security motive"
    )
    condition_shares: dict[str, Unit] = Field(
        default_factory=lambda: {"inclusive_government": 1 / 3, "womens_rights": 1 / 3, "al_qaeda_break": 1 / 3},
        description="relative weight of each Western condition in the conditions cost",
    )
    thresholds: dict[str, float] = Field(
        default_factory=lambda: {"engaged": 1.0, "hosts_diplomats": 3.0, "de_facto": 7.5, "de_jure": 10.5},
        description="utility a state needs to climb to each rung (higher rungs cost more)",
    )
    rate_up: float = bounded(0, 1, 0.2, "largest monthly probability of climbing one rung")
    rate_down: float = bounded(0, 1, 0.02, "largest monthly probability of dropping one rung")
    takeover_rate: float = bounded(
        0, 1, 0.25, "monthly probability that a Republic-held post whose host allows it is taken over, at full lobbying"
    )
    # mission finances, in months of a post's running cost
    revenue_noise: float = bounded(
        0, 5, 0.15, "s.d. of monthly consular revenue around its mean (fraction of the mean)"
    )
    downsize_factor: float = bounded(0, 1, 0.6, "running cost after downsizing, as a share of the full cost")
    closure_debt: float = bounded(0, 120, 3.0, "months of running cost in arrears at which a downsized post closes")
    taliban_subsidy: float = bounded(0, 10, 0.3, "monthly support from Kabul to a Taliban-held post, in running costs")
    visa_share: float = bounded(
        0, 1, 0.3, "share of an embassy's or consulate's revenue from visas for foreigners travelling to Afghanistan"
    )
    revenue_spread: float = bounded(
        0, 3, 0.5, "s.d. of the log of a post's mean revenue across posts (each post's demand, which no source gives)"
    )
    # Taliban compliance
    crackdown_ceiling: float = bounded(
        0,
        1,
        0.6,
        "how far a full crackdown quiets allied groups and counts as a break with al-Qaeda (restrict, not expel)",
    )

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
        if any(b < a for a, b in pairwise(vals)):
            raise ValueError(f"must not decrease up the ladder ({', '.join(LEVELS[1:])}), got {vals}")
        return v


def _known_keys(v: dict, allowed: tuple[str, ...], what: str) -> None:
    bad = [k for k in v if k not in allowed]
    if bad:
        raise ValueError(f"unknown {what} {bad[0]!r}; expected one of {', '.join(allowed)}")


class World(Strict):
    """Exogenous conditions that no agent controls."""

    migration_pressure: float = bounded(0, 1, 0.6, "outflow pressure from Afghanistan (economic collapse, repression)")
    minority_violence: float = bounded(
        0, 1, 0.3, "reported violence against Afghan minorities, which draws jihadist veterans back"
    )
    consular_demand: float = bounded(
        0, 5, 1.0, "multiplier on every post's consular revenue (demand for passports, visas)"
    )
    republic_visas_honoured: float = bounded(
        0, 1, 1.0, "how far Kabul honours visas issued by Republic-held posts (1 all, 0 none)"
    )


class TalibanAdaptive(Strict):
    """Weights of the Taliban's balancing act (seed 002): rewards abroad vs. backlash at home."""

    step: float = bounded(0, 1, 0.05, "largest monthly change of a lever")
    reward_weight: float = bounded(0, 10, 1.0, "value of expected international engagement gains")
    backlash_weight: float = bounded(0, 10, 1.5, "cost of alienating allied jihadists, convex in crackdown")
    defection_weight: float = bounded(0, 10, 1.0, "cost of fighters defecting to ISK")
    narrative_weight: float = bounded(0, 10, 1.0, "cost of feeding ISK's 'abandoned jihad' narrative")
    concession_cost: float = bounded(
        0, 10, 2.0, "internal cost of concessions (hard-liners refuse power sharing, women's rights)"
    )
    lobbying_cost: float = bounded(0, 10, 0.2, "cost of lobbying effort")


class TalibanSpec(Strict):
    mode: Literal["fixed", "adaptive"] = "fixed"
    crackdown: float = bounded(
        0, 1, 0.3, "restriction of each allied group not named in crackdown_on (0 none, 1 expel)"
    )
    crackdown_on: dict[str, Unit] = Field(
        default_factory=dict,
        description="restriction of named allied groups, overriding crackdown for each; a group must be named "
        "here for a set event or an experiment to vary its lever (taliban.crackdown_on.TIP)",
    )
    concessions: float = bounded(0, 1, 0.05, "movement on inclusive government and women's rights")
    lobbying: float = bounded(0, 1, 0.7, "effort put into taking posts and seeking accreditation")
    legitimacy_need: float = bounded(0, 10, 1.0, "how much a closer relation with a state is worth to the Taliban")
    adaptive: TalibanAdaptive = Field(default_factory=TalibanAdaptive)


class StateDefaults(Strict):
    """Per-bloc defaults filled into states that do not set a field themselves."""

    migration_concern: Unit | None = None
    economic_interest: Unit | None = None
    conditions_weight: Unit | None = None
    resistance_support: Unit | None = None
    exposure: dict[str, Unit] | None = None


class StateSpec(Strict):
    name: EntityName = Field(json_schema_extra=FIXED)
    bloc: Bloc = Field(json_schema_extra=FIXED)
    level: Level = Field("none", json_schema_extra=FIXED)
    exposure: dict[str, Unit] = Field(default_factory=dict, description="terrorism exposure to each militant group")
    migration_concern: Unit = 0.0
    economic_interest: Unit = 0.0
    conditions_weight: Unit = 0.0
    ties: dict[str, Unit] = Field(default_factory=dict, description="states whose moves this one follows, with weights")
    resistance_support: Unit = 0.0


class MilitantSpec(Strict):
    name: EntityName = Field(json_schema_extra=FIXED)
    stance: Literal["allied", "hostile"] = Field(json_schema_extra=FIXED)
    strength: float = bounded(0, 1, 0.1, "strength inside Afghanistan (0-1 index)", settable=False)
    visibility: float | None = bounded(
        0, 1, None, "propaganda exposing Taliban links (allied groups only; default 0.3)", allied_default=0.3
    )
    pool_abroad: float = bounded(0, 1, 0.0, "veterans abroad (Syria) who may return, same units as strength")
    growth: float = bounded(0, 1, 0.02, "monthly logistic recruitment rate")
    return_rate: float = bounded(
        0, 1, 0.02, "monthly share of the pool abroad that returns when conditions are fully conducive"
    )
    crackdown_effect: float = bounded(
        0, 1, 0.05, "monthly strength loss per unit of Taliban crackdown (allied) or pressure (hostile)"
    )
    defection_share: float | None = bounded(
        0,
        1,
        None,
        "share of strength lost to crackdown that defects to ISK (allied groups only; default 0.3)",
        allied_default=0.3,
    )
    recruits_from_narrative: float | None = bounded(
        0,
        1,
        None,
        "monthly growth from the 'abandoned jihad' narrative (hostile groups only; default 0)",
        hostile_default=0.0,
    )

    @field_validator("visibility", "defection_share", "recruits_from_narrative")
    @classmethod
    def _own_stance(cls, v: float | None, info: ValidationInfo) -> float | None:
        """A field only one stance reads is refused on the other, so no scenario carries a
        number the model ignores."""
        extra = cls.model_fields[str(info.field_name)].json_schema_extra
        stance = info.data.get("stance")
        if v is not None and isinstance(extra, dict) and stance and f"{stance}_default" not in extra:
            raise ValueError(
                f"applies to {'hostile' if stance == 'allied' else 'allied'} groups only, got {v:g} on {stance} group"
            )
        return v

    @model_validator(mode="after")
    def _stance_defaults(self) -> MilitantSpec:
        """Fill in the default of each field this group's stance reads."""
        for name, field in type(self).model_fields.items():
            extra = field.json_schema_extra if isinstance(field.json_schema_extra, dict) else {}
            default = extra.get(f"{self.stance}_default")
            if default is not None and getattr(self, name) is None:
                object.__setattr__(self, name, default)
        return self


class ResistanceSpec(Strict):
    name: EntityName = Field(json_schema_extra=FIXED)
    strength: float = bounded(0, 1, 0.1, "armed strength (0-1 index)", settable=False)
    sanctuary: str | None = Field(None, description="state hosting its leaders, or null", json_schema_extra=FIXED)
    outside_help: float = bounded(0, 1, 0.0, "monthly growth from outside help")
    sanctuary_growth: float = bounded(0, 1, 0.01, "monthly growth while a sanctuary is held")
    pressure: float = bounded(0, 1, 0.05, "monthly erosion under Taliban pressure")
    withdraw_level: Level = Field("hosts_diplomats", description="host level at which it withdraws sanctuary")


class MissionSpec(Strict):
    name: EntityName = Field(json_schema_extra=FIXED)
    host: str = Field(json_schema_extra=FIXED)
    city: str = Field(json_schema_extra=FIXED)
    kind: Literal["embassy", "consulate", "un_mission"] = Field(json_schema_extra=FIXED)
    controller: Controller = Field("republic", json_schema_extra=FIXED)
    funds: float = bounded(-120, 240, 6.0, "reserves in months of running cost", settable=False)
    revenue: float = bounded(0, 20, 1.0, "mean monthly consular revenue in running costs (1 = breaks even)")


class Uncertain(Strict):
    """A parameter no data pins down: every replication draws its own value from ``distribution``."""

    path: str
    distribution: Distribution
    reason: str = Field(min_length=1, description="why this range: what bounds it and what leaves it open")


class JointUncertain(Strict):
    """Parameters drawn together: each draw takes one row of a Parquet table whose columns are
    parameter paths (a posterior sample, say), so that correlations between them survive, which
    independent per-path priors would lose. Read and checked by :mod:`.joint` and :mod:`.references`."""

    from_: str = Field(alias="from", min_length=1, description="Parquet file, relative to the scenario naming it")
    weight: str | None = Field(None, min_length=1, description="column of row weights; default: rows equally likely")
    reason: str = Field(min_length=1, description="where these draws come from and why they are trusted")

    @model_serializer(mode="wrap")
    def _dump(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        """Written back under the key a scenario file uses (``from``), so dumps load again."""
        return {("from" if k == "from_" else k): v for k, v in handler(self).items()}


UNCERTAIN_FORMS: dict[str, type[Strict]] = {"path": Uncertain, "from": JointUncertain}
"""The two forms of an ``uncertain:`` entry by their tag: a single path, or a ``from:`` file."""


def uncertain_form(entry: Any) -> str:
    """A block names a file (``from``); anything else is read as a path entry, so that its errors
    speak of the keys a path entry needs."""
    return "from" if (isinstance(entry, dict) and "from" in entry) or isinstance(entry, JointUncertain) else "path"


UncertainEntry = Annotated[
    Annotated[Uncertain, Tag("path")] | Annotated[JointUncertain, Tag("from")],
    Discriminator(uncertain_form),
]


class Scenario(Strict):
    name: Identifier = Field(description="names the results folder: letters, digits, '_', '-', '.'")
    description: str = ""
    start: Month = Field(description="first month, YYYY-MM")
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
    uncertain: list[UncertainEntry] = Field(default_factory=list)
    runs_per_draw: int = Field(
        1,
        ge=1,
        le=10_000,
        strict=True,
        description="replications that share one draw of the uncertain parameters; 2 or more lets summaries "
        "split the spread of outcomes into what the parameters and what chance contribute",
    )

    def canonical(self) -> dict[str, Any]:
        """The resolved scenario as plain data (what ``recogsim show`` prints and manifests store)."""
        return self.model_dump(mode="json")

    def digest(self) -> str:
        """Stable hash of the resolved scenario, for manifests and resume checks."""
        return digest(self.canonical())


def digest(data: Any) -> str:
    """The SHA-256 of plain data (a scenario or an experiment as a manifest stores it), keys sorted:
    the hash a manifest records, and what a reader checks the stored data against."""
    return hashlib.sha256(json.dumps(data, sort_keys=True, separators=(",", ":")).encode()).hexdigest()
