"""The missions table: one row per run and post, with who held the post at the horizon and the
months it changed hands and closed, so that results answer dated facts about posts ("the Tehran
embassy changed hands by 2023-02", "the Washington embassy closed in 2022-03")."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from recogsim import RecognitionModel, load_results, load_scenario, run_ensemble, run_ensemble_to, write_results
from recogsim.config import references
from recogsim.errors import InputError

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data"
US_POSTS = ("Washington embassy", "New York consulate", "Los Angeles consulate")
"""Closed by ``close_mission`` events at month 7 (March 2022) in ``from_2021.yaml``."""


def shipped(name: str, months: int = 36):
    return references.apply(load_scenario(ROOT / "scenarios" / f"{name}.yaml"), "horizon_months", months)


@pytest.fixture(scope="module")
def from_2021():
    s = shipped("from_2021")
    return s, run_ensemble(s, 8, seed=5, progress=False)


@pytest.fixture(scope="module")
def baseline():
    s = shipped("baseline")
    return s, run_ensemble(s, 8, seed=5, progress=False)


@pytest.mark.parametrize("which", ["from_2021", "baseline"])
def test_one_row_per_run_and_post_in_the_scenarios_order(which, request):
    s, r = request.getfixturevalue(which)
    m = r.missions
    assert len(m) == 8 * len(s.missions) == 8 * 65
    for _, run in m.groupby("replication"):
        assert list(run["mission"]) == [p.name for p in s.missions]
        assert list(run["host"]) == [p.host for p in s.missions]
    assert sorted(m["replication"].unique()) == list(range(8))


def test_the_us_posts_close_by_event_at_month_7_in_every_run(from_2021):
    _, r = from_2021
    us = r.missions[r.missions["mission"].isin(US_POSTS)]
    assert len(us) == 8 * len(US_POSTS)
    assert (us["month_closed"] == 7).all()
    assert (us["closed_by"] == "event").all()
    assert (us["controller"] == "closed").all()
    # and no other post is closed by an event: those three are the scenario's only close_mission events
    others = r.missions[~r.missions["mission"].isin(US_POSTS)]
    assert not (others["closed_by"] == "event").any()


def test_posts_held_at_the_start_changed_hands_at_month_0(baseline):
    s, r = baseline
    held = {p.name for p in s.missions if p.controller == "taliban"}
    assert len(held) == 18  # the April 2023 snapshot
    m = r.missions
    at_start = m[m["mission"].isin(held)]
    assert (at_start["month_taliban"] == 0).all()
    # a post the Republic held at the start passes to the Taliban, if ever, in a month of the run
    later = m.loc[~m["mission"].isin(held), "month_taliban"].dropna()
    assert (later >= 1).all()
    closed = {p.name for p in s.missions if p.controller == "closed"}
    first = m[m["mission"].isin(closed)]
    assert (first["month_closed"] == 0).all() and (first["closed_by"] == "initial").all()


@pytest.mark.parametrize("which", ["from_2021", "baseline"])
def test_month_taliban_is_null_exactly_where_a_post_never_changed_hands(which, request):
    _, r = request.getfixturevalue(which)
    m = r.missions
    runs = r.runs.set_index("replication")
    # the handovers of a run are its posts with a month of changing hands after the start
    handed = (m["month_taliban"] >= 1).fillna(False).groupby(m["replication"]).sum()
    assert (handed == runs["missions_changed_hands"]).all()
    assert runs["missions_changed_hands"].gt(0).all(), "posts are expected to change hands in 36 months"
    # a post held by the Taliban at the horizon has a month; one still with the Republic has none
    assert m.loc[m["controller"] == "taliban", "month_taliban"].notna().all()
    assert m.loc[m["controller"] == "republic", "month_taliban"].isna().all()
    assert m["month_taliban"].isna().any()
    # a post is closed exactly when it has a month of closure and a cause
    closed = m["controller"] == "closed"
    assert (m["month_closed"].notna() == closed).all() and (m["closed_by"].notna() == closed).all()


@pytest.mark.parametrize("seed", [1, 2])
def test_the_months_are_those_a_run_shows_step_by_step(seed):
    """Watched month by month, each post's first month under the Taliban and its month of closure
    are the table's (a post that passed to the Taliban keeps its month after it closes)."""
    s = shipped("from_2021", 30)
    model = RecognitionModel(s, seed=seed)
    seen: dict[str, dict[str, int]] = {"taliban": {}, "closed": {}}

    def look() -> None:
        for post in model.mission_agents:
            if post.controller in seen:
                seen[post.controller].setdefault(post.name, model.month)

    look()
    while model.running and model.month < model.horizon:
        model.step()
        look()
    table = model.mission_table()
    assert table["mission"] == [post.name for post in s.missions]
    assert table["month_taliban"] == [seen["taliban"].get(post.name) for post in s.missions]
    assert table["month_closed"] == [seen["closed"].get(post.name) for post in s.missions]
    assert seen["taliban"] and seen["closed"]  # the check compares months, not only nulls


def test_a_folder_written_before_the_missions_table_still_loads(tmp_path):
    tiny = load_scenario(DATA / "tiny.yaml")
    out = run_ensemble_to(tiny, 3, tmp_path / "new", seed=2)
    full = load_results(out)
    (out / "missions.parquet").unlink()
    manifest = json.loads((out / "manifest.json").read_text())
    del manifest["tables"]  # older folders do not list their tables
    (out / "manifest.json").write_text(json.dumps(manifest))
    old = load_results(out)
    assert old.missions is None
    pd.testing.assert_frame_equal(old.runs, full.runs)
    pd.testing.assert_frame_equal(old.states, full.states)
    # written back, it stays a folder without the table (nothing is made up)
    again = write_results(old, tmp_path / "again")
    assert not (again / "missions.parquet").exists() and load_results(again).missions is None


def test_an_interrupted_folder_of_an_older_version_resumes_with_every_runs_posts(tmp_path, interrupt_after):
    """Chunks written before the missions table existed hold no missions file: their runs are run
    again, so the consolidated missions table has every run (and the files are those of one go)."""
    tiny = load_scenario(DATA / "tiny.yaml")
    full = run_ensemble_to(tiny, 6, tmp_path / "full", seed=2)

    with pytest.raises(KeyboardInterrupt):
        run_ensemble_to(tiny, 6, tmp_path / "cut", seed=2, chunk_runs=1, on_result=interrupt_after(2))
    chunks = tmp_path / "cut" / "chunks"
    assert list(chunks.glob("runs-*.parquet"))  # finished runs on disk
    for f in chunks.glob("missions-*.parquet"):
        f.unlink()  # as an older version left them
    with pytest.raises(InputError, match="not finished"):
        load_results(tmp_path / "cut")
    run_ensemble_to(tiny, 6, tmp_path / "cut", seed=2, resume=True)
    for name in ("runs.parquet", "series.parquet", "states.parquet", "missions.parquet"):
        assert (tmp_path / "cut" / name).read_bytes() == (full / name).read_bytes(), name
    missions = load_results(tmp_path / "cut").missions
    assert missions is not None and len(missions) == 6 * 5
