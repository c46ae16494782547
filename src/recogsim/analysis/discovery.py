"""Scenario discovery: which ranges of the inputs hold the runs where a condition on outcomes holds.

Inputs are what varied between runs: a sweep's design parameters (and the values its runs drew,
if its scenario has ``uncertain:``), or an ensemble's drawn parameters (``parameters.parquet``).
Outcomes are the run table's columns, plus ``recognized`` and, for ensembles, ``max_level_<state>``
from the states table. The condition is parsed in :mod:`.conditions`; PRIM and CART live in
:mod:`.boxes` (Bryant & Lempert 2010; Kwakkel 2017); this module reads the folder, runs one and
says what it found, as a table and as plain sentences.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..config.fields import LEVELS, slug
from ..errors import InputError
from ..runs.store import drawn_parameters, is_sweep, load_results, load_sweep
from .boxes import RESAMPLES, SIGNIFICANT, Box, Discovery, cart, prim
from .conditions import RECOGNIZED, condition_label, evaluate

__all__ = ["RESAMPLES", "Box", "Discovery", "Inputs", "csv_frame", "details", "discover", "load_inputs", "sentence"]


# ---------------------------------------------------------------- what varied, and what came out
@dataclass
class Inputs:
    """Per run: the inputs (float64, one column per parameter path) and the outcomes a condition may name."""

    x: pd.DataFrame
    outcomes: pd.DataFrame
    kind: str
    where: str
    notes: list[str] = field(default_factory=list)


def load_inputs(directory: str | Path, names: Sequence[str] | None = None) -> Inputs:
    """A sweep's or an ensemble's runs as inputs and outcomes; a folder that holds neither, or an
    ensemble that drew nothing, is a one-line error."""
    d = Path(directory)
    where = str(d)
    notes: list[str] = []
    if is_sweep(d):
        sweep = load_sweep(d)
        keys = sweep.runs[["point", "replication"]]
        x = keys.merge(sweep.points, on="point", how="left")
        if sweep.parameters is not None:
            drawn = sweep.parameters.drop(columns=["draw"], errors="ignore")
            shared = _shared_draws(drawn) if not names else []
            if shared:
                notes.append(
                    f"left out {len(shared)} drawn inputs ({', '.join(shared)}): replication r draws the same "
                    "values at every design point (common random numbers), so they take one value per replication "
                    "and a box on them would pick replications, not ranges; name them with --inputs to include them"
                )
            x = x.merge(drawn.drop(columns=shared), on=["point", "replication"], how="left")
        x = x.drop(columns=["point", "replication"])
        outcomes = sweep.runs.drop(columns=["point", "replication", "seed"], errors="ignore")
        kind = "sweep"
    else:
        result = load_results(d)
        if result.parameters is None or not drawn_parameters(result.manifest):
            raise InputError(
                where,
                None,
                "this ensemble's scenario draws no parameters (no uncertain:), so nothing varied between its runs "
                "but chance; discover needs a sweep folder or an ensemble of a scenario with uncertain:",
            )
        keys = result.runs[["replication"]]
        x = keys.merge(result.parameters.drop(columns=["draw"], errors="ignore"), on="replication", how="left")
        x = x.drop(columns=["replication"])
        outcomes = result.runs.drop(columns=["replication", "seed"], errors="ignore")
        outcomes = pd.concat([outcomes, _state_levels(result.runs["replication"], result.states)], axis=1)
        kind = "ensemble"
    if "first_recognition_month" in outcomes:
        outcomes[RECOGNIZED] = outcomes["first_recognition_month"].notna().astype("int64")
    outcomes = outcomes[[c for c in outcomes.columns if pd.api.types.is_numeric_dtype(outcomes[c])]]
    x = _numeric_inputs(x, names, where)
    return Inputs(x.reset_index(drop=True), outcomes.reset_index(drop=True), kind, where, notes)


def _shared_draws(drawn: pd.DataFrame) -> list[str]:
    """The drawn columns whose value depends on the replication alone, the same at every design
    point (a sweep's common random numbers: ``runs.seeds`` gives replication r one stream)."""
    columns = [c for c in drawn.columns if c not in ("point", "replication")]
    if drawn["point"].nunique() < 2:
        return []
    per_replication = drawn.groupby("replication")[columns].nunique(dropna=False)
    return [c for c in columns if (per_replication[c] == 1).all()]


def _state_levels(replications: pd.Series, states: pd.DataFrame) -> pd.DataFrame:
    """``max_level_<state>`` per run: the highest rung each state reached, as its index on the
    ladder (0 none, 1 engaged, 2 hosts diplomats, 3 de facto, 4 de jure)."""
    rung = states["max_level"].map({name: i for i, name in enumerate(LEVELS)})
    wide = (
        pd.DataFrame({"replication": states["replication"], "state": states["state"], "rung": rung})
        .pivot(index="replication", columns="state", values="rung")
        .reindex(replications.to_numpy())
    )
    order = list(dict.fromkeys(states["state"]))  # the scenario's order
    return pd.DataFrame(
        {f"max_level_{slug(s)}": wide[s].to_numpy(dtype="int64") for s in order}, index=replications.index
    )


def _numeric_inputs(x: pd.DataFrame, names: Sequence[str] | None, where: str) -> pd.DataFrame:
    numeric = [c for c in x.columns if pd.api.types.is_numeric_dtype(x[c]) and x[c].notna().all()]
    varying = [c for c in numeric if x[c].nunique() > 1]
    if names:
        for name in names:
            if name not in x.columns:
                raise InputError(
                    where, "--inputs", f"unknown input {name!r}; expected one of {', '.join(map(str, x.columns))}"
                )
            if name not in numeric:
                raise InputError(
                    where, "--inputs", f"{name} does not hold numbers in every run; PRIM and CART need them"
                )
            if name not in varying:
                raise InputError(where, "--inputs", f"{name} has one value in every run; nothing to discover in it")
        chosen = list(dict.fromkeys(names))
    else:
        chosen = varying
    if not chosen:
        text = [c for c in x.columns if c not in numeric and x[c].nunique() > 1]
        if text:  # PRIM and CART take numbers: say which input varies, and why it cannot be used
            raise InputError(
                where,
                "--inputs",
                f"only {', '.join(map(str, text))} varies, and not as numbers; PRIM and CART need numbers",
            )
        raise InputError(where, "--inputs", "no input varies between these runs; nothing to discover")
    return x[chosen].astype("float64")


def discover(inputs: Inputs, expr: str, method: str = "prim", box: int | None = None, seed: int = 0) -> Discovery:
    y = evaluate(expr, inputs.outcomes, inputs.where)
    run = {"prim": prim, "cart": cart}[method]
    return run(inputs.x, y, expr.strip(), box=box, seed=seed, where=inputs.where)


# ---------------------------------------------------------------- reporting
def csv_frame(found: Discovery) -> pd.DataFrame:
    """``discover_<name>.csv``: one row per box and input (PRIM: the chosen box; CART: every rule)."""
    boxes = [found.box] if found.method == "prim" else found.boxes
    frames = []
    for b in boxes:
        lim = b.limits.copy()
        lim.insert(0, "chosen", b.id == found.box.id)
        lim.insert(0, "runs_of_interest", b.runs_of_interest)
        lim.insert(0, "runs", b.runs)
        lim.insert(0, "mass", b.mass)
        lim.insert(0, "density", b.density)
        lim.insert(0, "coverage", b.coverage)
        lim.insert(0, "box", b.id)
        lim.insert(0, "method", found.method)
        lim["restricted"] = lim["restrict_lower"] | lim["restrict_upper"]
        frames.append(lim)
    return pd.concat(frames, ignore_index=True)


def _num(v: float) -> str:
    return f"{v:.3g}"


def restriction(row: pd.Series, strict_lower: bool = False) -> str:
    """One restricted input as a condition: ``x >= 0.7``, ``x <= 0.3`` or ``0.7 <= x <= 0.95``."""
    lo_op = "<" if strict_lower else "<="
    name = row["parameter"]
    if row["restrict_lower"] and row["restrict_upper"]:
        return f"{_num(row['lower'])} {lo_op} {name} <= {_num(row['upper'])}"
    if row["restrict_lower"]:
        return f"{name} {'>' if strict_lower else '>='} {_num(row['lower'])}"
    return f"{name} <= {_num(row['upper'])}"


def sentence(found: Discovery, b: Box | None = None) -> str:
    """A box as a plain sentence: how often the condition holds in it, when, and how many of the
    runs where it holds the box takes in."""
    b = found.box if b is None else b
    lim = b.limits
    rows = lim[lim["restrict_lower"] | lim["restrict_upper"]]
    strict = found.method == "cart"
    when = " and ".join(restriction(r, strict) for _, r in rows.iterrows()) or "whatever the inputs"
    total = int(found.y.sum())
    return (
        f"{condition_label(found.expr)} in {b.density:.0%} of runs ({b.runs_of_interest} of {b.runs}) when {when}; "
        f"these hold {b.coverage:.0%} of all such runs ({b.runs_of_interest} of {total}; "
        f"{total / len(found.y):.0%} of all {len(found.y)} runs)."
    )


def details(found: Discovery) -> list[str]:
    """Per restricted input of the chosen box: its quasi-p-values and (PRIM) how often resamples restrict it."""
    lines = []
    lim = found.box.limits
    for _, r in lim[lim["restrict_lower"] | lim["restrict_upper"]].iterrows():
        parts = [
            f"  {r['parameter']}: box {_num(r['lower'])} to {_num(r['upper'])} of {_num(r['minimum'])} to "
            f"{_num(r['maximum'])}"
        ]
        if found.method == "prim":
            ps = [
                f"{edge} edge quasi-p {r[f'qp_{edge}']:.2g}"
                + (" (not significant)" if r[f"qp_{edge}"] > SIGNIFICANT else "")
                for edge in ("lower", "upper")
                if r[f"restrict_{edge}"] and not np.isnan(r[f"qp_{edge}"])
            ]
            parts += ps
            if not np.isnan(r["reproduced"]):
                parts.append(f"restricted in {r['reproduced']:.0%} of {RESAMPLES} resamples")
        lines.append("; ".join(parts))
    return lines
