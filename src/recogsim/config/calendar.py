"""Model months and calendar months: results name month ``m`` of a run by its ``YYYY-MM``."""

from __future__ import annotations


def add_month(start: str, months: int) -> str:
    """The ``YYYY-MM`` month ``months`` after ``start``."""
    year, month = (int(x) for x in start.split("-"))
    total = year * 12 + month - 1 + months
    return f"{total // 12:04d}-{total % 12 + 1:02d}"


def month_labels(start: str, months: int) -> list[str]:
    """``YYYY-MM`` of model months 0..months."""
    return [add_month(start, m) for m in range(months + 1)]
