"""The "one run" view: Mesa's SolaraViz around the Mesa engine, stepped month by month.

The sidebar holds SolaraViz's own controls (reset, play, step) and the levers (``levers.py``);
the panels show each state on the relation ladder, the posts by controller, the counts over
time and, for a chosen state, the terms of its utility that drive its next move. Every number
shown is read from the model or computed by its own rules (``model.components``,
``incentives.term_contributions``); the page computes nothing of its own.
"""

from __future__ import annotations

import html
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import solara
from matplotlib.colors import to_hex
from mesa.visualization import SolaraViz
from mesa.visualization.utils import update_counter

from ..config.calendar import month_labels
from ..config.schema import LEVELS
from ..errors import InputError
from ..model import incentives as rules
from ..plots.ensemble import missions_by_controller
from ..plots.one_run import run_counts, term_bars
from .levers import MAX_REPLICATION, SEED, PageModel, bound, scenario_files, settings, user_params
from .nav import Nav

SORTS = {"bloc": ["bloc", "order"], "rung (highest first)": ["rung", "order"], "state": ["state"]}
_RUNG_COLOURS = [to_hex(plt.get_cmap("Blues")(0.08 + 0.8 * k / (len(LEVELS) - 1))) for k in range(len(LEVELS))]


def ladder_frame(model: PageModel) -> pd.DataFrame:
    """One row per state: its bloc, rung, highest rung, posts and its chances of moving next month
    at the current levers (the model's own ``move_probabilities``)."""
    p_up, p_down = model.move_probabilities(model.components())
    held = model.posts_by_state(model.post_held)
    open_ = model.posts_by_state(model.post_open)
    return pd.DataFrame(
        {
            "order": np.arange(len(model.state_agents)),
            "state": [a.name for a in model.state_agents],
            "bloc": [a.bloc for a in model.state_agents],
            "rung": model.levels.astype(int),
            "highest": model.max_levels.astype(int),
            "posts": [f"{int(h)} of {int(o)}" if o else "" for h, o in zip(held, open_, strict=True)],
            "up": p_up,
            "down": p_down,
        }
    )


def ladder_html(frame: pd.DataFrame, sort: str) -> str:
    """The ladder as an HTML table, each state's rung cell coloured by the rung."""
    rows = frame.sort_values(SORTS[sort], ascending=[c != "rung" for c in SORTS[sort]])
    head = "".join(
        f"<th>{h}</th>"
        for h in ("state", "bloc", "rung", "highest rung", "posts held by the Taliban", "P(up)", "P(down)")
    )
    body = []
    for r in rows.to_dict("records"):
        rung, highest = int(r["rung"]), int(r["highest"])
        ink = "white" if rung >= len(LEVELS) - 2 else "black"
        body.append(
            f"<tr><td>{html.escape(str(r['state']))}</td><td>{html.escape(str(r['bloc']))}</td>"
            f'<td style="background:{_RUNG_COLOURS[rung]};color:{ink};white-space:nowrap">'
            f"{LEVELS[rung].replace('_', ' ')}</td>"
            f"<td>{LEVELS[highest].replace('_', ' ')}</td><td>{r['posts']}</td>"
            f"<td>{r['up']:.1%}</td><td>{r['down']:.1%}</td></tr>"
        )
    return (
        '<table class="recogsim-ladder" style="border-collapse:collapse;font-size:13px;width:100%">'
        f"<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"
    )


def series_frame(model: PageModel) -> tuple[pd.DataFrame, dict[int, str]]:
    """The run's monthly series so far (the model's DataCollector), with the month and its date."""
    df = model.datacollector.get_model_vars_dataframe().reset_index(drop=True)
    df.insert(0, "month", np.arange(len(df)))
    return df, dict(enumerate(month_labels(model.scenario.start, len(df) - 1)))


def contributions(model: PageModel, state: int) -> dict[str, float]:
    """The weighted, signed terms of one state's utility of the next rung up, now."""
    parts = rules.term_contributions(model.components(), model.weights)
    return {k: float(np.broadcast_to(v, (2, len(model.state_agents)))[0, state]) for k, v in parts.items()}


def _figure(ax) -> None:
    fig = ax.figure
    solara.FigureMatplotlib(fig, format="png", bbox_inches="tight", dpi=90)
    plt.close(fig)


@solara.component
def Ladder(model: PageModel):
    update_counter.get()
    sort, set_sort = solara.use_state("bloc")
    with solara.Column(style={"overflow": "auto", "height": "100%"}):
        solara.HTML(
            tag="div",
            unsafe_innerHTML=f"<b>The relation ladder, month {model.month}</b> (chances of moving next month at the "
            "current levers)",
        )
        solara.ToggleButtonsSingle(value=sort, values=list(SORTS), on_value=set_sort)
        solara.HTML(tag="div", unsafe_innerHTML=ladder_html(ladder_frame(model), sort))


def levers_line(model: PageModel) -> str:
    """The Taliban's levers this month: fixed by the scenario, or moved each month by the adaptive
    Taliban (crackdown as the mean over the allied groups it restricts)."""
    t = model.taliban
    allied = ~model.hostile
    crackdown = float(np.mean(t.crackdown[allied])) if allied.any() else 0.0
    mode = model.scenario.taliban.mode
    return (
        f"The Taliban's levers, month {model.month} ({mode}): crackdown {crackdown:.2f}, "
        f"concessions {float(t.concessions):.2f}, lobbying {float(t.lobbying):.2f}"
    )


@solara.component
def Counts(model: PageModel):
    update_counter.get()
    df, dates = series_frame(model)
    solara.Text(levers_line(model))
    _figure(run_counts(df, dates=dates))


@solara.component
def Posts(model: PageModel):
    update_counter.get()
    df, _ = series_frame(model)
    now = df.iloc[-1]
    solara.HTML(
        tag="div",
        unsafe_innerHTML=f"<b>Posts abroad, month {model.month}:</b> {int(now['missions_taliban'])} held by the "
        f"Taliban, {int(now['missions_republic'])} by the Republic, {int(now['missions_closed'])} closed",
    )
    _figure(missions_by_controller(df))


@solara.component
def Terms(model: PageModel):
    update_counter.get()
    names = [a.name for a in model.state_agents]
    state, set_state = solara.use_state(names[0])
    solara.Select(label="State", values=names, value=state, on_value=set_state)
    i = names.index(state) if state in names else 0
    _figure(term_bars(contributions(model, i), names[i]))


COMPONENTS = [(Ladder, 0), (Posts, 0), (Counts, 0), (Terms, 0)]


def _model(path: Path, replication: int) -> tuple[PageModel | None, str | None]:
    """The run of this scenario and replication at month 0, or the error to show."""
    try:
        return bound(str(path), replication)(), None
    except InputError as exc:
        return None, str(exc)


@solara.component
def OneRun():
    root, given = settings()
    files = solara.use_memo(lambda: scenario_files(root, given), [])
    names = list(files)
    first = given.stem if given else ("baseline" if "baseline" in files else (names[0] if names else ""))
    chosen, set_chosen = solara.use_state(first)
    replication, set_replication = solara.use_state(0)
    path = files.get(chosen)
    # one model per session, scenario and replication; its scenario is the run's (draws set, no lever moved)
    model, error = solara.use_memo(lambda: _model(path, replication) if path else (None, None), [chosen, replication])
    params = solara.use_memo(lambda: user_params(model.scenario) if model else {}, [chosen, replication])  # at month 0
    if path is None:
        solara.Error(f"no scenario: give one (recogsim explore SCENARIO) or start in a folder with scenarios/ ({root})")
        return
    Nav()
    with solara.Sidebar():
        solara.Select(label="Scenario", values=names, value=chosen, on_value=set_chosen)
        solara.SliderInt(
            "Replication (its seed and parameter draws)",
            value=replication,
            on_value=set_replication,
            min=0,
            max=MAX_REPLICATION,
        )
        solara.Text(
            f"Replication {replication} of recogsim run --seed {SEED} --engine mesa. "
            "The levers below take effect when you press Reset."
        )
    if model is None:
        solara.Error(error or f"{path}: cannot be read")
        return
    SolaraViz(
        model,
        components=COMPONENTS,
        model_params=params,
        name=f"recogsim: one run of {chosen}",
    ).key(f"one-run-{chosen}-{replication}")
