"""Model invariants and events, through the public model API on the shipped baseline."""

import numpy as np
import pytest

from recogsim.config import loading, references, schema
from recogsim.config.schema import slug
from recogsim.model.agents import HOSTS, Mission, State
from recogsim.model.model import RecognitionModel

LADDER_TOP = len(schema.LEVELS) - 1


@pytest.fixture(scope="module")
def baseline():
    return loading.load("scenarios/baseline.yaml")


def with_events(s, *events, **changes):
    data = s.canonical()
    data["events"] = data["events"] + list(events)
    data.update(changes)
    return loading.validate(data)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_invariants_hold_every_month(baseline, seed):
    m = RecognitionModel(baseline, seed=seed)
    n_posts = len(baseline.missions)
    closed_before: set[str] = set()
    while m.running:
        m.step()
        ctrl = [p.controller for p in m.agents_by_type[Mission]]
        assert all(c in schema.CONTROLLERS for c in ctrl)
        obs = m.observation
        assert len(ctrl) == n_posts == obs["missions_taliban"] + obs["missions_republic"] + obs["missions_closed"]
        by_cause = sum(obs[f"missions_closed_{c}"] for c in ("initial", "funds", "host", "event"))
        assert by_cause == obs["missions_closed"]  # every closure has exactly one recorded cause
        np.testing.assert_array_equal(m.post_held, [c == "taliban" for c in ctrl])  # the post channel's counts
        np.testing.assert_array_equal(m.post_open, [c != "closed" for c in ctrl])
        assert np.all((m.levels >= 0) & (m.levels <= LADDER_TOP))
        assert np.all(m.max_levels >= m.levels)
        for post in m.agents_by_type[Mission]:
            if post.controller == "taliban":  # a post changes hands only where its host allows it
                assert m.levels[post.host] >= HOSTS
        closed_now = {p.name for p in m.agents_by_type[Mission] if p.controller == "closed"}
        assert closed_before <= closed_now  # closed posts stay closed
        closed_before = closed_now
    assert m.month == baseline.horizon_months
    df = m.datacollector.get_model_vars_dataframe()
    assert len(df) == baseline.horizon_months + 1
    assert df["missions_changed_hands"].is_monotonic_increasing


def test_the_snapshot_is_the_starting_point(baseline):
    obs = RecognitionModel(baseline, seed=0).observation
    m = RecognitionModel(baseline, seed=0)
    assert obs["countries_taliban_presence"] == 14
    assert obs["de_jure_count"] == 0 and obs["de_facto_count"] == 0 and obs["western_missions_taliban"] == 0
    assert obs["missions_taliban"] + obs["missions_republic"] + obs["missions_closed"] == 65
    assert obs["missions_closed"] == obs["missions_closed_initial"] == 3  # the US posts (seed 000)
    names = {a.name for a in m.agents_by_type[State] if a.level >= HOSTS}
    assert {"Pakistan", "Iran", "China", "Turkmenistan", "Uzbekistan", "Russia", "Turkey", "Indonesia"} <= names
    assert "Tajikistan" not in names


def test_same_seed_same_history_other_seed_other_history(baseline):
    def history(seed):
        m = RecognitionModel(baseline, seed=seed)
        m.run()
        return m.datacollector.get_model_vars_dataframe()

    a, b, c = history(7), history(7), history(8)
    assert a.equals(b)
    assert not a.equals(c)


def test_relation_event_moves_the_level_and_closing_below_hosts_closes_taliban_posts(baseline):
    still = references.apply(references.apply(baseline, "rules.rate_up", 0.0), "rules.rate_down", 0.0)
    s = with_events(
        still,  # no state moves by itself, so every change below is the events' doing
        {"month": 2, "kind": "relation", "state": "Tajikistan", "level": "hosts_diplomats"},
        {"month": 4, "kind": "relation", "state": "Pakistan", "level": "engaged"},
        horizon_months=5,
    )
    m = RecognitionModel(s, seed=0)
    tajik, pak = m.state_agents[m.state_index["Tajikistan"]], m.state_index["Pakistan"]
    nrf = next(r for r in m.resistance_agents if r.name == "NRF")
    m.step()
    assert tajik.level < HOSTS and nrf.host is not None
    m.step()
    assert tajik.level == HOSTS
    assert nrf.host is None  # a host that reaches withdraw_level withdraws sanctuary
    m.step()
    assert any(p.controller == "taliban" for p in m.mission_agents if p.host == pak)
    m.step()
    assert all(p.controller == "closed" for p in m.mission_agents if p.host == pak)
    assert all(p.closed_by == "host" for p in m.mission_agents if p.host == pak)
    assert m.observation["missions_closed_host"] == sum(p.host == pak for p in m.mission_agents)


def test_close_influx_and_withdraw_events(baseline):
    s = with_events(
        baseline,
        {"month": 1, "kind": "close_mission", "mission": "London embassy"},
        {"month": 1, "kind": "influx", "group": "TIP", "amount": 0.2},
        {"month": 1, "kind": "withdraw_sanctuary", "resistance": "NRF"},
        horizon_months=3,
    )
    m = RecognitionModel(s, seed=0)
    tip = [g.name for g in s.militants].index("TIP")
    pool_before = m.pool[tip]
    m.step()
    london = next(p for p in m.mission_agents if p.name == "London embassy")
    assert london.controller == "closed" and london.closed_by == "event"
    assert m.observation["missions_closed_event"] == 1
    assert m.pool[tip] == pytest.approx(pool_before - 0.2, abs=0.02)  # minus this month's ordinary returns
    assert m.strength[tip] > 0.25
    assert next(r for r in m.resistance_agents if r.name == "NRF").host is None


def test_set_event_changes_a_parameter_from_its_month(baseline):
    s = with_events(
        baseline,
        {"month": 3, "kind": "set", "path": "taliban.crackdown", "value": 0.9},
        {"month": 3, "kind": "set", "path": "world.consular_demand", "value": 0.0},
        horizon_months=4,
    )
    m = RecognitionModel(s, seed=0)
    named = np.array([g.name in s.taliban.crackdown_on for g in s.militants])  # the TTP keeps its own lever
    allied = np.array([g.stance == "allied" for g in s.militants])
    assert named.any() and (allied & ~named).any()
    m.step()
    m.step()
    assert m.taliban.crackdown[allied & ~named] == pytest.approx(0.3)
    m.step()
    assert m.taliban.crackdown[allied & ~named] == pytest.approx(0.9)
    assert m.taliban.crackdown[named] == pytest.approx(
        [s.taliban.crackdown_on[g.name] for g, n in zip(s.militants, named, strict=True) if n]
    )
    assert m.scenario.world.consular_demand == 0.0 and np.all(m.revenue == 0.0)


def test_a_set_event_on_one_groups_lever_moves_that_group_only(baseline):
    """``taliban.crackdown_on.TTP`` moves the TTP's crackdown and no other group's."""
    s = with_events(baseline, {"month": 2, "kind": "set", "path": "taliban.crackdown_on.TTP", "value": 0.8})
    m = RecognitionModel(s, seed=0)
    m.step()
    before = m.taliban.crackdown.copy()
    m.step()
    ttp = [g.name for g in s.militants].index("TTP")
    assert before[ttp] == 0.0 and m.taliban.crackdown[ttp] == pytest.approx(0.8)
    others = np.arange(len(before)) != ttp
    np.testing.assert_array_equal(m.taliban.crackdown[others], before[others])


def test_adaptive_taliban_moves_its_levers_by_at_most_a_step(baseline):
    s = references.apply(references.apply(baseline, "taliban.mode", "adaptive"), "horizon_months", 24)
    m = RecognitionModel(s, seed=3)
    step = s.taliban.adaptive.step
    allied = [g.name for g in s.militants if g.stance == "allied"]
    # the crackdown is a lever per allied group (pressure_<group>); ISK is fought whatever the policy
    levers = (*(f"pressure_{slug(g)}" for g in allied), "concessions", "lobbying")
    prev = np.array([m.observation[k] for k in levers])
    moved = False
    while m.running:
        m.step()
        now = np.array([m.observation[k] for k in levers])
        assert np.all(np.abs(now - prev) <= step + 1e-9) and np.all((now >= 0) & (now <= 1))
        assert np.count_nonzero(np.abs(now - prev) > 1e-12) <= 1  # coordinate search: one lever a month
        assert m.observation["crackdown"] == pytest.approx(now[: len(allied)].mean())
        assert m.observation["pressure_isk"] == 1.0
        moved |= bool(np.any(now != prev))
        prev = now
    assert moved


def test_unfunded_posts_downsize_then_close(baseline):
    s = references.apply(references.apply(baseline, "world.consular_demand", 0.0), "horizon_months", 30)
    # no takeovers, so a Republic post stays Republic until it closes (a post taken over and then closed
    # because its host stepped back below hosting diplomats would close for another cause)
    s = references.apply(s, "rules.takeover_rate", 0.0)
    m = RecognitionModel(s, seed=0)
    downsized, closed = {}, {}
    while m.running:
        m.step()
        for p in m.mission_agents:
            if p.downsized:
                downsized.setdefault(p.name, m.month)
            if p.controller == "closed":
                closed.setdefault(p.name, m.month)
    # no revenue: Republic posts (no subsidy) run out of 6 months' reserves, downsize, then close
    assert m.observation["missions_republic"] == 0
    republic = {p.name for p in baseline.missions if p.controller == "republic"}
    assert republic <= set(closed)
    for name in republic:  # every one downsized first, and strictly before it closed
        assert name in downsized and downsized[name] < closed[name], name
    assert {p.closed_by for p in m.mission_agents if p.name in republic} == {"funds"}
    assert m.observation["missions_closed_funds"] >= len(republic)


def test_a_recognition_present_at_the_start_counts_from_month_0(baseline):
    data = baseline.canonical()
    data["horizon_months"] = 2
    for st in data["states"]:
        if st["name"] == "Turkmenistan":
            st["level"] = "de_jure"
    m = RecognitionModel(loading.validate(data), seed=0)
    m.run()
    assert m.outcome()["first_recognition_month"] == 0
    assert m.outcome()["first_recognizer"] == "Turkmenistan"
