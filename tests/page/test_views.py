"""The page's views in-process (``solara.render``, no browser): what each shows and refuses."""

from __future__ import annotations

import io
import json
import re
import shutil
import zipfile
from pathlib import Path

import ipyvuetify as v
import numpy as np
import pandas as pd
import pytest
import solara

from recogsim import load_scenario, run_ensemble, run_ensemble_to
from recogsim.errors import InputError
from recogsim.page import ensemble, folders, levers, one_run, results
from recogsim.page.one_run import OneRun, ladder_frame

DATA = Path(__file__).parents[1] / "data"


@pytest.fixture
def site(tmp_path: Path, monkeypatch) -> Path:
    """A working directory with two scenarios and an ensemble's results; the page serves it."""
    (tmp_path / "scenarios").mkdir()
    for name in ("tiny.yaml", "tiny_uncertain.yaml"):
        shutil.copy(DATA / name, tmp_path / "scenarios" / name)
    (tmp_path / "scenarios" / "tiny_rate.yaml").write_text(
        "extends: tiny.yaml\nname: tiny_rate\nuncertain:\n"
        "  - {path: rules.rate_up, distribution: {kind: uniform, min: 0.05, max: 0.5}, reason: a lever drawn}\n"
    )
    uncertain = load_scenario(tmp_path / "scenarios" / "tiny_uncertain.yaml")
    run_ensemble_to(uncertain, 60, tmp_path / "results" / "u", seed=2)
    monkeypatch.setenv("RECOGSIM_EXPLORE_ROOT", str(tmp_path))
    monkeypatch.delenv("RECOGSIM_EXPLORE_SCENARIO", raising=False)
    return tmp_path


def _ladder(rc) -> str:
    found = [
        w.unsafe_innerHTML for w in rc.find(solara.widgets.HTML).widgets if "recogsim-ladder" in w.unsafe_innerHTML
    ]
    assert len(found) == 1
    return found[0]


def test_one_run_steps_to_the_horizon_and_resets(site: Path) -> None:
    _box, rc = solara.render(solara.AppLayout(children=[OneRun()]), handle_error=False)
    step = rc.find(v.Btn, children=["Step"])
    for _ in range(12):
        step.widget.click()
    rc.find(children=["Step: 12"]).assert_single()
    assert step.widget.disabled  # the run reached its horizon (12 months)
    ladder = _ladder(rc)
    assert ladder.count("<tr><td>") == len(load_scenario(site / "scenarios" / "tiny.yaml").states)
    rc.find(v.Btn, children=["Reset"]).widget.click()
    rc.find(children=["Step: 0"]).assert_single()
    assert not step.widget.disabled


def test_one_run_switches_scenario(site: Path) -> None:
    _box, rc = solara.render(solara.AppLayout(children=[OneRun()]), handle_error=False)
    rc.find(v.Select, label="Scenario").widget.v_model = "tiny_uncertain"
    horizon = levers.PageModel(scenario=str(site / "scenarios" / "tiny_uncertain.yaml")).horizon
    assert horizon < 12  # replication 0 draws a shorter horizon than tiny's 12 months
    step = rc.find(v.Btn, children=["Step"])
    for _ in range(horizon):
        step.widget.click()
    rc.find(children=[f"Step: {horizon}"]).assert_single()
    assert step.widget.disabled


def _chances_up(ladder: str) -> list[str]:
    """The ladder's P(up) column (the sixth cell of each row)."""
    return [re.findall(r"<td[^>]*>([^<]*)</td>", row)[5] for row in ladder.split("<tr>")[2:]]


def _step(rc, months: int) -> None:
    step = rc.find(v.Btn, children=["Step"])
    for _ in range(months):
        step.widget.click()


def test_reset_after_switching_scenario_rebuilds_the_chosen_run(site: Path) -> None:
    _box, rc = solara.render(solara.AppLayout(children=[OneRun()]), handle_error=False)
    rc.find(v.Select, label="Scenario").widget.v_model = "tiny_uncertain"
    _step(rc, 3)
    month3 = _ladder(rc)
    rc.find(v.Btn, children=["Reset"]).widget.click()
    rc.find(children=["Step: 0"]).assert_single()
    _step(rc, 3)
    assert _ladder(rc) == month3  # the same run again: the same scenario, replication and seed


def test_untouched_levers_keep_the_replications_draws(site: Path) -> None:
    """A lever whose path the scenario draws starts at the draw, so Reset repeats the same run."""
    _box, rc = solara.render(solara.AppLayout(children=[OneRun()]), handle_error=False)
    rc.find(v.Select, label="Scenario").widget.v_model = "tiny_rate"
    drawn = levers.PageModel(scenario=str(site / "scenarios" / "tiny_rate.yaml")).scenario.rules.rate_up
    assert drawn != 0.2  # tiny's own value
    slider = rc.find(v.Slider, label=levers.BY_NAME["rate_up"].label)
    assert slider.widget.v_model == drawn
    _step(rc, 6)
    first = _ladder(rc)
    rc.find(v.Btn, children=["Reset"]).widget.click()
    _step(rc, 6)
    assert _ladder(rc) == first
    assert any(p != "0.0%" for p in _chances_up(first))
    slider.widget.v_model = 0.0  # nobody climbs any more once the lever applies (on Reset)
    assert _chances_up(_ladder(rc)) == _chances_up(first)  # not before Reset
    rc.find(v.Btn, children=["Reset"]).widget.click()
    assert set(_chances_up(_ladder(rc))) == {"0.0%"}


def test_the_page_model_is_replication_r_of_the_ensemble() -> None:
    path = DATA / "tiny_uncertain.yaml"
    runs = run_ensemble(load_scenario(path), 3, seed=5, engine="mesa").runs
    for r in range(3):
        model = levers.PageModel(scenario=str(path), replication=r, seed=5)
        model.run()
        out, row = model.outcome(), runs.iloc[r]
        assert model.month == row["months"]  # the drawn horizon
        shared = [c for c in runs.columns if c in out and c not in ("first_recognition_date", "first_recognizer")]
        assert len(shared) > 20
        for column in shared:
            if out[column] is None:
                assert pd.isna(row[column]), (r, column)
            else:
                assert out[column] == row[column], (r, column)


def test_levers_set_the_scenario_and_take_their_range_from_the_schema() -> None:
    path = DATA / "tiny.yaml"
    model = levers.PageModel(scenario=str(path), crackdown=0.9, w_conditions=7.0)
    assert model.scenario.taliban.crackdown == 0.9 and model.scenario.rules.w_conditions == 7.0
    assert levers.bounds("rules.w_conditions") == (0.0, 10.0)
    assert levers.bounds("world.consular_demand") == (0.0, 5.0)
    params = levers.user_params(load_scenario(path))
    assert params["crackdown"]["value"] == 0.3 and set(params) == set(levers.BY_NAME)
    bound = levers.bound(str(path), 2)()
    assert bound.replication == 2 and bound.scenario_file == str(path)
    with pytest.raises(TypeError, match="unknown lever 'nonsense'"):
        levers.PageModel(scenario=str(path), nonsense=1.0)


def test_the_adaptive_taliban_moves_its_levers_on_the_page() -> None:
    path = DATA.parents[1] / "scenarios" / "adaptive_taliban.yaml"
    model = levers.PageModel(scenario=str(path))
    first = one_run.levers_line(model)
    assert "(adaptive)" in first and "month 0" in first
    for _ in range(12):
        model.step()
    assert one_run.levers_line(model).split(": ", 1)[1] != first.split(": ", 1)[1]


def test_ladder_chances_are_the_models_own() -> None:
    model = levers.PageModel(scenario=str(DATA / "tiny.yaml"))
    p_up, _ = model.move_probabilities(model.components())
    np.testing.assert_array_equal(ladder_frame(model)["up"], p_up)


def test_an_ensemble_from_the_page_is_the_runners_and_zips(site: Path) -> None:
    files = levers.scenario_files(site)
    shares: list[float] = []
    ran = ensemble.run(files, ["tiny"], 6, 4, shares.append)
    assert shares and shares[-1] == 1.0
    same = run_ensemble(load_scenario(files["tiny"]), 6, seed=4)
    assert ran.results["tiny"].runs["missions_taliban"].tolist() == same.runs["missions_taliban"].tolist()
    names = zipfile.ZipFile(io.BytesIO(ran.archive)).namelist()
    assert "recogsim_ensemble/tiny/manifest.json" in names and "recogsim_ensemble/tiny/series.parquet" in names
    assert "tiny" in ran.summary


@pytest.mark.parametrize(
    ("replications", "seed", "message"),
    [("ten", "1", "whole numbers"), ("0", "1", "between 1 and"), ("100000", "1", "between 1 and"), ("5", "-1", "seed")],
)
def test_ensemble_form_refuses_bad_numbers(replications: str, seed: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        ensemble.checked(replications, seed)


def test_results_folders_are_found_and_others_refused(site: Path) -> None:
    (site / "calibration").mkdir()
    (site / "calibration" / "manifest.json").write_text(json.dumps({"kind": "calibration"}))
    assert folders.results_folders(site) == ["results/u"]
    assert folders.inside(site, "results/u") == site / "results" / "u"
    for text, message in (
        ("../", "outside the working directory"),
        (str(site.parent), "outside the working directory"),
        ("results/none", "no such folder"),
        ("scenarios", "no manifest.json"),
        ("", "name a results"),
    ):
        with pytest.raises(ValueError, match=message):
            folders.inside(site, text)


def test_links_out_of_the_working_directory_are_refused(site: Path, tmp_path_factory) -> None:
    outside = tmp_path_factory.mktemp("outside")
    (outside / "secret.txt").write_text("not for the page")
    shutil.copytree(site / "results" / "u", outside / "results")
    (site / "linked").symlink_to(outside / "results")  # a folder link out
    leaky = site / "results" / "leaky"
    shutil.copytree(site / "results" / "u", leaky)
    (leaky / "plots").mkdir()
    (leaky / "plots" / "a.png").symlink_to(outside / "secret.txt")  # a file link out
    (site / "loop").symlink_to(site / "loop")
    assert "linked" not in " ".join(folders.results_folders(site))
    for text, message in (
        ("linked", "outside the working directory"),
        ("results/leaky", "plots/a.png links outside the working directory"),
        ("loop", "cannot be opened"),
        ("a" * 5000, "at most 1000 characters"),
        ("x\0y", "without NUL"),
    ):
        with pytest.raises(ValueError, match=message):
            folders.inside(site, text)


def test_results_view_shows_a_folder_and_its_discovery(site: Path) -> None:
    opened = results.open_folder(site, "results/u")
    assert opened.kind == "ensemble" and "tiny_uncertain" in str(opened.summary)
    assert len(opened.drawn) == len(ensemble.FIGURES)  # no plots in the folder: drawn afresh
    found, figures = results.discovery(opened.folder, "missions_taliban >= 3", "cart")
    assert len(figures) == 3 and found.method == "cart"
    assert "input" in results.limits_table(found).columns
    with pytest.raises(InputError, match="nonsense"):
        results.discovery(opened.folder, "nonsense > 1", "prim")
    _box, rc = solara.render(solara.AppLayout(children=[results.Results()]), handle_error=False)
    rc.find(v.Btn, children=["Open"]).widget.click()
    rc.find(children=["ensemble: results/u"]).assert_single()
