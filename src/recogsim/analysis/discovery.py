"""Scenario discovery: which ranges of the inputs hold the runs where a condition on outcomes holds.

Inputs are what varied between runs: a sweep's design parameters (and the values its runs drew,
if its scenario has ``uncertain:``), or an ensemble's drawn parameters (``parameters.parquet``).
The condition is a small expression on run outcomes (``first_recognition_month <= 36 and
de_jure_count >= 2``), parsed with :mod:`ast` against a whitelist and evaluated column by column:
nothing is ``eval``-ed. A comparison with a null (a month that never came: censored) is false.

Two methods (Bryant & Lempert 2010; Kwakkel 2017):

- PRIM (Friedman & Fisher 1999) through EMA Workbench 2.5.3 (the newest release for Python 3.11):
  the peeling trajectory, the chosen box with its limits and the quasi-p-value of each restricted
  edge, and how often resampled halves of the data restrict the same parameters. Under pandas 3
  its ``boxes_to_dataframe`` returns zeros and float32 inputs raise, so limits are read from
  ``box.box_lims`` and ``box.qp`` and inputs are cast to float64; its ``resample`` draws from
  numpy's global generator, which is seeded here and restored afterwards.
- CART (scikit-learn's decision tree): the leaves where the condition holds more often than in
  all runs, as readable rules; subtrees whose leaves all say the same are merged first, so a rule
  names only the splits that change the answer.
"""

from __future__ import annotations

import ast
import math
import re
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..config.fields import LEVELS, MAX_NAME, slug
from ..errors import InputError
from ..model import record
from ..runs.store import drawn_parameters, is_sweep, load_results, load_sweep

MASS_MIN = 0.05
"""Smallest share of all runs a box (PRIM) or leaf (CART) may hold: EMA Workbench's default."""
MIN_COVERAGE = 0.5
"""The default box is the densest on the trajectory holding at least this share of the runs of interest."""
RESAMPLES = 10
"""PRIM re-run on this many random halves of the runs to measure each restriction's stability."""
CART_DEPTH = 4
"""Deepest rule CART may write (conditions per rule), so that each stays readable."""
CART_MIN_GAIN = 0.01
"""Smallest fall in (class-weighted) Gini impurity, as a share of the whole, a CART split must buy:
splits on noise buy less and would name inputs that do not matter."""
SIGNIFICANT = 0.05
"""A restriction whose quasi-p-value exceeds this is flagged as not significant."""
RECOGNIZED = "recognized"


# ---------------------------------------------------------------- what varied, and what came out
@dataclass
class Inputs:
    """Per run: the inputs (float64, one column per parameter path) and the outcomes a condition may name."""

    x: pd.DataFrame
    outcomes: pd.DataFrame
    kind: str
    where: str


def load_inputs(directory: str | Path, names: Sequence[str] | None = None) -> Inputs:
    """A sweep's or an ensemble's runs as inputs and outcomes; a folder that holds neither, or an
    ensemble that drew nothing, is a one-line error."""
    d = Path(directory)
    where = str(d)
    if is_sweep(d):
        sweep = load_sweep(d)
        keys = sweep.runs[["point", "replication"]]
        x = keys.merge(sweep.points, on="point", how="left")
        if sweep.parameters is not None:
            drawn = sweep.parameters.drop(columns=["draw"], errors="ignore")
            x = x.merge(drawn, on=["point", "replication"], how="left")
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
    return Inputs(x.reset_index(drop=True), outcomes.reset_index(drop=True), kind, where)


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
        raise InputError(where, "--inputs", "no input varies between these runs; nothing to discover")
    return x[chosen].astype("float64")


# ---------------------------------------------------------------- the condition
_COMPARE: dict[type, str] = {
    ast.Lt: "<",
    ast.LtE: "<=",
    ast.Gt: ">",
    ast.GtE: ">=",
    ast.Eq: "==",
    ast.NotEq: "!=",
}
_WORDS = {"<": "lt", "<=": "le", ">": "gt", ">=": "ge", "==": "eq", "!=": "ne"}
MAX_EXPR = 1000
"""Longest condition accepted, in characters."""


def parse_condition(expr: str, columns: Sequence[str], where: str | None = None) -> ast.Expression:
    """The condition as a checked syntax tree: only comparisons, ``and``, ``or``, ``not``, numbers
    and the names of ``columns``; anything else is a one-line error saying what is not allowed."""
    flag = "--where"
    if not expr.strip():
        raise InputError(where, flag, "expected a condition on run outcomes, e.g. 'first_recognition_month <= 36'")
    if len(expr) > MAX_EXPR:
        raise InputError(where, flag, f"expected at most {MAX_EXPR} characters, got {len(expr)}")
    try:
        tree = ast.parse(expr.strip(), mode="eval")
    except SyntaxError as exc:
        hint = " (compare with '==', not '=')" if re.search(r"(?<![<>=!])=(?!=)", expr) else ""
        raise InputError(
            where, flag, f"bad syntax in {expr!r} at character {exc.offset or 0}: {exc.msg}{hint}"
        ) from None
    except (RecursionError, MemoryError, ValueError):
        raise InputError(where, flag, f"cannot parse {expr!r} (too deeply nested or not text)") from None
    known = set(columns)
    _check_condition(tree.body, known, columns, where)
    return tree


def _check_condition(node: ast.AST, known: set[str], columns: Sequence[str], where: str | None) -> None:
    if isinstance(node, ast.BoolOp):
        for v in node.values:
            _check_condition(v, known, columns, where)
    elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        _check_condition(node.operand, known, columns, where)
    elif isinstance(node, ast.Compare):
        for op in node.ops:
            if type(op) not in _COMPARE:
                raise InputError(
                    where, "--where", f"{type(op).__name__} is not allowed; compare with <, <=, >, >=, == or !="
                )
        for operand in (node.left, *node.comparators):
            _check_value(operand, known, columns, where)
    elif isinstance(node, ast.Name):
        _check_value(node, known, columns, where)  # a column alone: true where non-zero
    else:
        raise InputError(
            where,
            "--where",
            f"{_what(node)} is not allowed in a condition; write comparisons of outcome columns with numbers, "
            "joined by and, or, not",
        )


def _check_value(node: ast.AST, known: set[str], columns: Sequence[str], where: str | None) -> None:
    if isinstance(node, ast.Name):
        if node.id not in known:
            raise InputError(where, "--where", f"unknown column {node.id!r}; expected one of {', '.join(columns)}")
    elif _number(node) is None:
        raise InputError(
            where, "--where", f"{_what(node)} is not allowed in a comparison; compare outcome columns and numbers"
        )


def _number(node: ast.AST) -> float | None:
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        inner = _number(node.operand)
        return None if inner is None else (-inner if isinstance(node.op, ast.USub) else inner)
    if isinstance(node, ast.Constant) and isinstance(node.value, int | float) and not isinstance(node.value, bool):
        value = float(node.value)
        return value if math.isfinite(value) else None
    return None


def _what(node: ast.AST) -> str:
    names = {
        ast.Call: "a function call",
        ast.Attribute: "an attribute (a.b)",
        ast.Subscript: "indexing (a[b])",
        ast.BinOp: "arithmetic",
        ast.Lambda: "a lambda",
        ast.Constant: "this constant",
    }
    for kind, what in names.items():
        if isinstance(node, kind):
            if kind is ast.Constant:
                return f"the constant {ast.unparse(node)}"
            return what
    return f"{type(node).__name__} ({ast.unparse(node)[:40]})"


def evaluate(expr: str, outcomes: pd.DataFrame, where: str | None = None) -> np.ndarray:
    """True per run where the condition holds; a comparison with a null (censored) is false."""
    tree = parse_condition(expr, list(outcomes.columns), where)
    return _eval(tree.body, outcomes)


def _eval(node: ast.AST, outcomes: pd.DataFrame) -> np.ndarray:
    if isinstance(node, ast.BoolOp):
        parts = [_eval(v, outcomes) for v in node.values]
        out = parts[0]
        for p in parts[1:]:
            out = (out & p) if isinstance(node.op, ast.And) else (out | p)
        return out
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        return ~_eval(node.operand, outcomes)
    if isinstance(node, ast.Name):
        v = _values(node, outcomes)
        return ~np.isnan(v) & (v != 0)
    assert isinstance(node, ast.Compare)
    out = np.ones(len(outcomes), dtype=bool)
    left = _values(node.left, outcomes)
    for op, right_node in zip(node.ops, node.comparators, strict=True):
        right = _values(right_node, outcomes)
        known = ~np.isnan(left) & ~np.isnan(right)
        with np.errstate(invalid="ignore"):
            holds = {
                "<": np.less,
                "<=": np.less_equal,
                ">": np.greater,
                ">=": np.greater_equal,
                "==": np.equal,
                "!=": np.not_equal,
            }[_COMPARE[type(op)]](left, right)
        out &= known & holds
        left = right
    return out


def _values(node: ast.AST, outcomes: pd.DataFrame) -> np.ndarray:
    if isinstance(node, ast.Name):
        return outcomes[node.id].to_numpy(dtype="float64", na_value=np.nan)
    value = _number(node)
    assert value is not None
    return np.full(len(outcomes), value)


def condition_name(expr: str) -> str:
    """A file-name slug of a condition: ``first_recognition_month <= 36`` -> ``first_recognition_month_le_36``."""
    text = expr
    for op in sorted(_WORDS, key=len, reverse=True):
        text = text.replace(op, f" {_WORDS[op]} ")
    text = re.sub(r"[^A-Za-z0-9.\-]+", "_", text.replace("-", "minus").replace(".", "p")).strip("_")
    return text[:MAX_NAME] or "condition"


def condition_label(expr: str) -> str:
    """The condition with each column's name replaced by its label from the output record."""
    tree = ast.parse(expr.strip(), mode="eval")
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            node.id = record.label(node.id) if node.id != RECOGNIZED else "recognised de jure"
    return ast.unparse(tree)


# ---------------------------------------------------------------- boxes
@dataclass
class Box:
    """One box (PRIM) or rule (CART): its statistics and, per input, its limits."""

    id: int
    coverage: float
    density: float
    mass: float
    runs: int
    runs_of_interest: int
    limits: pd.DataFrame
    """Per input: ``parameter``, ``lower``, ``upper``, ``minimum``, ``maximum`` (the input's range in
    the runs), ``restrict_lower``, ``restrict_upper``, ``qp_lower``, ``qp_upper`` (quasi-p-values,
    PRIM only), ``reproduced`` (share of resamples restricting it, PRIM only)."""

    @property
    def restricted(self) -> list[str]:
        lim = self.limits
        return list(lim.loc[lim["restrict_lower"] | lim["restrict_upper"], "parameter"])


@dataclass
class Discovery:
    """What a method found: every box it offers (PRIM: the peeling trajectory; CART: the rules) and
    the one chosen."""

    method: str
    expr: str
    boxes: list[Box]
    chosen: int
    y: np.ndarray
    x: pd.DataFrame
    notes: list[str] = field(default_factory=list)
    picked: int | None = None
    """PRIM: the box picked on the peeling trajectory, before insignificant edges were dropped."""

    @property
    def box(self) -> Box:
        return self.boxes[self.chosen]

    def trajectory(self) -> pd.DataFrame:
        return pd.DataFrame(
            {
                "box": [b.id for b in self.boxes],
                "coverage": [b.coverage for b in self.boxes],
                "density": [b.density for b in self.boxes],
                "mass": [b.mass for b in self.boxes],
                "runs": [b.runs for b in self.boxes],
                "runs_of_interest": [b.runs_of_interest for b in self.boxes],
                "restricted": [len(b.restricted) for b in self.boxes],
            }
        )


def _default_box(boxes: list[Box]) -> int:
    """The densest box holding at least half the runs of interest (the first such box on a tie);
    failing that, the box with the largest coverage."""
    enough = [i for i, b in enumerate(boxes) if b.coverage >= MIN_COVERAGE - 1e-12]
    if enough:
        return max(enough, key=lambda i: (boxes[i].density, -i))
    return max(range(len(boxes)), key=lambda i: (boxes[i].coverage, -i))


def _choose(boxes: list[Box], box: int | None, where: str | None, what: str) -> int:
    if box is None:
        return _default_box(boxes)
    if not 0 <= box < len(boxes):
        raise InputError(where, "--box", f"expected one of the {what} 0 to {len(boxes) - 1}, got {box}")
    return box


def _check_y(y: np.ndarray, expr: str, where: str | None) -> None:
    k = int(y.sum())
    if k == 0 or k == len(y):
        raise InputError(
            where,
            "--where",
            f"{expr!r} holds in {k} of {len(y)} runs; discovery needs runs where it holds and runs where it does not",
        )


def prim(
    x: pd.DataFrame, y: np.ndarray, expr: str = "", box: int | None = None, seed: int = 0, where: str | None = None
) -> Discovery:
    """PRIM's peeling trajectory through EMA Workbench, the chosen box's limits, quasi-p-values and
    stability under ``RESAMPLES`` resamples of half the runs (seeded)."""
    _check_y(y, expr, where)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # EMA Workbench warns of optional parallel back ends on import
        from ema_workbench.analysis import prim as ema_prim

    xf = x.astype("float64").reset_index(drop=True)  # float32 raises in EMA 2.5.3
    yi = np.asarray(y, dtype=int)
    with warnings.catch_warnings():
        # EMA Workbench 2.5.3 warns of pandas features it uses that pandas 3 deprecates
        warnings.simplefilter("ignore")
        # threshold: a box is kept whenever it holds any run of interest (with 0/1 outcomes the
        # threshold only decides that; a higher one would drop the trajectory of a rare condition)
        p = ema_prim.Prim(xf, yi, threshold=0.5 / len(yi), mass_min=MASS_MIN)
        found = p.find_box()
        traj = found.peeling_trajectory
        boxes = [
            _box(
                int(traj.loc[i, "id"]),
                float(traj.loc[i, "coverage"]),
                float(traj.loc[i, "density"]),
                float(traj.loc[i, "mass"]),
                int(traj.loc[i, "n"]),
                int(traj.loc[i, "k"]),
                found.box_lims[i],
                xf,
                found.qp[i],
            )
            for i in range(len(traj))
        ]
        picked = _choose(boxes, box, where, "boxes of the peeling trajectory")
        chosen, dropped = _drop_insignificant(found, picked, xf, boxes)
        state = np.random.get_state()  # noqa: NPY002  (EMA resample reads the global generator)
        np.random.seed(seed)  # noqa: NPY002  (EMA resample reads the global generator)
        try:
            stability = found.resample(i=chosen, iterations=RESAMPLES, p=0.5)
        finally:
            np.random.set_state(state)  # noqa: NPY002  (EMA resample reads the global generator)
    limits = boxes[chosen].limits
    limits["reproduced"] = limits["parameter"].map((stability["reproduce coverage"] / 100).round(6)).astype("float64")
    notes = [f"box {picked} of the peeling trajectory"]
    if dropped:
        notes[0] += f", without its edges of quasi-p-value above {SIGNIFICANT}: {', '.join(dropped)} (box {chosen})"
    return Discovery("prim", expr, boxes, chosen, np.asarray(y, dtype=bool), xf, notes, picked)


def _drop_insignificant(found, picked: int, x: pd.DataFrame, boxes: list[Box]) -> tuple[int, list[str]]:
    """Drop the picked box's edges whose quasi-p-value exceeds ``SIGNIFICANT`` (Bryant & Lempert
    2010: a restriction the data do not support), as EMA Workbench's ``drop_restriction`` does for
    whole inputs, edge by edge; the result is appended to the trajectory with its own statistics and
    quasi-p-values. Returns its index (``picked`` if nothing was dropped) and the edges dropped."""
    from ema_workbench.analysis import scenario_discovery_util as sdutil

    lim = boxes[picked].limits
    lims = found.box_lims[picked].copy()
    dropped = []
    for _, r in lim.iterrows():
        for edge, row in (("lower", 0), ("upper", 1)):
            if r[f"restrict_{edge}"] and r[f"qp_{edge}"] > SIGNIFICANT:
                lims.loc[lims.index[row], r["parameter"]] = found.box_lims[0].loc[
                    found.box_lims[0].index[row], r["parameter"]
                ]
                dropped.append(f"{r['parameter']} {edge}")
    if not dropped:
        return picked, []
    remaining = found.prim.yi_remaining
    inside = sdutil._in_box(found.prim.x.loc[remaining, :], lims)
    found.update(lims, remaining[inside])
    traj = found.peeling_trajectory
    i = len(traj) - 1
    boxes.append(
        _box(
            int(traj.loc[i, "id"]),
            float(traj.loc[i, "coverage"]),
            float(traj.loc[i, "density"]),
            float(traj.loc[i, "mass"]),
            int(traj.loc[i, "n"]),
            int(traj.loc[i, "k"]),
            found.box_lims[i],
            x,
            found.qp[i],
        )
    )
    return i, dropped


def _box(
    id: int,
    coverage: float,
    density: float,
    mass: float,
    n: int,
    k: int,
    lims: pd.DataFrame,
    x: pd.DataFrame,
    qp: dict | None = None,
) -> Box:
    rows = []
    for name in x.columns:
        lo, hi = float(lims[name].iloc[0]), float(lims[name].iloc[1])
        mn, mx = float(x[name].min()), float(x[name].max())
        q = (qp or {}).get(name, [np.nan, np.nan])
        rows.append(
            {
                "parameter": name,
                "lower": lo,
                "upper": hi,
                "minimum": mn,
                "maximum": mx,
                "restrict_lower": lo > mn,
                "restrict_upper": hi < mx,
                "qp_lower": float(q[0]) if q[0] is not None and q[0] >= 0 else np.nan,
                "qp_upper": float(q[1]) if q[1] is not None and q[1] >= 0 else np.nan,
                "reproduced": np.nan,
            }
        )
    return Box(id, coverage, density, mass, n, k, pd.DataFrame(rows))


def cart(
    x: pd.DataFrame, y: np.ndarray, expr: str = "", box: int | None = None, seed: int = 0, where: str | None = None
) -> Discovery:
    """A decision tree (scikit-learn, classes weighted equally, leaves of at least ``MASS_MIN`` of
    the runs, at most ``CART_DEPTH`` deep); its leaves where the condition holds more often than
    overall, as boxes sorted by density."""
    _check_y(y, expr, where)
    from sklearn.tree import DecisionTreeClassifier

    xf = x.astype("float64").reset_index(drop=True)
    yb = np.asarray(y, dtype=bool)
    tree = DecisionTreeClassifier(
        max_depth=CART_DEPTH,
        min_samples_leaf=max(1, math.ceil(MASS_MIN * len(yb))),
        class_weight="balanced",
        min_impurity_decrease=CART_MIN_GAIN,
        random_state=seed,
    ).fit(xf.to_numpy(), yb.astype(int))
    t = tree.tree_
    classes = list(tree.classes_)
    true_class = classes.index(1)

    def verdict(node: int) -> int | None:
        """The class every leaf under ``node`` predicts, or None if they differ."""
        if t.children_left[node] == -1:
            return int(np.argmax(t.value[node][0]) == true_class)
        a, b = verdict(t.children_left[node]), verdict(t.children_right[node])
        return a if a is not None and a == b else None

    rules: list[dict[str, list[float]]] = []

    def walk(node: int, bounds: dict[str, list[float]]) -> None:
        v = verdict(node)
        if v is not None:
            if v == 1:
                rules.append(bounds)
            return
        name = str(xf.columns[t.feature[node]])
        cut = float(t.threshold[node])
        lo, hi = bounds.get(name, [-np.inf, np.inf])
        walk(int(t.children_left[node]), {**bounds, name: [lo, min(hi, cut)]})
        walk(int(t.children_right[node]), {**bounds, name: [max(lo, cut), hi]})

    walk(0, {})
    total = int(yb.sum())
    boxes = []
    for bounds in rules:
        inside = np.ones(len(yb), dtype=bool)
        for name, (lo, hi) in bounds.items():
            inside &= (xf[name].to_numpy() > lo) & (xf[name].to_numpy() <= hi)
        n, k = int(inside.sum()), int((inside & yb).sum())
        lims = pd.DataFrame(
            {
                c: [
                    max(bounds.get(c, [-np.inf])[0], float(xf[c].min())),
                    min(bounds.get(c, [0, np.inf])[1], float(xf[c].max())),
                ]
                for c in xf.columns
            }
        )
        b = _box(0, k / total, k / n if n else 0.0, n / len(yb), n, k, lims, xf)
        # a CART lower limit is a strict cut (x > t): restricted even when t is the smallest value
        b.limits["restrict_lower"] = [name in bounds and np.isfinite(bounds[name][0]) for name in xf.columns]
        b.limits["restrict_upper"] = b.limits["upper"] < b.limits["maximum"]
        boxes.append(b)
    if not boxes:
        raise InputError(
            where,
            "--where",
            f"CART found no leaf where {expr!r} holds more often than in all runs; try --method prim",
        )
    boxes.sort(key=lambda b: (-b.density, -b.coverage))
    for i, b in enumerate(boxes):
        b.id = i
    chosen = _choose(boxes, box, where, "rules")
    return Discovery("cart", expr, boxes, chosen, yb, xf, [f"rule {chosen} of {len(boxes)}"])


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
        f"{found.expr} in {b.density:.0%} of runs ({b.runs_of_interest} of {b.runs}) when {when}; "
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
