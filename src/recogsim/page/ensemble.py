"""The "ensemble" view: run one or more scenarios from the page and see their distributions.

The runs are the runner's (:func:`~recogsim.runs.runner.run_ensemble_to`, engine ``auto``: the
batch engine wherever it applies), written to a temporary results folder that is read back,
offered as a zip file and removed; the figures are the command line's own (``plot_kind``): the
fan chart, the survival curve of time to first recognition and each state's ladder
probabilities. Bands include parameter uncertainty where a scenario draws parameters
(``uncertain:``); the figures' captions say so.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import cast

import solara

from ..analysis.summary import summary_table
from ..config.loading import load
from ..errors import InputError
from ..model.record import label
from ..plots import plot_kind
from ..plots.kinds import FAN_SERIES
from ..runs.runner import run_ensemble_to
from ..runs.store import EnsembleResult, load_results
from .folders import zipped
from .levers import SEED, scenario_files, settings
from .nav import Nav

MAX_REPLICATIONS = 5000
"""The page runs in the server's own process, on one core: larger ensembles belong to the CLI."""
FIGURES = (("fan", FAN_SERIES[0]), ("survival", None), ("states", None))
"""What the view draws, and the results view for an ensemble folder that holds no plots."""
FANS = {label(c): c for c in FAN_SERIES}
"""The fan chart's series, by their labels in the output record."""


@dataclass(frozen=True)
class Ran:
    results: dict[str, EnsembleResult]
    summary: str
    archive: bytes


def run(
    files: dict[str, Path], names: list[str], replications: int, seed: int, progress: Callable[[float], None]
) -> Ran:
    """Every chosen scenario's ensemble, its summary and its results folders as one zip file.
    ``progress(share)`` is told the share of runs done."""
    scenarios = [load(files[n]) for n in names]  # all checked before any runs
    total, results = replications * len(names), {}
    with tempfile.TemporaryDirectory(prefix="recogsim-page-") as tmp:
        top = Path(tmp) / "recogsim_ensemble"
        for k, (name, scen) in enumerate(zip(names, scenarios, strict=True)):

            def tell(n: int, before: int = k * replications) -> None:
                progress((before + n) / total)

            run_ensemble_to(
                scen,
                replications,
                top / name,
                seed=seed,
                workers=1,
                progress=False,
                on_result=tell,
            )
            results[name] = load_results(top / name)
        return Ran(results, summary_table(results), zipped(top))


def draw(ran: Ran, fan: str) -> list:
    """The view's figures of an ensemble: :data:`FIGURES`, the fan chart of ``fan``."""
    return [plot_kind(kind, ran.results, series=fan if kind == "fan" else series) for kind, series in FIGURES]


def checked(replications: str, seed: str) -> tuple[int, int]:
    """The two numbers the form takes, or ValueError with the line the page shows."""
    try:
        n, s = int(replications), int(seed)
    except ValueError:
        raise ValueError(f"replications and seed must be whole numbers, got {replications!r} and {seed!r}") from None
    if not 1 <= n <= MAX_REPLICATIONS:
        raise ValueError(f"replications: between 1 and {MAX_REPLICATIONS:,} on the page (the CLI runs more), got {n}")
    if s < 0:
        raise ValueError(f"seed: must be at least 0, got {s}")
    return n, s


@solara.component
def Ensemble():
    root, given = settings()
    files = solara.use_memo(lambda: scenario_files(root, given), [])
    first = given.stem if given else "baseline"
    chosen, set_chosen = solara.use_state([first] if first in files else list(files)[:1])
    replications, set_replications = solara.use_state("200")
    seed, set_seed = solara.use_state(str(SEED))
    fan, set_fan = solara.use_state(next(iter(FANS)))
    share = solara.use_reactive(0.0)
    running = solara.use_reactive(cast(list[str], []))
    error, set_error = solara.use_state("")

    def start() -> Ran | None:
        share.set(0.0)
        running.set(list(chosen))
        try:
            n, s = checked(replications, seed)
            if not chosen:
                raise ValueError("choose at least one scenario")
            return run(files, list(chosen), n, s, share.set)
        except (ValueError, InputError) as exc:
            set_error(str(exc))
            return None

    task = solara.lab.use_task(start, dependencies=None)
    Nav()
    with solara.Sidebar():
        solara.SelectMultiple("Scenarios", values=chosen, all_values=list(files), on_value=set_chosen)
        solara.InputText("Replications", value=replications, on_value=set_replications, continuous_update=True)
        solara.InputText("Seed", value=seed, on_value=set_seed, continuous_update=True)
        solara.Button("Run ensemble", color="primary", on_click=lambda: (set_error(""), task()), disabled=task.pending)
    solara.Title("recogsim: ensemble")
    if task.pending:
        solara.Text(f"running {', '.join(running.value)}: {share.value:.0%} of the runs done")
        solara.ProgressLinear(value=share.value * 100 if share.value else True)
    if error:
        solara.Error(error)
    if task.error:
        solara.Error(f"the run failed: {task.exception}")
    ran = task.value if task.finished else None
    figures = solara.use_memo(lambda: draw(ran, FANS[fan]) if ran else [], [id(ran), fan])  # not on every keystroke
    if ran is None:
        if not task.pending and not error:
            solara.Info("Choose scenarios, replications and a seed, then run the ensemble.")
        return
    with solara.Row():
        solara.FileDownload(ran.archive, filename="recogsim_ensemble.zip", label="Download the results (zip)")
    solara.Preformatted(ran.summary, style={"overflow-x": "auto"})
    solara.Select("Fan chart of", values=list(FANS), value=fan, on_value=set_fan)
    for figure in figures:
        solara.FigureMatplotlib(figure, format="png", dpi=80)
