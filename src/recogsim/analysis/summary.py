"""The headline summary of ensembles, as the command line prints it: one row per scenario, and a
line saying what the spread of its runs includes (chance, or drawn parameters as well)."""

from __future__ import annotations

import numpy as np

from ..model import record
from ..runs.store import EnsembleResult, drawn_parameters
from .uncertainty import spread_sources

SUMMARY = ("countries_taliban_presence", "de_facto_count", "de_jure_count", "missions_changed_hands")
"""Run outcomes in the summary table after P(recog) and the median month, each its mean over runs."""


def summary_table(results: dict[str, EnsembleResult]) -> str:
    """One row per scenario: the headline outcomes analysts ask for first, labelled by the record."""
    header = (
        "scenario",
        "runs",
        "P(recog)",
        "median month",
        *(record.header(c) for c in SUMMARY),
        "posts Taliban/Republic/closed",
    )
    rows = [header]
    for name, r in results.items():
        runs, horizon = r.runs, r.manifest["horizon_months"]
        months = runs["first_recognition_month"].dropna()
        rows.append(
            (
                name,
                str(len(runs)),
                f"{len(months) / len(runs):.3f}",
                f"{months.median():.0f}" if len(months) else f">{horizon}",
                *(f"{runs[c].mean():.2f}" for c in SUMMARY),
                "/".join(f"{runs[c].mean():.1f}" for c in ("missions_taliban", "missions_republic", "missions_closed")),
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)) for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    note = (
        "(means over runs at the horizon; P(recog) = share of runs with a de jure recognition; "
        "median month among those)"
    )
    lines += [line for name, r in results.items() if (line := uncertainty_line(name, r))]
    return "\n".join([*lines, note])


def uncertainty_line(name: str, result: EnsembleResult) -> str | None:
    """What the spread of a scenario's runs includes: chance alone, or parameters no data
    identifies as well, split into the two where replications share draws."""
    scenario = result.manifest.get("scenario", {})
    drawn, per_draw = len(drawn_parameters(result.manifest)), scenario.get("runs_per_draw", 1)
    if not drawn or result.parameters is None:
        return None
    head = f"{name}: spread includes {drawn} parameter(s) drawn per replication, not only chance"
    if per_draw < 2:
        return head + " (set runs_per_draw >= 2 to split the two)"
    outcomes = ["recognized", *SUMMARY]
    shares = spread_sources(result.runs, result.parameters, outcomes).set_index("outcome")["from_parameters"]
    if not np.isfinite(shares.to_numpy(dtype=float)).any():
        return head + f"; the split into parameters and chance needs at least two draws ({per_draw} runs each)"
    parts = [
        f"{'P(recog)' if o == 'recognized' else record.header(o)} {float(shares[o]):.0%}"
        for o in outcomes
        if np.isfinite(float(shares[o]))
    ]
    return head + f"; share from parameters ({per_draw} runs per draw): " + ", ".join(parts)
