"""Scoring an ensemble against a dated record: the proper scores against their closed forms, and
``recogsim score`` end to end on a small ensemble."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from recogsim.analysis import scores

ROOT = Path(__file__).resolve().parents[2]


def test_crps_of_a_point_ensemble_is_the_distance_and_matches_the_energy_form():
    assert scores.crps(np.full(7, 3.0), 5.0, 5.0) == pytest.approx(2.0)
    rng = np.random.default_rng(0)
    x = rng.integers(0, 20, 41).astype(float)
    for y in (-3.0, 4.0, 9.5, 30.0):
        assert scores.crps(x, y, y) == pytest.approx(scores.crps_energy(x, y))


def test_crps_of_an_interval_is_zero_when_it_holds_every_run_and_grows_outside():
    x = np.array([2.0, 3.0, 4.0])
    assert scores.crps(x, 1.0, 5.0) == 0.0
    assert scores.crps(x, 1.0, 3.0) == pytest.approx((1 / 3) ** 2 * 1.0)  # (1 - F)^2 on [3, 4)
    assert scores.crps(x, 5.0, 6.0) > scores.crps(x, 4.0, 6.0) > 0


def test_brier_pit_and_probability():
    assert scores.brier(1.0) == 0.0 and scores.brier(0.5) == 0.25 and scores.brier(0.0) == 1.0
    x = np.array([1.0, 2.0, 2.0, 3.0])
    assert scores.pit(x, 9.0, 9.0) == (1.0, 1.0)  # above every run
    assert scores.pit(x, 0.0, 0.0) == (0.0, 0.0)
    assert scores.pit(x, 2.0, 2.0) == (0.5, 0.5)  # mid-rank of ties
    assert scores.pit(x, 2.0, 3.0) == (0.25, 1.0)
    assert scores.probability(x, 2.0, 3.0) == 0.75


@pytest.fixture(scope="module")
def ensemble(tmp_path_factory):
    """from_2021 for 24 months, 40 runs: its results folder."""
    from recogsim.cli import main

    out = tmp_path_factory.mktemp("score")
    scen = out / "short.yaml"
    scen.write_text(
        yaml.safe_dump({"extends": str(ROOT / "scenarios" / "from_2021.yaml"), "name": "short", "horizon_months": 24})
    )
    assert main(["run", str(scen), "-n", "40", "--seed", "3", "--out", str(out), "--no-plots"]) == 0
    return out / "short"


def _record(tmp_path: Path, facts: list, start: str = "2021-08", end: str = "2023-04") -> Path:
    f = tmp_path / "rec.yaml"
    f.write_text(yaml.safe_dump({"name": "rec", "start": start, "end": end, "facts": facts}, sort_keys=False))
    return f


def test_score_writes_a_row_per_fact_and_lists_facts_out_of_range(ensemble, tmp_path, run_cli):
    facts = [
        {"state": "Tajikistan", "reached": "hosts_diplomats", "not_by": "2023-04", "source": "s"},
        {"mission": "Washington embassy", "event": "closed", "month": "2022-03", "source": "s"},
        {"count": "countries_taliban_presence", "month": "2023-04", "value": 14, "source": "s"},
        {"count": "missions_taliban", "month": "2023-10", "min": 10, "source": "s"},  # after the runs' horizon
    ]
    rc, err = run_cli(
        ["score", ensemble, "--observed", _record(tmp_path, facts, end="2023-10"), "--out", tmp_path / "o"]
    )
    assert rc == 0, err
    table = pd.read_csv(tmp_path / "o" / "scores_rec.csv")
    assert list(table.status) == ["scored", "scored", "scored", "out of range"]
    assert table.score_kind.tolist()[:3] == ["brier", "brier", "crps"]
    assert table.loc[1, "probability"] == 1.0 and table.loc[1, "score"] == 0.0  # the closure is a scheduled event
    assert (tmp_path / "o" / "scores_rec.png").stat().st_size > 10_000
    again = tmp_path / "again"
    assert run_cli(["score", ensemble, "--observed", _record(tmp_path, facts, end="2023-10"), "--out", again])[0] == 0
    assert (again / "scores_rec.csv").read_bytes() == (tmp_path / "o" / "scores_rec.csv").read_bytes()


def test_a_record_with_nothing_to_score_or_a_bad_name_is_one_line(ensemble, tmp_path, run_cli):
    late = [{"count": "missions_taliban", "month": "2024-06", "value": 3, "source": "s"}]
    rc, err = run_cli(["score", ensemble, "--observed", _record(tmp_path, late, end="2024-06"), "--no-plots"])
    assert rc == 2 and err.count("\n") == 1 and "recogsim: error:" in err
    bad = [{"state": "Atlantis", "reached": "hosts_diplomats", "month": "2022-01", "source": "s"}]
    rc, err = run_cli(["score", ensemble, "--observed", _record(tmp_path, bad), "--no-plots"])
    assert rc == 2 and "facts[0].state" in err and err.count("\n") == 1
    rc, err = run_cli(["score", tmp_path / "nowhere", "--observed", _record(tmp_path, bad), "--no-plots"])
    assert rc == 2 and err.count("\n") == 1
    assert not list(ensemble.glob("scores_*"))  # nothing written by a refused command


def test_score_checks_both_files_places_before_writing_either(ensemble, tmp_path, run_cli):
    """A folder where the figure should go was found after the table was written."""
    facts = [{"count": "countries_taliban_presence", "month": "2023-04", "value": 14, "source": "s"}]
    out = tmp_path / "o"
    (out / "scores_rec.png").mkdir(parents=True)
    rc, err = run_cli(["score", ensemble, "--observed", _record(tmp_path, facts), "--out", out])
    assert rc == 2 and err.count("\n") == 1 and "scores_rec.png: --out: expected a file name" in err, err
    assert sorted(p.name for p in out.iterdir()) == ["scores_rec.png"]
