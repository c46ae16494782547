"""Scheduled events: the changes a scenario makes at given months, one class per kind.

``EVENT_KINDS`` is the one list of kinds that messages, checks and the model read; each kind's
``targets`` names the scenario list its target must be an item of.
"""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Literal, get_args

from pydantic import Field

from .fields import Level, Strict, bounded


class _Event(Strict):
    month: int = Field(ge=0, strict=True, description="months after the scenario start")
    targets: ClassVar[tuple[str, str, str] | None] = None
    """(field naming its target, scenario list it must name an item of, what to call that item)."""


class SetEvent(_Event):
    kind: Literal["set"]
    path: str
    value: Any


class RelationEvent(_Event):
    kind: Literal["relation"]
    state: str
    level: Level
    targets = ("state", "states", "state")


class InfluxEvent(_Event):
    kind: Literal["influx"]
    group: str
    amount: float = bounded(0, 1, None, "strength moved from the pool abroad into Afghanistan")
    targets = ("group", "militants", "militant group")


class WithdrawSanctuaryEvent(_Event):
    kind: Literal["withdraw_sanctuary"]
    resistance: str
    targets = ("resistance", "resistance", "resistance group")


class CloseMissionEvent(_Event):
    kind: Literal["close_mission"]
    mission: str
    targets = ("mission", "missions", "mission")


Event = Annotated[
    SetEvent | RelationEvent | InfluxEvent | WithdrawSanctuaryEvent | CloseMissionEvent,
    Field(discriminator="kind"),
]
EVENT_KINDS: dict[str, type[_Event]] = {
    get_args(cls.model_fields["kind"].annotation)[0]: cls for cls in get_args(get_args(Event)[0])
}
"""Every event kind by its ``kind`` tag: the one list of kinds that messages and the model read."""
