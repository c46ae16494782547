"""Properties of the pure decision rules, on random arrays (seeded) and on the real model."""

import numpy as np
import pytest

from recogsim.config import loading, references
from recogsim.model import incentives as rules
from recogsim.model.model import RecognitionModel

N_STATES, N_GROUPS = 9, 5


@pytest.fixture
def rng() -> np.random.Generator:
    """A fresh generator per test, so what a test draws does not depend on which tests ran before it."""
    return np.random.default_rng(12345)


def random_world(rng: np.random.Generator, batch: tuple[int, ...] = ()) -> dict[str, np.ndarray]:
    return dict(
        exposure=rng.random((*batch, N_STATES, N_GROUPS)),
        strength=rng.random((*batch, N_GROUPS)),
        restraint=rng.random((*batch, N_GROUPS)),
        isk=rng.random(batch),
    )


def test_security_motive_never_falls_when_exposure_rises(rng):
    for _ in range(200):
        w = random_world(rng)
        base = rules.security_motive(w["exposure"], w["strength"], w["restraint"], w["isk"], 0.5)
        s, g = rng.integers(N_STATES), rng.integers(N_GROUPS)
        more = w["exposure"].copy()
        extra = 0.01 + rng.random()
        more[s, g] += extra
        after = rules.security_motive(more, w["strength"], w["restraint"], w["isk"], 0.5)
        # strength and restraint are positive here, so the motive must actually rise, by the added
        # exposure times the group's threat; only the state whose exposure changed moves
        assert after[s] > base[s]
        assert after[s] - base[s] == pytest.approx(extra * w["strength"][g] * w["restraint"][g])
        others = np.arange(N_STATES) != s
        np.testing.assert_array_equal(after[others], base[others])


def test_conditions_cost_never_falls_when_weight_rises(rng):
    hostile = np.array([True] + [False] * (N_GROUPS - 1))  # ISK first, then allied groups
    for _ in range(200):
        comp = rules.compliance(rng.random(), rng.random(N_GROUPS), rng.random(N_GROUPS), hostile, rng.random())
        assert comp.shape == (3,) and np.all((comp >= 0) & (comp < 1))
        weight = rng.random(N_STATES)
        heavier = weight + 0.01 + rng.random(N_STATES)
        shares = 0.01 + rng.random(3)
        light_cost, heavy_cost = (
            rules.conditions_cost(weight, comp, shares),
            rules.conditions_cost(heavier, comp, shares),
        )
        assert np.all(light_cost >= 0)
        # the conditions are partly unmet (compliance < 1), so a heavier weight costs strictly more
        assert np.all(heavy_cost > light_cost)
    assert np.all(rules.conditions_cost(weight, np.ones(3), shares) == 0)  # fully met: no cost at any weight


def test_compliance_counts_the_crackdown_on_allied_groups_by_strength_up_to_the_ceiling():
    hostile = np.array([True, False, False])
    strength = np.array([0.9, 0.6, 0.2])
    comp = rules.compliance(0.4, np.array([0.0, 1.0, 0.0]), strength, hostile, 0.6)
    # concessions move the first two conditions; the break is 0.6 x the strength-weighted crackdown
    np.testing.assert_allclose(comp, [0.4, 0.4, 0.6 * 0.6 / 0.8])
    # the crackdown on ISK is not read (the Taliban fights it whatever its policy)
    np.testing.assert_allclose(rules.compliance(0.4, np.array([1.0, 1.0, 0.0]), strength, hostile, 0.6), comp)
    # a crackdown on the strong group counts for more than the same crackdown on the weak one
    weak = rules.compliance(0.4, np.array([0.0, 0.0, 1.0]), strength, hostile, 0.6)
    assert weak[2] < comp[2]
    # even a full crackdown on every allied group breaks with al-Qaeda only up to the ceiling
    assert rules.compliance(0.0, np.ones(3), strength, hostile, 0.6)[2] == pytest.approx(0.6)


def test_move_probabilities_are_probabilities_and_respect_the_ends(rng):
    th = np.array([0.0, 0.3, 2.8, 3.6, 4.0])
    # row 0: utility of the next rung up (climb?), row 1: utility of the own rung (hold?)
    u = rng.normal(0, 5, size=(2, 10_000))
    lvl = rng.integers(0, 5, size=10_000)
    up, down = rules.move_probabilities(u, lvl, th, rate_up=0.7, rate_down=0.3)
    assert up.shape == down.shape == lvl.shape
    assert np.all((up >= 0) & (up <= 0.7) & (down >= 0) & (down <= 0.3))  # capped by the rates
    assert np.all(up + down <= 1.0 + 1e-12)
    assert (lvl == 4).any() and (lvl == 0).any()
    assert np.all(up[lvl == 4] == 0) and np.all(down[lvl == 0] == 0)
    assert np.any(up[lvl < 4] > 0) and np.any(down[lvl > 0] > 0)  # the ends are special, not the rule
    # higher utility: more likely up, less likely down; strictly so wherever the logistic is not saturated
    up2, down2 = rules.move_probabilities(u + 1.0, lvl, th, 0.7, 0.3)
    assert np.all(up2 >= up) and np.all(down2 <= down)
    moving_up = (lvl < 4) & (up > 0) & (up < 0.7)
    moving_down = (lvl > 0) & (down > 0) & (down < 0.3)
    assert moving_up.sum() > 100 and moving_down.sum() > 100
    assert np.all(up2[moving_up] > up[moving_up]) and np.all(down2[moving_down] < down[moving_down])
    # rung-specific: climbing reads only the next rung's utility and sliding only the own rung's
    only_next, only_own = u + np.array([[1.0], [0.0]]), u + np.array([[0.0], [1.0]])
    up3, down3 = rules.move_probabilities(only_next, lvl, th, 0.7, 0.3)
    np.testing.assert_array_equal(down3, down)
    np.testing.assert_array_equal(up3, up2)
    up4, down4 = rules.move_probabilities(only_own, lvl, th, 0.7, 0.3)
    np.testing.assert_array_equal(up4, up)
    np.testing.assert_array_equal(down4, down2)
    # each is logistic in SLOPE x (utility - threshold): a climb at the threshold is half the rate
    at = rules.move_probabilities(np.array([[th[2]], [9.0]]), np.array([1]), th, 0.7, 0.3)
    assert at[0][0] == pytest.approx(0.35)
    one_logit = rules.move_probabilities(np.array([[th[2] + 1 / rules.SLOPE], [9.0]]), np.array([1]), th, 0.7, 0.3)
    assert one_logit[0][0] == pytest.approx(0.7 / (1 + np.exp(-1.0)))
    # an entity's own top rung (the UN's seat) caps its climb like the ladder's top
    top = np.where(np.arange(10_000) % 2 == 0, 2, 4)
    up5, _ = rules.move_probabilities(u, lvl, th, 0.7, 0.3, top)
    assert np.all(up5[lvl >= top] == 0) and np.any(up[(lvl == 2) & (top == 2)] > 0)
    np.testing.assert_array_equal(up5[lvl < top], up[lvl < top])


def test_rules_broadcast_over_a_batch_of_replications(rng):
    batch = random_world(rng, (4,))
    looped = [
        rules.security_motive(batch["exposure"][b], batch["strength"][b], batch["restraint"][b], batch["isk"][b], 0.5)
        for b in range(4)
    ]
    whole = rules.security_motive(batch["exposure"], batch["strength"], batch["restraint"], batch["isk"], 0.5)
    np.testing.assert_allclose(whole, np.stack(looped))
    levels = rng.integers(0, 5, size=(4, N_STATES))
    ties = rng.random((N_STATES, N_STATES))
    np.testing.assert_allclose(rules.peer_pull(ties, levels), np.stack([rules.peer_pull(ties, row) for row in levels]))
    hostile = np.arange(N_GROUPS) == 0
    k = rng.random((4, N_GROUPS))
    np.testing.assert_allclose(
        rules.sheltering_cost(batch["exposure"], batch["strength"], k, hostile),
        np.stack([rules.sheltering_cost(batch["exposure"][b], batch["strength"][b], k[b], hostile) for b in range(4)]),
    )
    vis = rng.random(N_GROUPS)
    np.testing.assert_allclose(
        rules.visible_links(vis, batch["strength"], k, hostile, 0.6),
        [rules.visible_links(vis, batch["strength"][b], k[b], hostile, 0.6) for b in range(4)],
    )


def test_bandwagon_broadcasts_over_a_batch_of_replications(rng):
    # as many replications as states, so a wrong alignment of the axes gives wrong numbers, not only an error
    levels = rng.integers(0, 5, size=(N_STATES, N_STATES))
    rungs = np.minimum(levels + 1, 4)
    counted = np.arange(N_STATES) != 3
    np.testing.assert_allclose(
        rules.bandwagon(levels, rungs, counted),
        np.stack([rules.bandwagon(row, r, counted) for row, r in zip(levels, rungs, strict=True)]),
    )


def test_allied_means_broadcast_over_a_batch_of_replications(rng):
    strength, k = rng.random((4, N_GROUPS)), rng.random((4, N_GROUPS))
    hostile = np.arange(N_GROUPS) == 0
    np.testing.assert_allclose(
        rules.allied_mean(k, strength, hostile), [rules.allied_mean(k[b], strength[b], hostile) for b in range(4)]
    )
    np.testing.assert_allclose(
        rules.abandoned_jihad_narrative(k, strength, hostile),
        [rules.abandoned_jihad_narrative(k[b], strength[b], hostile) for b in range(4)],
    )


def test_peer_pull_only_pulls_upwards_and_needs_ties():
    levels = np.array([0, 2, 4])
    ties = np.array([[0, 1, 1], [1, 0, 0], [0, 0, 0]], dtype=float)
    pull = rules.peer_pull(ties, levels)
    assert pull[0] == pytest.approx(3.0)  # mean of gaps 2 and 4
    assert pull[1] == 0.0  # its only tie stands lower
    assert pull[2] == 0.0  # no ties


def test_bandwagon_counts_the_other_states_at_or_above_a_rung():
    levels = np.array([0, 1, 1, 4])
    counted = np.ones(4, dtype=bool)
    # the next rung up (4 is the top, so the top state looks at its own rung): of the three others
    np.testing.assert_allclose(rules.bandwagon(levels, np.minimum(levels + 1, 4), counted), [1, 1 / 3, 1 / 3, 0])
    # the own rung: a state never counts itself, so the state alone at the top has nobody beside it
    np.testing.assert_allclose(rules.bandwagon(levels, levels, counted), [1, 2 / 3, 2 / 3, 0])
    # both rungs at once, as utility_terms asks (rung on the second-last axis)
    both = rules.bandwagon(levels, np.stack([np.minimum(levels + 1, 4), levels]), counted)
    np.testing.assert_allclose(both, [[1, 1 / 3, 1 / 3, 0], [1, 2 / 3, 2 / 3, 0]])


def test_restraint_is_full_for_hostile_groups_and_grows_with_crackdown():
    hostile = np.array([True, False])
    lo, hi = rules.restraint(0.1, hostile, 0.5), rules.restraint(0.9, hostile, 0.5)
    assert lo[0] == hi[0] == 1.0
    assert 0.5 <= lo[1] < hi[1] <= 1.0


def test_militant_step_stays_in_bounds_and_conserves_the_pool(rng):
    s, pool = rng.random(1000), rng.random(1000)
    new, left, defect = rules.militant_step(
        s,
        pool,
        rng.random(1000),
        rng.random(1000),
        rng.random(1000),
        rng.random(1000),
        rng.random(1000),
        rng.random(1000),
    )
    assert np.all((new >= 0) & (new <= 1)) and np.all(left <= pool) and np.all(left >= 0) and np.all(defect >= 0)
    # conservation: without recruitment or losses, every fighter who leaves the pool abroad joins the
    # group (wherever the group is not already at full strength), and nobody defects
    zero = np.zeros(1000)
    new, left, defect = rules.militant_step(
        s, pool, zero, rng.random(1000), zero, rng.random(1000), rng.random(1000), rng.random(1000)
    )
    returned = pool - left
    assert np.all(returned > 0)
    below_cap = new < 1
    assert below_cap.sum() > 100
    np.testing.assert_allclose(new[below_cap], s[below_cap] + returned[below_cap])
    np.testing.assert_array_equal(defect, 0.0)
    # and those who defect are among those the group lost, never more
    new, _, defect = rules.militant_step(s, pool, zero, np.ones(1000), rng.random(1000), zero, zero, rng.random(1000))
    assert np.all(defect > 0) and np.all(defect <= s - new + 1e-12)


def test_conduciveness_and_narrative_are_in_unit_interval_and_monotone():
    k = np.linspace(0, 1, 11)
    c = rules.conduciveness(k, 0.3)
    # strictly falling with the crackdown, from fully conducive to the minority-violence floor
    assert np.all(np.diff(c) < 0) and c[0] == pytest.approx(1.0) and c[-1] == pytest.approx(0.3)
    assert c.min() >= 0.3 - 1e-12 and c.max() <= 1
    hostile = np.array([True, False, False])
    strength = np.array([0.5, 0.6, 0.2])
    # the same crackdown on every allied group (one row per level of it)
    n = rules.abandoned_jihad_narrative(k[:, None] * np.ones(3), strength, hostile)
    assert n.shape == k.shape
    assert np.all(np.diff(n) > 0) and n[0] == 0 and n[-1] == pytest.approx(1)
    assert np.all((n >= 0) & (n <= 1))
    # convex: restricting allies quietly is tolerated, turning on them is what feeds ISK (002)
    assert np.all(np.diff(n, 2) > 0)
    # turning on the strong ally is seen more than turning on the weak one; ISK's own pressure is no part of it
    on_strong = rules.abandoned_jihad_narrative(np.array([0.0, 1.0, 0.0]), strength, hostile)
    on_weak = rules.abandoned_jihad_narrative(np.array([0.0, 0.0, 1.0]), strength, hostile)
    assert on_strong == pytest.approx(0.75) and on_weak == pytest.approx(0.25)
    assert rules.abandoned_jihad_narrative(np.array([1.0, 0.0, 0.0]), strength, hostile) == 0
    # ISK recruits from the narrative, logistic in its own strength
    assert rules.narrative_recruits(0.05, on_strong, 0.4) == pytest.approx(0.05 * 0.75 * 0.6)
    assert rules.narrative_recruits(0.05, on_strong, 1.0) == 0


def test_takeover_needs_a_willing_host():
    assert rules.takeover_probability(1.0, 0.25, False) == 0.0
    assert rules.takeover_probability(0.5, 0.25, True) == pytest.approx(0.125)


def _model_with(path, value):
    s = references.apply(loading.load("scenarios/baseline.yaml"), path, value)
    return RecognitionModel(s, seed=1)


def utility(model):
    """(2, states): each state's utility of its next rung up (row 0) and of its own rung (row 1)."""
    return rules.state_utility(model.components(), model.weights)


@pytest.mark.parametrize("state", ["Pakistan", "Tajikistan", "Germany"])
def test_in_the_model_more_exposure_never_lowers_the_incentive_to_engage(state):
    low = _model_with(f"states[name={state}].exposure.ISK", 0.1)
    high = _model_with(f"states[name={state}].exposure.ISK", 0.9)
    i = low.state_index[state]
    assert utility(high).shape == (2, len(low.state_agents))
    assert np.all(utility(high)[:, i] > utility(low)[:, i])  # both the next rung and the own rung
    up_high, down_high = high.move_probabilities(high.components())
    up_low, down_low = low.move_probabilities(low.components())
    assert up_high[i] >= up_low[i] and down_high[i] <= down_low[i]


@pytest.mark.parametrize("state", ["China", "France", "United Nations"])
def test_in_the_model_a_heavier_conditions_weight_never_raises_it(state):
    light = _model_with(f"states[name={state}].conditions_weight", 0.1)
    heavy = _model_with(f"states[name={state}].conditions_weight", 0.9)
    i = light.state_index[state]
    # charged fully on the recognition rungs and in part below them, so both rows fall
    assert np.all(utility(heavy)[:, i] < utility(light)[:, i])
    up_heavy, down_heavy = heavy.move_probabilities(heavy.components())
    up_light, down_light = light.move_probabilities(light.components())
    assert up_heavy[i] <= up_light[i] and down_heavy[i] >= down_light[i]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_state_utility_is_the_sum_of_its_term_contributions_bit_for_bit(rng, dtype):
    """The page shows ``term_contributions``; the engines use ``state_utility``, which sums the same
    products in place: the two must agree exactly, with scalar or per-replication weights, broadcast
    rung axes, and in the batch engine's float32."""
    runs = 7
    terms = {
        name: rng.normal(size=(runs, 1 if k % 3 == 0 else 2, N_STATES)).astype(dtype)
        for k, name in enumerate(rules.UTILITY_TERMS)
    }
    for per_run in (False, True):
        w = {
            weight: (rng.random(runs) * 5 if per_run else float(rng.random() * 5))
            for _, weight in rules.UTILITY_TERMS.values()
            if weight is not None
        }
        total = np.zeros((), dtype)
        for part in rules.term_contributions(terms, w).values():
            total = total + part
        got = rules.state_utility(terms, w)
        assert got.shape == (runs, 2, N_STATES)
        np.testing.assert_array_equal(got, total)
