"""Properties of the pure decision rules, on random arrays (seeded) and on the real model."""

import numpy as np
import pytest

from recogsim.config import loading, references
from recogsim.model import incentives as rules
from recogsim.model.model import RecognitionModel

RNG = np.random.default_rng(12345)
N_STATES, N_GROUPS = 9, 5


def random_world(batch=()):
    return dict(
        exposure=RNG.random(batch + (N_STATES, N_GROUPS)),
        strength=RNG.random(batch + (N_GROUPS,)),
        restraint=RNG.random(batch + (N_GROUPS,)),
        isk=RNG.random(batch),
    )


def test_security_motive_never_falls_when_exposure_rises():
    for _ in range(200):
        w = random_world()
        base = rules.security_motive(w["exposure"], w["strength"], w["restraint"], w["isk"], 0.5)
        s, g = RNG.integers(N_STATES), RNG.integers(N_GROUPS)
        more = w["exposure"].copy()
        more[s, g] += RNG.random()
        after = rules.security_motive(more, w["strength"], w["restraint"], w["isk"], 0.5)
        assert after[s] >= base[s]
        others = np.arange(N_STATES) != s
        np.testing.assert_array_equal(after[others], base[others])


def test_conditions_cost_never_falls_when_weight_rises():
    for _ in range(200):
        comp = rules.compliance(RNG.random(), RNG.random(), RNG.random())
        weight = RNG.random(N_STATES)
        heavier = weight + RNG.random(N_STATES)
        shares = RNG.random(3)
        assert np.all(rules.conditions_cost(heavier, comp, shares) >= rules.conditions_cost(weight, comp, shares))


def test_move_probabilities_are_probabilities_and_respect_the_ends():
    th = np.array([0.0, 0.3, 2.8, 3.6, 4.0])
    u = RNG.normal(0, 5, size=10_000)
    lvl = RNG.integers(0, 5, size=10_000)
    up, down = rules.move_probabilities(u, lvl, th, slope=4.0, rate_up=0.7, rate_down=0.3)
    assert np.all((up >= 0) & (up <= 1) & (down >= 0) & (down <= 1))
    assert np.all(up + down <= 1.0 + 1e-12)
    assert np.all(up[lvl == 4] == 0) and np.all(down[lvl == 0] == 0)
    # higher utility: more likely up, less likely down
    up2, down2 = rules.move_probabilities(u + 1.0, lvl, th, 4.0, 0.7, 0.3)
    assert np.all(up2 >= up) and np.all(down2 <= down)


def test_rules_broadcast_over_a_batch_of_replications():
    batch = random_world((4,))
    looped = [
        rules.security_motive(batch["exposure"][b], batch["strength"][b], batch["restraint"][b], batch["isk"][b], 0.5)
        for b in range(4)
    ]
    whole = rules.security_motive(batch["exposure"], batch["strength"], batch["restraint"], batch["isk"], 0.5)
    np.testing.assert_allclose(whole, np.stack(looped))
    levels = RNG.integers(0, 5, size=(4, N_STATES))
    ties = RNG.random((N_STATES, N_STATES))
    np.testing.assert_allclose(rules.peer_pull(ties, levels), np.stack([rules.peer_pull(ties, l) for l in levels]))
    np.testing.assert_allclose(rules.bandwagon(levels, 5), np.stack([rules.bandwagon(l, 5) for l in levels]))


def test_peer_pull_only_pulls_upwards_and_needs_ties():
    levels = np.array([0, 2, 4])
    ties = np.array([[0, 1, 1], [1, 0, 0], [0, 0, 0]], dtype=float)
    pull = rules.peer_pull(ties, levels)
    assert pull[0] == pytest.approx(3.0)  # mean of gaps 2 and 4
    assert pull[1] == 0.0  # its only tie stands lower
    assert pull[2] == 0.0  # no ties


def test_bandwagon_counts_states_at_or_above_the_next_rung():
    levels = np.array([0, 1, 1, 4])
    np.testing.assert_allclose(rules.bandwagon(levels, 5), [3 / 4, 1 / 4, 1 / 4, 0.0])


def test_restraint_is_full_for_hostile_groups_and_grows_with_crackdown():
    hostile = np.array([True, False])
    lo, hi = rules.restraint(0.1, hostile, 0.5), rules.restraint(0.9, hostile, 0.5)
    assert lo[0] == hi[0] == 1.0
    assert 0.5 <= lo[1] < hi[1] <= 1.0


def test_militant_step_stays_in_bounds_and_conserves_the_pool():
    s, pool = RNG.random(1000), RNG.random(1000)
    new, left, defect = rules.militant_step(
        s,
        pool,
        RNG.random(1000),
        RNG.random(1000),
        RNG.random(1000),
        RNG.random(1000),
        RNG.random(1000),
        RNG.random(1000),
    )
    assert np.all((new >= 0) & (new <= 1)) and np.all(left <= pool) and np.all(left >= 0) and np.all(defect >= 0)


def test_conduciveness_and_narrative_are_in_unit_interval_and_monotone():
    k = np.linspace(0, 1, 11)
    c = rules.conduciveness(k, 0.3)
    assert np.all(np.diff(c) <= 0) and c.min() >= 0.3 - 1e-12 and c.max() <= 1
    n = rules.abandoned_jihad_narrative(k)
    assert np.all(np.diff(n) >= 0) and n[0] == 0 and n[-1] == 1


def test_takeover_needs_a_willing_host():
    assert rules.takeover_probability(1.0, 0.25, False) == 0.0
    assert rules.takeover_probability(0.5, 0.25, True) == pytest.approx(0.125)


def _model_with(path, value):
    s = references.apply(loading.load("scenarios/baseline.yaml"), path, value)
    return RecognitionModel(s, seed=1)


def utility(model):
    return rules.state_utility(model.components(), model.weights)


@pytest.mark.parametrize("state", ["Pakistan", "Tajikistan", "Germany"])
def test_in_the_model_more_exposure_never_lowers_the_incentive_to_engage(state):
    low = _model_with(f"states[name={state}].exposure.ISK", 0.1)
    high = _model_with(f"states[name={state}].exposure.ISK", 0.9)
    i = low.state_index[state]
    assert utility(high)[i] > utility(low)[i]
    assert high.move_probabilities(high.components())[0][i] >= low.move_probabilities(low.components())[0][i]


@pytest.mark.parametrize("state", ["China", "France", "United Nations"])
def test_in_the_model_a_heavier_conditions_weight_never_raises_it(state):
    light = _model_with(f"states[name={state}].conditions_weight", 0.1)
    heavy = _model_with(f"states[name={state}].conditions_weight", 0.9)
    i = light.state_index[state]
    assert utility(heavy)[i] < utility(light)[i]
    assert heavy.move_probabilities(heavy.components())[0][i] <= light.move_probabilities(light.components())[0][i]
