"""Splitting an ensemble's spread into what the drawn parameters and what chance contribute."""

from __future__ import annotations

import contextlib
import io
from pathlib import Path

import numpy as np
import pytest
import yaml

from recogsim import cli, run_ensemble
from recogsim.analysis.uncertainty import spread_sources, variance_components
from recogsim.config import loading

DATA = Path(__file__).resolve().parents[1] / "data"


def test_variance_components_recover_known_between_and_within_variances():
    rng = np.random.default_rng(11)
    groups = np.repeat(np.arange(600), 5)
    y = rng.normal(0, 2.0, 600)[groups] + rng.normal(0, 1.0, groups.size)
    between, within = variance_components(y, groups)
    assert between == pytest.approx(4.0, rel=0.15) and within == pytest.approx(1.0, rel=0.08)
    # no group effect at all: the between component is (close to) zero, never negative
    between, within = variance_components(rng.normal(0, 1.0, groups.size), groups)
    assert 0.0 <= between < 0.05 and within == pytest.approx(1.0, rel=0.08)


def test_one_run_per_draw_cannot_be_split():
    assert all(np.isnan(variance_components(np.arange(5.0), np.arange(5))))


@pytest.fixture(scope="module")
def shared(tmp_path_factory):
    f = tmp_path_factory.mktemp("s") / "shared.yaml"
    f.write_text(yaml.safe_dump({"extends": str(DATA / "tiny_uncertain.yaml"), "name": "shared", "runs_per_draw": 3}))
    return f


def test_replications_share_draws_runs_per_draw_at_a_time(shared):
    r = run_ensemble(loading.load(shared), 9, seed=2)
    p = r.parameters
    assert list(p["draw"]) == [0, 0, 0, 1, 1, 1, 2, 2, 2]
    assert (p.groupby("draw")["horizon_months"].nunique() == 1).all()
    assert p.groupby("draw")["horizon_months"].first().nunique() > 1
    # the horizon is drawn, so a run's length is all parameters and no chance
    shares = spread_sources(r.runs, r.parameters, ["months", "missions_taliban"]).set_index("outcome")
    assert shares.loc["months", "from_parameters"] == pytest.approx(1.0)
    assert shares.loc["months", "from_chance"] == pytest.approx(0.0)


def test_the_summary_says_what_the_spread_includes(shared, tmp_path):
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
        rc = cli.main(
            ["run", str(shared), str(DATA / "tiny_uncertain.yaml"), "-n", "6", "--out", str(tmp_path), "--no-plots"]
        )
    assert rc == 0
    text = out.getvalue()
    assert (
        "shared: spread includes 3 parameter(s) drawn per replication, not only chance; share from parameters" in text
    )
    assert (
        "tiny_uncertain: spread includes 3 parameter(s) drawn per replication, not only chance (set runs_per_draw"
        in text
    )


def test_figures_say_their_spread_includes_drawn_parameters(shared):
    import matplotlib

    matplotlib.use("Agg")
    from recogsim import plots

    drawn = run_ensemble(loading.load(shared), 3, seed=1)
    plain = run_ensemble(loading.load(DATA / "tiny.yaml"), 3, seed=1)
    fig = plots.plot_kind("fan", {"shared": drawn, "tiny": plain})
    assert "spread across runs includes parameters drawn per replication (shared)" in fig.get_supxlabel()
    caption = plots.plot_kind("fan", {"tiny": plain}).get_supxlabel()
    assert caption == "3 runs, root seed 1" and "drawn" not in caption  # no parameters drawn: only runs and seed


def test_one_draw_cannot_be_split_and_the_summary_says_so(shared):
    from recogsim.analysis.summary import uncertainty_line

    r = run_ensemble(loading.load(shared), 3, seed=1)  # three runs, one draw
    assert uncertainty_line("shared", r).endswith(
        "the split into parameters and chance needs at least two draws (3 runs each)"
    )


def test_sweep_figures_say_their_spread_includes_drawn_parameters(tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    from recogsim import load_experiment, load_sweep, plots, run_sweep

    exp = tmp_path / "exp.yaml"
    exp.write_text(
        yaml.safe_dump(
            {
                "name": "drawn",
                "scenario": str(DATA / "tiny_uncertain.yaml"),
                "replications": 3,
                "seed": 1,
                "design": {"kind": "grid"},
                "parameters": [{"path": "taliban.lobbying", "values": [0.2, 0.9]}],
            }
        )
    )
    r = load_sweep(run_sweep(load_experiment(exp), tmp_path / "out"))
    fig = plots.plot_sweep_kind("distribution", r, outcome="missions_taliban")
    assert "includes parameters drawn per replication" in fig.get_supxlabel()
