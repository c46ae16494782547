"""Model months and calendar months: results name month ``m`` of a run by its ``YYYY-MM``."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator


def _month(v: str) -> str:
    if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", v):
        raise ValueError(f"must be a month written YYYY-MM, got {v!r}")
    return v


Month = Annotated[str, AfterValidator(_month)]
"""A calendar month as scenario and record files write it, ``YYYY-MM`` (quoted in YAML)."""


def add_month(start: str, months: int) -> str:
    """The ``YYYY-MM`` month ``months`` after ``start``."""
    year, month = (int(x) for x in start.split("-"))
    total = year * 12 + month - 1 + months
    return f"{total // 12:04d}-{total % 12 + 1:02d}"


def month_labels(start: str, months: int) -> list[str]:
    """``YYYY-MM`` of model months 0..months."""
    return [add_month(start, m) for m in range(months + 1)]


TAKEOVER = "2021-08"
"""The month the Taliban took Kabul (15 August 2021, public fact): the regime's time in power,
which the durability term reads, counts from here."""


def months_between(start: str, end: str) -> int:
    """Whole months from ``start`` to ``end`` (both ``YYYY-MM``); negative if ``end`` is earlier."""
    (y0, m0), (y1, m1) = ((int(x) for x in d.split("-")) for d in (start, end))
    return (y1 - y0) * 12 + (m1 - m0)
