"""The Mesa model: monthly steps from a scenario's start to its horizon.

Order within a month (documented in docs/model.md, "Process overview and scheduling"):
scheduled events -> Taliban sets its levers -> militant groups (allied first, so their defectors
reach ISK the same month) -> resistance -> every state's move probabilities are evaluated against
last month's world and states act in random order -> posts pay their month and may change
hands -> observations are collected.
"""

from __future__ import annotations

from typing import Any

import mesa
from mesa.agent import AgentSet
import numpy as np

from . import incentives as rules
from . import scenario as sc
from .agents import DE_JURE, HOSTS, MilitantGroup, Mission, Resistance, State, Taliban
from .scenario import LEVELS, Scenario

DE_FACTO = LEVELS.index("de_facto")
N_RUNGS = len(LEVELS)
COMPONENTS = ("security", "migration", "economic", "peer", "bandwagon", "lobbying",
              "conditions", "militant_links", "resistance", "alternative")
"""Utility terms recorded per state so analysts can see why a state moved."""


INDEX_COLUMNS = ("legitimacy", "crackdown", "concessions", "lobbying", "resistance_strength")
"""Series columns that are real-valued indices; every other series column is a count."""


def is_index_column(name: str) -> bool:
    return name in INDEX_COLUMNS or name.startswith("strength_")


def slug(name: str) -> str:
    return "".join(ch if ch.isalnum() else "_" for ch in name.lower()).strip("_")


class RecognitionModel(mesa.Model):
    """States, the Taliban, militant groups, resistance groups and posts abroad, one step a month."""

    def __init__(self, scenario: Scenario, seed: int | None = None):
        super().__init__(seed=seed)
        self.scenario = scenario
        self.month = 0
        self.horizon = scenario.horizon_months
        self._build_agents()
        self._load_parameters()
        # a scenario may start with recognitions already made: the first is then at month 0
        recognized = [a.name for a in self.state_agents if self.levels[a.idx] == DE_JURE]
        self.first_recognition: tuple[int, str] | None = (0, recognized[0]) if recognized else None
        self.handovers = 0
        self._events = sorted(enumerate(scenario.events), key=lambda e: (e[1].month, e[0]))
        self._apply_events(0)
        self.datacollector = mesa.DataCollector(model_reporters={k: k for k in self.series_columns()})
        self._observe()
        self.datacollector.collect(self)

    # ---------------------------------------------------------------- construction
    def _build_agents(self) -> None:
        s = self.scenario
        self.state_index = {st.name: i for i, st in enumerate(s.states)}
        self.levels = np.array([sc.level_index(st.level) for st in s.states], dtype=np.int64)
        self.max_levels = self.levels.copy()
        self.first_month = np.full((len(s.states), N_RUNGS), -1, dtype=np.int64)
        for rung in range(N_RUNGS):
            self.first_month[self.levels >= rung, rung] = 0
        self.state_agents = [State(self, i, st.name, st.bloc) for i, st in enumerate(s.states)]
        self.taliban = Taliban(self)
        self.strength = np.array([g.strength for g in s.militants], dtype=float)
        self.pool = np.array([g.pool_abroad for g in s.militants], dtype=float)
        self.defectors = 0.0
        self.militant_agents = [MilitantGroup(self, i, g.name, g.stance == "hostile") for i, g in enumerate(s.militants)]
        self.resistance_strengths = np.array([r.strength for r in s.resistance], dtype=float)
        self.resistance_agents = [
            Resistance(self, i, r.name, self.state_index[r.sanctuary] if r.sanctuary else None)
            for i, r in enumerate(s.resistance)
        ]
        self.mission_agents = [
            Mission(self, i, m.name, self.state_index[m.host], m.controller) for i, m in enumerate(s.missions)
        ]
        self.funds = np.array([m.funds for m in s.missions], dtype=float)
        self.component_sums = np.zeros((len(s.states), len(COMPONENTS)))
        # Activation order: allied groups before hostile ones, so defectors reach ISK this month.
        self.allied_groups = AgentSet([a for a in self.militant_agents if not a.hostile], random=self.random)
        self.hostile_groups = AgentSet([a for a in self.militant_agents if a.hostile], random=self.random)

    def _load_parameters(self) -> None:
        """Gather the scenario's parameters into arrays; re-run when a ``set`` event changes one."""
        s = self.scenario
        groups = {g.name: j for j, g in enumerate(s.militants)}
        n, g = len(s.states), len(s.militants)
        self.exposure = np.zeros((n, g))
        self.ties = np.zeros((n, n))
        for i, st in enumerate(s.states):
            for name, v in st.exposure.items():
                self.exposure[i, groups[name]] = v
            for name, v in st.ties.items():
                self.ties[i, self.state_index[name]] = v
        self.migration_concern = np.array([st.migration_concern for st in s.states])
        self.economic_interest = np.array([st.economic_interest for st in s.states])
        self.conditions_weight = np.array([st.conditions_weight for st in s.states])
        self.resistance_support = np.array([st.resistance_support for st in s.states])
        self.western = np.array([st.bloc == "western" for st in s.states])
        self.hostile = np.array([m.stance == "hostile" for m in s.militants], dtype=bool)
        self.visibility = np.array([m.visibility for m in s.militants])
        self.defection_shares = np.array([m.defection_share for m in s.militants])
        self.thresholds = np.array([0.0] + [s.rules.thresholds[k] for k in LEVELS[1:]])
        self.shares = np.array([s.rules.condition_shares.get(c, 0.0) for c in sc.CONDITIONS])
        self.weights = s.rules.model_dump()
        self.revenue = np.array([m.revenue for m in s.missions], dtype=float) * s.world.consular_demand

    # ---------------------------------------------------------------- queries used by agents
    def isk_strength(self) -> float:
        return float(self.strength[self.hostile].sum())

    def allied_strength(self) -> float:
        return float(self.strength[~self.hostile].sum())

    def mean_defection_share(self) -> float:
        allied = ~self.hostile
        return float(self.defection_shares[allied].mean()) if allied.any() else 0.0

    def channel(self) -> np.ndarray:
        """1 where the Taliban has diplomats accepted (which every Taliban-held post implies)."""
        return (self.levels >= HOSTS).astype(float)

    def shelters(self) -> np.ndarray:
        out = np.zeros(len(self.state_agents))
        for r in self.resistance_agents:
            if r.host is not None:
                out[r.host] = 1.0
        return out

    def components(self, crackdown=None, concessions=None, lobbying=None) -> dict[str, np.ndarray]:
        """Every utility term for every state; lever arguments (arrays allowed) evaluate a
        hypothetical Taliban policy, which is how the adaptive Taliban looks ahead."""
        t, r, w = self.taliban, self.scenario.rules, self.weights
        k = t.crackdown if crackdown is None else crackdown
        c = t.concessions if concessions is None else concessions
        lob = t.lobbying if lobbying is None else lobbying
        allied = ~self.hostile
        links = rules.visible_links(self.visibility[allied], self.strength[allied], k, r.crackdown_ceiling)
        comp = rules.compliance(c, k, r.crackdown_ceiling)
        shape = np.broadcast(np.asarray(k), np.asarray(c), np.asarray(lob)).shape + (len(self.levels),)
        full = lambda x: np.broadcast_to(x, shape)  # noqa: E731 - keep terms aligned for stacking
        return {
            "security": full(rules.security_motive(
                self.exposure, self.strength, rules.restraint(k, self.hostile, r.restraint_floor),
                self.isk_strength(), w["w_isk_attacks"])),
            "migration": full(rules.migration_motive(self.migration_concern, self.scenario.world.migration_pressure)),
            "economic": full(self.economic_interest),
            "peer": full(rules.peer_pull(self.ties, self.levels)),
            "bandwagon": full(rules.bandwagon(self.levels, N_RUNGS)),
            "lobbying": full(rules.lobbying_bonus(lob, self.levels, self.channel(), w["w_lobbying"], HOSTS)),
            "conditions": full(rules.conditions_cost(self.conditions_weight, comp, self.shares)),
            "militant_links": full(self.conditions_weight * np.asarray(links)[..., None]),
            "resistance": full(rules.resistance_cost(self.resistance_support, self.shelters())),
            "alternative": full(np.full(len(self.levels), self.resistance_strengths.max(initial=0.0))),
        }

    def utility(self, comp: dict[str, np.ndarray]) -> np.ndarray:
        return rules.state_utility(
            comp["security"], comp["migration"], comp["economic"], comp["peer"], comp["bandwagon"],
            comp["lobbying"], comp["conditions"], comp["militant_links"], comp["resistance"],
            comp["alternative"], self.weights,
        )

    def move_probabilities(self, **levers) -> tuple[np.ndarray, np.ndarray]:
        r = self.scenario.rules
        u = self.utility(self.components(**levers))
        return rules.move_probabilities(u, self.levels, self.thresholds, r.slope, r.rate_up, r.rate_down)

    # ---------------------------------------------------------------- state changes
    def set_level(self, state: State, level: int) -> None:
        """Move a state on the ladder and carry out what the move implies for posts and sanctuary."""
        level = int(np.clip(level, 0, N_RUNGS - 1))
        i = state.idx
        self.levels[i] = level
        self.max_levels[i] = max(self.max_levels[i], level)
        reached = self.first_month[i] < 0
        reached[level + 1:] = False
        self.first_month[i, reached] = self.month
        if level == DE_JURE and self.first_recognition is None:
            self.first_recognition = (self.month, state.name)
        if level < HOSTS:  # a host that no longer accepts Taliban diplomats closes their posts
            for m in self.mission_agents:
                if m.host == i and m.controller == "taliban":
                    self.close(m)
        for r, agent in zip(self.scenario.resistance, self.resistance_agents):
            if agent.host == i and level >= sc.level_index(r.withdraw_level):
                agent.withdraw_sanctuary()

    def hand_over(self, mission: Mission) -> None:
        mission.controller = "taliban"
        self.handovers += 1

    def close(self, mission: Mission) -> None:
        mission.controller = "closed"

    # ---------------------------------------------------------------- events
    def _apply_events(self, month: int) -> None:
        while self._events and self._events[0][1].month == month:
            _, ev = self._events.pop(0)
            getattr(self, f"_event_{ev.kind}")(ev)

    def _event_set(self, ev: sc.SetEvent) -> None:
        self.scenario = sc.apply(self.scenario, ev.path, ev.value)
        self._load_parameters()
        lever = ev.path.removeprefix("taliban.")
        if lever in ("crackdown", "concessions", "lobbying"):  # only the lever named; others keep their course
            setattr(self.taliban, lever, getattr(self.scenario.taliban, lever))

    def _event_relation(self, ev: sc.RelationEvent) -> None:
        self.set_level(self.state_agents[self.state_index[ev.state]], sc.level_index(ev.level))

    def _event_influx(self, ev: sc.InfluxEvent) -> None:
        j = [g.name for g in self.scenario.militants].index(ev.group)
        self.strength[j] = min(self.strength[j] + ev.amount, 1.0)
        self.pool[j] = max(self.pool[j] - ev.amount, 0.0)

    def _event_withdraw_sanctuary(self, ev: sc.WithdrawSanctuaryEvent) -> None:
        next(r for r in self.resistance_agents if r.name == ev.resistance).withdraw_sanctuary()

    def _event_close_mission(self, ev: sc.CloseMissionEvent) -> None:
        self.close(next(m for m in self.mission_agents if m.name == ev.mission))

    # ---------------------------------------------------------------- the month
    def step(self) -> None:
        self.month += 1
        self._apply_events(self.month)
        self.taliban.step()
        self.allied_groups.shuffle_do("step")
        self.hostile_groups.do("step")
        if self.resistance_agents:
            self.agents_by_type[Resistance].do("step")
        comp = self.components()
        r = self.scenario.rules
        self.p_up, self.p_down = rules.move_probabilities(
            self.utility(comp), self.levels, self.thresholds, r.slope, r.rate_up, r.rate_down)
        self.component_sums += np.stack([comp[k] for k in COMPONENTS], axis=-1)
        self.agents_by_type[State].shuffle_do("step")
        if self.mission_agents:
            self.pay_the_month()
            self.agents_by_type[Mission].shuffle_do("step")
        self._observe()
        self.datacollector.collect(self)
        if self.month >= self.horizon:
            self.running = False

    def pay_the_month(self) -> None:
        """Every open post's reserves after a month's revenue (with its shock) and costs.

        One normal draw per post every month, open or not, so the stream of draws does not
        depend on which posts have closed."""
        r = self.scenario.rules
        shocks = self.rng.normal(0.0, r.revenue_noise, size=len(self.mission_agents))
        ctrl = [m.controller for m in self.mission_agents]
        is_open = np.array([c != "closed" for c in ctrl])
        cost = np.where([m.downsized for m in self.mission_agents], r.downsize_factor, 1.0)
        subsidy = np.where([c == "taliban" for c in ctrl], r.taliban_subsidy, 0.0)
        nxt = rules.mission_funds(self.funds, self.revenue, cost, shocks, subsidy)
        self.funds = np.where(is_open, nxt, self.funds)

    # ---------------------------------------------------------------- observation
    def series_columns(self) -> list[str]:
        return self.columns_for(self.scenario)

    @staticmethod
    def columns_for(scenario: Scenario) -> list[str]:
        """The per-month series (and run outcome) columns a scenario produces."""
        cols = ["de_jure_count", "de_facto_count", "western_de_jure_count", "countries_taliban_presence",
                "missions_taliban", "missions_republic", "missions_closed", "missions_changed_hands",
                "western_missions_taliban",
                "legitimacy", "crackdown", "concessions", "lobbying", "resistance_strength"]
        return cols + [f"strength_{slug(g.name)}" for g in scenario.militants]

    def _observe(self) -> None:
        lv = self.levels
        self.de_jure_count = int((lv == DE_JURE).sum())
        self.de_facto_count = int((lv == DE_FACTO).sum())
        self.western_de_jure_count = int(((lv == DE_JURE) & self.western).sum())
        self.countries_taliban_presence = int((lv >= HOSTS).sum())
        ctrl = [m.controller for m in self.mission_agents]
        self.missions_taliban = ctrl.count("taliban")
        self.missions_republic = ctrl.count("republic")
        self.missions_closed = ctrl.count("closed")
        self.missions_changed_hands = self.handovers
        self.western_missions_taliban = sum(
            1 for m in self.mission_agents if m.controller == "taliban" and self.western[m.host])
        self.legitimacy = float(rules.legitimacy(lv, N_RUNGS))
        t = self.taliban
        self.crackdown, self.concessions, self.lobbying = t.crackdown, t.concessions, t.lobbying
        self.resistance_strength = float(self.resistance_strengths.sum())
        for g, v in zip(self.scenario.militants, self.strength):
            setattr(self, f"strength_{slug(g.name)}", float(v))

    def run(self) -> None:
        while self.running and self.month < self.horizon:
            self.step()

    def outcome(self) -> dict[str, Any]:
        """Run-level outcomes at the horizon (one row of runs.parquet, without replication/seed)."""
        first = self.first_recognition
        out = {name: getattr(self, name) for name in self.series_columns()}
        out.update(
            first_recognition_month=None if first is None else first[0],
            first_recognizer=None if first is None else first[1],
            first_recognition_date=None if first is None else sc.add_month(self.scenario.start, first[0]),
            months=self.month,
        )
        return out
