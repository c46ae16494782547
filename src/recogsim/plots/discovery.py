"""Scenario discovery figures: the peeling trajectory (or CART's rules), the chosen box's limits
against each input's range, and the runs on the two most restricted inputs with the box drawn."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.patches import Rectangle
from matplotlib.ticker import PercentFormatter

from ..analysis.boxes import Discovery
from ..analysis.conditions import condition_label

MAX_ROWS = 10
"""Above this many inputs the limits figure shows the restricted ones and counts the rest."""


def _axes(ax: Axes | None, size: tuple[float, float]) -> Axes:
    if ax is None:
        _, ax = plt.subplots(figsize=size, layout="constrained")
    return ax


def trajectory(found: Discovery, ax: Axes | None = None) -> Axes:
    """Coverage against density of every box PRIM peeled (or every CART rule), coloured by the
    number of inputs it restricts; the chosen box circled."""
    ax = _axes(ax, (6.4, 4.8))
    traj = found.trajectory()
    peeled = traj if found.picked is None else traj.iloc[: len(traj) - (found.chosen != found.picked)]
    sc = ax.scatter(
        peeled["coverage"],
        peeled["density"],
        c=peeled["restricted"],
        cmap="viridis",
        vmin=0,
        vmax=max(1, int(traj["restricted"].max())),
        s=18,
        zorder=2,
    )
    if found.method == "prim":
        ax.plot(peeled["coverage"], peeled["density"], color="0.7", lw=0.8, zorder=1)
    b = found.box
    ax.scatter([b.coverage], [b.density], s=160, facecolors="none", edgecolors="crimson", lw=1.5, zorder=3)
    ax.annotate(
        f"chosen: box {b.id}" if found.method == "prim" else f"chosen: rule {b.id}",
        (b.coverage, b.density),
        xytext=(8, -14),
        textcoords="offset points",
        color="crimson",
    )
    ax.figure.colorbar(sc, ax=ax, label="inputs restricted")
    ax.set_xlabel("coverage (share of the runs where it holds that the box holds)")
    ax.set_ylabel("density (share of the box's runs where it holds)")
    ax.set_xlim(0, 1.02)
    ax.set_ylim(0, 1.02)
    what = "peeling trajectory (PRIM)" if found.method == "prim" else "rules (CART)"
    what += f", {len(found.y)} runs, {int(found.y.sum())} where it holds"
    ax.set_title(f"{what}\n{condition_label(found.expr)}", fontsize=10)
    ax.grid(alpha=0.3)
    return ax


def limits(found: Discovery, ax: Axes | None = None) -> Axes:
    """The chosen box on each input, as a share of the input's range in the runs (restricted
    inputs first), with the limits written at its ends and each edge's quasi-p-value."""
    lim = found.box.limits.copy()
    lim["restricted"] = lim["restrict_lower"] | lim["restrict_upper"]
    lim = lim.sort_values("restricted", ascending=False, kind="stable").reset_index(drop=True)
    hidden = 0
    if len(lim) > MAX_ROWS and lim["restricted"].any():  # the unrestricted ones as a count, not rows
        shown = max(int(lim["restricted"].sum()), 1)
        hidden, lim = len(lim) - shown, lim.iloc[:shown]
    ax = _axes(ax, (7.5, 0.5 * len(lim) + 1.6))
    span = (lim["maximum"] - lim["minimum"]).replace(0, 1)
    lo = (lim["lower"] - lim["minimum"]) / span
    hi = (lim["upper"] - lim["minimum"]) / span
    ypos = np.arange(len(lim))[::-1]
    ax.barh(ypos, 1, left=0, color="0.9", height=0.6)
    ax.barh(
        ypos,
        hi - lo,
        left=lo,
        color=["tab:blue" if r else "0.6" for r in lim["restricted"]],
        height=0.6,
    )
    for y, (_, r), a, b in zip(ypos, lim.iterrows(), lo, hi, strict=True):
        if r["restrict_lower"]:
            ax.text(a, y + 0.34, _edge(r, "lower"), ha="center", va="bottom", fontsize=7)
        if r["restrict_upper"]:
            ax.text(b, y + 0.34, _edge(r, "upper"), ha="center", va="bottom", fontsize=7)
        ax.text(-0.01, y, f"{r['minimum']:.3g}", ha="right", va="center", fontsize=7, color="0.4")
        ax.text(1.01, y, f"{r['maximum']:.3g}", ha="left", va="center", fontsize=7, color="0.4")
    ax.set_yticks(ypos, list(lim["parameter"]))
    ax.set_xlim(-0.12, 1.12)
    ax.set_ylim(-0.6, len(lim) - 0.1)
    ax.set_xticks([0, 0.5, 1], ["min", "middle", "max"])
    xlabel = "the box within each input's range in the runs (blue: restricted)"
    if hidden:
        xlabel += f"\n{hidden} more inputs, not restricted, are not shown"
    ax.set_xlabel(xlabel)
    b = found.box
    ax.set_title(
        f"{condition_label(found.expr)}\nbox: density {b.density:.0%}, coverage {b.coverage:.0%}, "
        f"{b.runs} runs ({b.mass:.0%})",
        fontsize=10,
    )
    return ax


def _edge(r, edge: str) -> str:
    text = f"{r[edge]:.3g}"
    qp = r.get(f"qp_{edge}", np.nan)
    return text if qp is None or np.isnan(qp) else f"{text} (p={qp:.1g})"


def most_restricted(found: Discovery, n: int = 2) -> list[str]:
    """The inputs the box narrows most (smallest share of their range kept), restricted ones first."""
    lim = found.box.limits
    span = (lim["maximum"] - lim["minimum"]).replace(0, 1)
    kept = (lim["upper"] - lim["lower"]) / span
    restricted = lim["restrict_lower"] | lim["restrict_upper"]
    order = sorted(range(len(lim)), key=lambda i: (not bool(restricted.iloc[i]), float(kept.iloc[i]), i))
    return [str(lim["parameter"].iloc[i]) for i in order[:n]]


def scatter(found: Discovery, ax: Axes | None = None) -> Axes:
    """Every run on the two most restricted inputs, coloured by whether the condition holds, with
    the chosen box drawn. Where runs share a point (a sweep's replications, or a design whose
    points share coordinates) each point is one marker, sized by its runs and coloured by the share
    of them where the condition holds, so that overlapping markers hide nothing."""
    ax = _axes(ax, (6.4, 5.4))
    dims = most_restricted(found)
    x = found.x
    xs = x[dims[0]].to_numpy()
    ys = x[dims[1]].to_numpy() if len(dims) > 1 else np.zeros(len(x))
    y = found.y
    at = pd.DataFrame({"x": xs, "y": ys, "holds": y}).groupby(["x", "y"], sort=False)["holds"].agg(["size", "mean"])
    if at["size"].max() == 1:
        ax.scatter(xs[~y], ys[~y], s=8, color="0.65", alpha=0.5, label="does not hold", linewidths=0)
        ax.scatter(xs[y], ys[y], s=10, color="tab:orange", alpha=0.8, label="holds", linewidths=0)
    else:
        at = at.sort_values("mean", kind="stable").reset_index()  # points where it holds drawn on top
        dots = ax.scatter(
            at["x"],
            at["y"],
            s=6 + 40 * at["size"] / at["size"].max(),
            c=at["mean"],
            cmap="Oranges",
            vmin=0,
            vmax=1,
            edgecolors="0.5",
            linewidths=0.3,
        )
        ax.figure.colorbar(dots, ax=ax, label="share of the point's runs where it holds", format=PercentFormatter(1))
    lim = found.box.limits.set_index("parameter")
    lower, upper = lim["lower"].astype(float).to_dict(), lim["upper"].astype(float).to_dict()
    x0, x1 = lower[dims[0]], upper[dims[0]]
    y0, y1 = (lower[dims[1]], upper[dims[1]]) if len(dims) > 1 else (-0.5, 0.5)
    ax.add_patch(Rectangle((x0, y0), x1 - x0, y1 - y0, fill=False, edgecolor="crimson", lw=1.5, label="box"))
    ax.set_xlabel(dims[0])
    ax.set_ylabel(dims[1] if len(dims) > 1 else "")
    ax.legend(
        loc="upper center",
        bbox_to_anchor=(0.5, -0.13),
        ncol=3,
        fontsize=8,
        title=condition_label(found.expr),
        title_fontsize=8,
        frameon=False,
    )
    grouped = at["size"].max() > 1
    points = f" at {len(at)} points" if grouped else ""
    area = "\nmarker area: the number of runs at the point" if grouped else ""
    ax.set_title(f"{len(y)} runs{points} on the two most restricted inputs{area}", fontsize=10)
    return ax
