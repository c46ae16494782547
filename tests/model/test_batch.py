"""The batch engine: the same rules as the Mesa engine over a block of replications, results that
depend on the replication alone (not on the block it ran in), the Mesa engine's output record."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import recogsim as rs
from recogsim.config.references import set_values
from recogsim.config.schema import LEVELS
from recogsim.errors import InputError
from recogsim.model import incentives as rules
from recogsim.model.agents import HOSTS
from recogsim.model.batch import Batch, unsupported
from recogsim.model.model import RecognitionModel
from recogsim.runs import blocks
from recogsim.runs.plan import ensemble
from recogsim.runs.runner import draw_block

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(20230401)


TABLES = ("runs", "series", "states", "missions", "parameters")


def short(name: str, months: int = 30) -> rs.Scenario:
    return set_values(rs.load_scenario(ROOT / "scenarios" / f"{name}.yaml"), {"horizon_months": months})


def tables(result) -> dict[str, pd.DataFrame]:
    return {t: getattr(result, t) for t in TABLES if getattr(result, t) is not None}


@pytest.mark.parametrize("name", ["baseline", "adaptive_taliban", "from_2021", "conditions_met", "militant_influx"])
def test_results_depend_on_the_replication_not_on_the_block(name, monkeypatch):
    scenario = short(name)
    whole = tables(rs.run_ensemble(scenario, 7, seed=3, progress=False, engine="batch"))
    monkeypatch.setattr(blocks, "BLOCK", 3)  # blocks of 3, 3 and 1
    parts = tables(rs.run_ensemble(scenario, 7, seed=3, progress=False, engine="batch"))
    for t in whole:
        pd.testing.assert_frame_equal(whole[t], parts[t], check_exact=True)
    if name == "baseline":  # and on two worker processes, the blocks shared between them
        two = tables(rs.run_ensemble(scenario, 7, seed=3, workers=2, progress=False, engine="batch"))
        for t in whole:
            pd.testing.assert_frame_equal(whole[t], two[t], check_exact=True)
    # and the first replications of a larger ensemble are these
    more = tables(rs.run_ensemble(scenario, 9, seed=3, progress=False, engine="batch"))
    pd.testing.assert_frame_equal(more["runs"].iloc[:7], whole["runs"], check_exact=True)


def test_every_table_has_the_mesa_engines_columns_and_types():
    scenario = short("baseline", 12)
    mesa = tables(rs.run_ensemble(scenario, 3, seed=1, progress=False, engine="mesa"))
    batch = tables(rs.run_ensemble(scenario, 3, seed=1, progress=False, engine="batch"))
    assert set(mesa) == set(batch) == set(TABLES)
    for t in TABLES:
        assert list(batch[t].columns) == list(mesa[t].columns), t
        assert batch[t].dtypes.to_dict() == mesa[t].dtypes.to_dict(), t
        assert len(batch[t]) == len(mesa[t]), t
    # the same parameter draws: they come from the draws' own tree, not the engine's stream
    pd.testing.assert_frame_equal(batch["parameters"], mesa["parameters"])


EXTRA = [
    {"path": "world.migration_pressure", "distribution": {"kind": "uniform", "min": 0.2, "max": 1.0}, "reason": "t"},
    {"path": "taliban.crackdown_on.TTP", "distribution": {"kind": "uniform", "min": 0.0, "max": 1.0}, "reason": "t"},
    {"path": "taliban.adaptive.step", "distribution": {"kind": "uniform", "min": 0.02, "max": 0.2}, "reason": "t"},
    {
        "path": "rules.condition_shares.womens_rights",
        "distribution": {"kind": "uniform", "min": 0, "max": 1},
        "reason": "t",
    },
]
"""Parameters of every kind the batch engine draws per replication, beyond the posterior's rules."""


@pytest.mark.parametrize("extra", [False, True])
@pytest.mark.parametrize("precision", [np.float64, np.float32])
def test_the_block_evaluates_each_replication_as_the_mesa_model_does(extra, precision, monkeypatch):
    """The rules over (R, states) arrays give, row by row, what they give one run at a time: to
    the last bits in double precision, to single precision's in the batch engine's float32."""
    monkeypatch.setattr(Batch, "UTILITY_DTYPE", precision)
    rtol, atol = (1e-12, 1e-15) if precision is np.float64 else (2e-6, 2e-6)
    scenario = short("adaptive_taliban", 40)
    if extra:
        scenario = set_values(scenario, {"uncertain": [*scenario.canonical()["uncertain"], *EXTRA]})
    drawn, _ = draw_block(scenario, 5, np.arange(4), ensemble(scenario, 4, 5).joint)
    assert not extra or {e["path"] for e in EXTRA} <= set(drawn)
    batch = Batch(scenario, [11, 12, 13, 14], drawn)
    for _ in range(25):
        batch.step()
    block = batch.components()
    up, down = batch.move_probabilities(block)
    for r in range(batch.R):
        one = RecognitionModel(set_values(scenario, {p: float(v[r]) for p, v in drawn.items()}), seed=0)
        one.levels, one.strength = batch.levels[r].copy(), batch.strength[r].copy()
        one.resistance_strengths = batch.resistance_strengths[r].copy()
        one.post_held, one.post_open = batch.post_held[r].copy(), batch.post_open[r].copy()
        one.record_crackdown, one.record_concessions = batch.record_crackdown[r], batch.record_concessions[r]
        one.taliban.crackdown, one.taliban.concessions = batch.crackdown[r], float(batch.concessions[r])
        one.taliban.lobbying, one.month = float(batch.lobbying[r]), batch.month
        for q, agent in enumerate(one.resistance_agents):
            agent.host = None if batch.sanctuary[r, q] < 0 else int(batch.sanctuary[r, q])
        comp = one.components()
        shape = (2, len(one.levels))
        for term, value in comp.items():
            mine = np.broadcast_to(block[term], (batch.R, *shape))[r]
            np.testing.assert_allclose(mine, np.broadcast_to(value, shape), rtol, max(atol, 1e-12), err_msg=term)
        p_up, p_down = one.move_probabilities(comp)
        np.testing.assert_allclose(up[r], p_up, rtol=rtol, atol=atol)
        np.testing.assert_allclose(down[r], p_down, rtol=rtol, atol=atol)


def test_peer_pull_over_a_block_is_the_dense_sum(rng):
    ties = np.where(rng.random((9, 9)) < 0.3, rng.random((9, 9)), 0.0)
    np.fill_diagonal(ties, 0.0)
    levels = rng.integers(0, 5, size=(50, 9))
    block = rules.peer_pull(ties, levels)
    rows = np.stack([rules.peer_pull(ties, lv) for lv in levels])
    np.testing.assert_allclose(block, rows, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("runs", [40, 400])  # 400 x 12 states: above arrays.SMALL, the block's own sums
@pytest.mark.parametrize("groups", [1, 3, 7, 9])
def test_exposure_sums_over_a_block_are_numpys_sums_bit_for_bit(rng, groups, runs):
    exposure = np.where(rng.random((12, groups)) < 0.5, rng.random((12, groups)), 0.0)
    strength, floor = rng.random((runs, groups)), rng.random(runs)
    hostile = np.arange(groups) == 0
    k = rng.random((runs, groups))
    threat = strength * rules.restraint(k, hostile, floor)
    dense = np.sum(exposure * threat[..., None, :], axis=-1)
    np.testing.assert_array_equal(
        rules.security_motive(exposure, strength, rules.restraint(k, hostile, floor), 0.0, 0.0), dense
    )
    loose = strength * np.where(hostile, 0.0, 1.0 - k)
    np.testing.assert_array_equal(
        rules.sheltering_cost(exposure, strength, k, hostile), np.sum(exposure * loose[..., None, :], axis=-1)
    )


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("rungs_of", ["next and own", "the bottom only"])
def test_bandwagon_counts_as_comparing_every_pair(rng, dtype, rungs_of):
    levels = rng.integers(0, 5, size=(30, 8))
    counted = np.array([True] * 7 + [False])
    top = np.where(counted, 4, HOSTS)
    rungs = np.stack([np.minimum(levels + 1, top), levels], axis=-2)
    if rungs_of == "the bottom only":  # levels above every rung asked about
        rungs = np.zeros_like(rungs)
    block = rules.bandwagon(levels, rungs, counted, dtype)
    assert block.dtype == dtype
    for r in range(len(levels)):  # the pairwise definition, written out
        at = ((levels[r][None, None, :] >= rungs[r][:, :, None]) & counted).sum(-1)
        at_self = counted & (levels[r] >= rungs[r])
        expected = np.divide(at - at_self, np.maximum(counted.sum() - counted, 1), dtype=dtype)
        np.testing.assert_array_equal(block[r], expected)


def test_only_scalars_of_rules_world_and_taliban_are_drawn_per_replication():
    s = rs.load_scenario(ROOT / "tests" / "data" / "tiny_uncertain.yaml")
    assert unsupported(s, ["rules.thresholds.de_facto", "world.migration_pressure", "taliban.lobbying"]) is None
    assert "states[bloc=neighbour]" in unsupported(s, ["states[bloc=neighbour].economic_interest"])
    assert "horizon_months" in unsupported(s, ["horizon_months"])
    with pytest.raises(InputError, match="batch engine"):
        rs.run_ensemble(s, 2, progress=False, engine="batch")
    assert rs.run_ensemble(s, 2, progress=False, engine="auto").manifest["engine"] == "mesa"


def test_a_one_point_sweep_without_series_repeats_the_ensembles_runs(tmp_path):
    """Without series the block keeps only the last month; the outcomes are the same."""
    from recogsim.runs.plan import load_experiment
    from recogsim.runs.runner import run_sweep

    exp = tmp_path / "one.yaml"
    exp.write_text(
        f"name: one\nscenario: {ROOT / 'scenarios' / 'from_2021.yaml'}\nreplications: 6\nseed: 2\nengine: batch\n"
        "design: {kind: grid}\nparameters:\n  - {path: world.consular_demand, values: [1.0]}\n"
        "outcomes: [first_recognition_month, countries_taliban_presence, missions_taliban, legitimacy,\n"
        "           max_level_china]\n"
    )
    sweep = rs.load_sweep(run_sweep(load_experiment(exp), tmp_path / "out", progress=False))
    assert sweep.manifest["engine"] == "batch"
    ens = rs.run_ensemble(rs.load_scenario(ROOT / "scenarios" / "from_2021.yaml"), 6, seed=2, progress=False)
    for col in ("first_recognition_month", "countries_taliban_presence", "missions_taliban", "legitimacy"):
        pd.testing.assert_series_equal(sweep.runs[col], ens.runs[col], check_names=False)
    china = ens.states[ens.states["state"] == "China"]["max_level"].map(LEVELS.index)
    assert sweep.runs["max_level_china"].tolist() == china.tolist()
