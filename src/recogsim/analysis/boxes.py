"""PRIM's boxes and CART's rules over the inputs of a set of runs, and the box a user is shown.

- PRIM (Friedman & Fisher 1999) through EMA Workbench 2.5.3 (the newest release for Python 3.11;
  3.x needs 3.12): the peeling trajectory, the chosen box with its limits and the quasi-p-value of
  each restricted edge. Under pandas 3 its ``boxes_to_dataframe`` returns zeros and float32 inputs
  raise, so limits are read from ``box.box_lims`` and ``box.qp`` and inputs are cast to float64.
  Stability is measured here rather than by its ``resample`` (see :func:`_stability`): the whole
  discovery re-run on random halves drawn from a seeded generator of its own.
- CART (scikit-learn's decision tree): the leaves where the condition holds more often than in
  all runs, as readable rules; subtrees whose leaves all say the same are merged first, so a rule
  names only the splits that change the answer.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..errors import InputError

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
MIN_RUNS = 10
"""Fewer runs of interest (or of the rest) than this and any box is drawn around a handful of points:
refused, since PRIM's quasi-p-values and resampling mean nothing there."""
FEW = 30
"""Fewer runs of interest than this and a box is drawn around a handful of points: said, not refused."""
SIGNIFICANT = 0.05
"""A restriction whose quasi-p-value exceeds this is flagged as not significant."""


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
    def significant(self) -> bool:
        """Whether some restricted edge has a quasi-p-value at or below ``SIGNIFICANT``."""
        lim = self.limits
        qp = pd.concat([lim.loc[lim["restrict_lower"], "qp_lower"], lim.loc[lim["restrict_upper"], "qp_upper"]])
        return bool((qp <= SIGNIFICANT).any())

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
    if min(k, len(y) - k) < MIN_RUNS:
        raise InputError(
            where,
            "--where",
            f"{expr!r} holds in {k} of {len(y)} runs; discovery needs at least {MIN_RUNS} runs where it holds and "
            f"{MIN_RUNS} where it does not (run more replications or a wider design)",
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
    found, boxes = _peel(ema_prim, xf, yi)
    picked = _choose(boxes, box, where, "boxes of the peeling trajectory")
    chosen, dropped = _drop_insignificant(found, picked, xf, boxes)
    stability = _stability(ema_prim, xf, yi, box, boxes[picked].coverage, seed)
    notes = [f"box {picked} of the peeling trajectory"]
    if dropped:
        notes[0] += f", less {len(dropped)} edges of quasi-p-value above {SIGNIFICANT} (box {chosen})"
        notes.append(f"edges dropped: {', '.join(dropped)}")
    if boxes[chosen].restricted and not boxes[chosen].significant:
        notes.append(
            f"no edge of this box has a quasi-p-value below {SIGNIFICANT}: it may describe chance, not the inputs"
        )
    limits = boxes[chosen].limits
    if stability is None:
        notes.append("stability not measured: no random half of the runs holds runs of interest and others")
    else:
        limits["reproduced"] = limits["parameter"].map(stability).astype("float64")
    k = int(yi.sum())
    if k < FEW:
        notes.append(f"the condition holds in only {k} runs: boxes drawn around so few are rough; run more")
    return Discovery("prim", expr, boxes, chosen, np.asarray(y, dtype=bool), xf, notes, picked)


def _peel(ema_prim, x: pd.DataFrame, y: np.ndarray) -> tuple[object, list[Box]]:
    """EMA Workbench's PRIM on ``x`` and ``y``: its box object and every box of the trajectory."""
    with warnings.catch_warnings():
        # EMA Workbench 2.5.3 warns of pandas features it uses that pandas 3 deprecates
        warnings.simplefilter("ignore")
        # threshold: a box is kept whenever it holds any run of interest (with 0/1 outcomes the
        # threshold only decides that; a higher one would drop the trajectory of a rare condition)
        found = ema_prim.Prim(x, y, threshold=0.5 / len(y), mass_min=MASS_MIN).find_box()
    return found, [_box_at(found, i, x) for i in range(len(found.peeling_trajectory))]


def _stability(
    ema_prim, x: pd.DataFrame, y: np.ndarray, box: int | None, coverage: float, seed: int
) -> dict[str, float] | None:
    """Per input, the share of ``RESAMPLES`` random halves of the runs on which the whole discovery
    (PRIM, the same choice of box, the same dropping of edges) restricts it again; None when no
    half holds both kinds of run. EMA Workbench's own ``resample`` matches each half's box by
    coverage alone, and a box of coverage 1 then meets the half's first, unrestricted box and
    scores 0; it also draws from numpy's global generator. This one draws from ``seed``'s own
    generator and picks each half's box as the full data's was: the default rule, or with ``--box``
    the box nearest in coverage."""
    rng = np.random.default_rng(seed)
    counts = dict.fromkeys(x.columns, 0)
    done = 0
    for _ in range(RESAMPLES):
        half = np.sort(rng.choice(len(y), size=len(y) // 2, replace=False))
        xs, ys = x.iloc[half].reset_index(drop=True), y[half]
        if ys.min() == ys.max():
            continue
        found, boxes = _peel(ema_prim, xs, ys)
        if box is None:
            pick = _default_box(boxes)
        else:
            pick = min(range(len(boxes)), key=lambda i: (abs(boxes[i].coverage - coverage), i))
        chosen, _ = _drop_insignificant(found, pick, xs, boxes)
        for name in boxes[chosen].restricted:
            counts[name] += 1
        done += 1
    return {name: n / done for name, n in counts.items()} if done else None


def _drop_insignificant(found, picked: int, x: pd.DataFrame, boxes: list[Box]) -> tuple[int, list[str]]:
    """Drop the picked box's edges whose quasi-p-value exceeds ``SIGNIFICANT`` (Bryant & Lempert
    2010: a restriction the data do not support), as EMA Workbench's ``drop_restriction`` does for
    whole inputs, edge by edge, and again on the box that leaves (its edges' quasi-p-values change
    as the box grows) until every edge left is significant. Each box is appended to the trajectory
    with its own statistics. A box all of whose edges would go is kept as it is (an empty box says
    nothing; the report says that none is significant). Returns the final box's index and the
    edges dropped."""
    from ema_workbench.analysis import scenario_discovery_util as sdutil

    whole = found.box_lims[0]
    current, dropped = picked, list[str]()
    while True:  # each round drops at least one edge, so this ends
        lim = boxes[current].limits
        weak = [
            (str(r["parameter"]), edge, row)
            for _, r in lim.iterrows()
            for edge, row in (("lower", 0), ("upper", 1))
            if r[f"restrict_{edge}"] and r[f"qp_{edge}"] > SIGNIFICANT
        ]
        if not weak or len(weak) == int(lim["restrict_lower"].sum() + lim["restrict_upper"].sum()):
            return current, dropped
        lims = found.box_lims[current].copy()
        for name, _, row in weak:
            lims.loc[lims.index[row], name] = whole.loc[whole.index[row], name]
        remaining = found.prim.yi_remaining
        found.update(lims, remaining[sdutil._in_box(found.prim.x.loc[remaining, :], lims)])
        current = len(found.peeling_trajectory) - 1
        boxes.append(_box_at(found, current, x))
        dropped += [f"{name} {edge}" for name, edge, _ in weak]


def _box_at(found, i: int, x: pd.DataFrame) -> Box:
    """Box ``i`` of EMA Workbench's trajectory, with its limits read from ``box_lims`` and ``qp``."""
    traj = found.peeling_trajectory
    return _box(
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
