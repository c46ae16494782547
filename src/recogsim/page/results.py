"""The "results" view: open a results or sweep folder under the working directory and see its
summary, its plots and, by scenario discovery (``recogsim discover``), which ranges of its inputs
hold the runs where a condition holds.

Folders outside the working directory are refused (``folders.inside``); nothing is written: the
plots shown are those the folder holds (``recogsim run`` and ``recogsim plot`` write them), or, for
an ensemble without any, drawn afresh by the command line's own plot functions.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import cast

import matplotlib.pyplot as plt
import pandas as pd
import solara
from matplotlib.figure import Figure

from ..analysis.discovery import Discovery, csv_frame, details, discover, load_inputs, sentence
from ..analysis.summary import summary_table
from ..analysis.sweeps import summarize
from ..errors import InputError
from ..model.record import label
from ..plots import discovery as dplots
from ..plots import plot_kind
from ..runs.store import is_sweep, load_results, load_sweep
from .ensemble import FIGURES
from .folders import inside, results_folders
from .levers import settings
from .nav import Nav

EXAMPLE = "first_recognition_month <= 36"


@dataclass(frozen=True)
class Opened:
    folder: Path
    kind: str
    summary: str | pd.DataFrame
    images: list[Path]
    drawn: list


def open_folder(root: Path, text: str) -> Opened:
    """A folder's summary and figures, or ValueError / InputError with the one line to show."""
    folder = inside(root, text)
    images = sorted(folder.glob("plots/*.png")) + sorted(folder.glob("*.png"))
    if is_sweep(folder):
        return Opened(folder, "sweep", labelled(summarize(load_sweep(folder))), images, [])
    result = load_results(folder)
    name = str(result.manifest.get("scenario_name") or folder.name)
    drawn = [] if images else [plot_kind(k, {name: result}, series=s) for k, s in FIGURES]
    return Opened(folder, "ensemble", summary_table({name: result}), images, drawn)


SUMMARY_LABELS = {
    "point": "design point",
    "runs": "runs",
    "p_recognition": "P(de jure recognition by the horizon)",
    "median_first_recognition": "median month of the first recognition (runs with one)",
}
LIMIT_LABELS = {
    "parameter": "input",
    "lower": "box from",
    "upper": "box to",
    "minimum": "lowest value in the runs",
    "maximum": "highest value in the runs",
    "restrict_lower": "lower edge restricted",
    "restrict_upper": "upper edge restricted",
    "qp_lower": "quasi-p, lower edge",
    "qp_upper": "quasi-p, upper edge",
    "reproduced": "share of resamples restricting it",
    "restricted": "restricted",
}
"""Headers of the page's tables: the analysis's column names said in words (outcomes by the record)."""


def labelled(summary: pd.DataFrame) -> pd.DataFrame:
    """A sweep's per-point summary with its columns named in words (the record's labels)."""
    return summary.rename(
        columns=lambda c: SUMMARY_LABELS.get(c) or (f"mean {label(c[5:])}" if c.startswith("mean_") else c)
    )


def page_message(exc: Exception) -> str:
    """An analysis error as the page says it: the page's fields, not the command line's flags."""
    return str(exc).replace("--where: ", "condition: ").replace("--inputs", "inputs")


def discovery(folder: Path, where: str, method: str) -> tuple[Discovery, list]:
    """Scenario discovery on the folder's runs, as ``recogsim discover`` does it, and its figures."""
    found = discover(load_inputs(folder), where, method)
    figures = []
    for draw in (dplots.trajectory, dplots.limits, dplots.scatter):
        fig = cast(Figure, draw(found).figure)
        plt.close(fig)
        figures.append(fig)
    return found, figures


def limits_table(found: Discovery) -> pd.DataFrame:
    """The chosen box's limits, one row per input (restricted first), rounded for reading (the box's coverage and
    density are in the sentence above it; ``recogsim discover`` writes the full CSV)."""
    table = csv_frame(found)
    table = table[table["box"] == found.box.id]
    per_box = ["method", "box", "coverage", "density", "mass", "runs", "runs_of_interest", "chosen"]
    table = table.drop(columns=per_box).round(3).sort_values("restricted", ascending=False, kind="stable")
    return table.reset_index(drop=True).rename(columns=LIMIT_LABELS)


@solara.component
def Discover(folder: Path):
    where, set_where = solara.use_state(EXAMPLE)
    method, set_method = solara.use_state("prim")
    error, set_error = solara.use_state("")

    def start():
        try:
            return discovery(folder, where, method)
        except (ValueError, InputError) as exc:
            set_error(page_message(exc))
            return None

    task = solara.lab.use_task(start, dependencies=None)
    with solara.Card("Scenario discovery: under which assumptions does a condition hold?"), solara.Column():
        solara.InputText("Condition on run outcomes", value=where, on_value=set_where, continuous_update=True)
        with solara.Row():
            solara.ToggleButtonsSingle(value=method, values=["prim", "cart"], on_value=set_method)
            solara.Button("Discover", color="primary", on_click=lambda: (set_error(""), task()), disabled=task.pending)
        if task.pending:
            solara.ProgressLinear(True)
        if error:
            solara.Error(error)
        if task.error:
            solara.Error(f"the discovery failed: {task.exception}")
        if task.finished and task.value is not None:
            found, figures = task.value
            solara.Text(sentence(found), style={"font-weight": "bold"})
            solara.Preformatted("\n".join(details(found)), style={"overflow-x": "auto"})
            solara.DataFrame(limits_table(found), items_per_page=20)
            with solara.Row(style={"flex-wrap": "wrap"}):
                for fig in figures:
                    solara.FigureMatplotlib(fig, format="png", dpi=80)


@solara.component
def Results():
    root, _ = settings()
    found = solara.use_memo(lambda: results_folders(root), [])
    text, set_text = solara.use_state(found[0] if found else "")
    opened, set_opened = solara.use_state(cast(Opened | None, None))
    error, set_error = solara.use_state("")

    def open_it(value: str | None = None) -> None:
        chosen = text if value is None else value
        set_text(chosen)
        try:
            set_opened(open_folder(root, chosen))
            set_error("")
        except (ValueError, InputError) as exc:
            set_opened(None)
            set_error(str(exc))

    Nav()
    with solara.Sidebar():
        if found:
            solara.Select("Results folders here", values=found, value=text if text in found else None, on_value=open_it)
        solara.InputText("Folder (inside the working directory)", value=text, on_value=set_text, continuous_update=True)
        solara.Button("Open", color="primary", on_click=lambda: open_it())
    solara.Title("recogsim: results")
    if error:
        solara.Error(error)
    if opened is None:
        if not error:
            solara.Info(f"Open a results or sweep folder under {root}.")
        return
    solara.Text(f"{opened.kind}: {opened.folder.relative_to(root)}")
    if isinstance(opened.summary, str):
        solara.Preformatted(opened.summary, style={"overflow-x": "auto"})
    else:
        solara.DataFrame(opened.summary, items_per_page=10)
    with solara.Row(style={"flex-wrap": "wrap"}):
        for path in opened.images:
            solara.Image(path.read_bytes(), width="560px")
        for fig in opened.drawn:
            solara.FigureMatplotlib(fig, format="png", dpi=80)
    Discover(opened.folder).key(str(opened.folder))
