"""The Mesa model: monthly steps from a scenario's start to its horizon.

Order within a month (documented in docs/model.md, "Process overview and scheduling"):
scheduled events -> Taliban sets its levers -> militant groups (all at once; allied groups'
defectors reach ISK the same month) -> resistance -> every state's move probabilities are evaluated against
last month's world and states act in random order -> posts pay their month and may change
hands -> observations are collected.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import mesa
import numpy as np

from ..config import schema as sc
from ..config.calendar import TAKEOVER, add_month, months_between
from ..config.references import apply
from ..config.schema import LEVELS, Scenario, slug
from . import incentives as rules
from . import record
from .agents import MilitantGroup, Mission, Resistance, State, Taliban
from .shared import DE_FACTO, DE_JURE, HOSTS, N_RUNGS, TERMS, militants_month, observation, scenario_arrays


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
        self.strength_columns = [f"strength_{slug(g.name)}" for g in scenario.militants]
        self.pressure_columns = [f"pressure_{slug(g.name)}" for g in scenario.militants]
        self.western_post = self.western[self.post_hosts].astype(float)
        self.observation: dict[str, Any] = {}
        self.datacollector = mesa.DataCollector(
            model_reporters={k: (lambda m, k=k: m.observation[k]) for k in record.series_columns(scenario)}
        )
        self.observation = self.observe()
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
        self.hostile = np.array([m.stance == "hostile" for m in s.militants], dtype=bool)
        self.taliban = Taliban(self, self.crackdown_levers(s.taliban))
        self.record_crackdown: np.ndarray = self.taliban.crackdown
        self.record_concessions = np.asarray(self.taliban.concessions, dtype=float)
        """The Taliban's track record as states see it up to last month: the starting posture,
        then each month's levers folded in (:func:`~.incentives.track_record`)."""
        self.strength = np.array([g.strength for g in s.militants], dtype=float)
        self.pool = np.array([g.pool_abroad for g in s.militants], dtype=float)
        self.militant_agents = [
            MilitantGroup(self, i, g.name, g.stance == "hostile") for i, g in enumerate(s.militants)
        ]
        self.resistance_strengths = np.array([r.strength for r in s.resistance], dtype=float)
        self.resistance_agents = [
            Resistance(self, i, r.name, self.state_index[r.sanctuary] if r.sanctuary else None)
            for i, r in enumerate(s.resistance)
        ]
        self.mission_agents = [
            Mission(self, i, m.name, self.state_index[m.host], m.controller) for i, m in enumerate(s.missions)
        ]
        self.funds = np.array([m.funds for m in s.missions], dtype=float)
        self.finances: tuple[np.ndarray, np.ndarray] = (
            np.zeros(len(s.missions), bool),
            np.zeros(len(s.missions), bool),
        )
        """This month's (downsize, close) decision of every post (:meth:`pay_the_month`)."""
        self.revenue_draw = self.rng.standard_normal(len(s.missions))
        """Each post's standard-normal draw of its own consular demand, which no source gives
        (scaled by ``rules.revenue_spread``): one draw per post, independent of its host's other
        posts; drawn once per run, before anything else."""
        self.visa_post = np.array([m.kind != "un_mission" for m in s.missions], dtype=float)
        """Posts that issue visas (a permanent mission to the UN does not)."""
        self.months_before = months_between(TAKEOVER, s.start)
        self.post_hosts = np.array([m.host for m in self.mission_agents], dtype=np.int64)
        self.post_held = np.array([m.controller == "taliban" for m in self.mission_agents], dtype=float)
        self.post_open = np.array([m.controller != "closed" for m in self.mission_agents], dtype=float)
        """Posts held by the Taliban and posts open, kept in step by ``hand_over`` and ``close``."""
        self.post_months = {
            "taliban": np.where(self.post_held > 0, 0, -1),
            "closed": np.where(self.post_open > 0, -1, 0),
        }
        """The month each post changed hands to the Taliban and the month it closed (0: already at
        the start, -1: not in this run), for the record's dated facts about posts."""
        self.closures = Counter(m.closed_by for m in self.mission_agents if m.closed_by is not None)
        """Closed posts by cause (``record.CLOSURE_CAUSES``)."""
        self.term_sums = np.zeros((len(s.states), len(TERMS)))

    def _load_parameters(self) -> None:
        """Gather the scenario's parameters into arrays; re-run when a ``set`` event changes one."""
        s = self.scenario
        for name, value in scenario_arrays(s).items():
            setattr(self, name, value)
        self.weights = s.rules.model_dump()
        sd = s.rules.revenue_spread
        spread = np.exp(sd * self.revenue_draw - sd**2 / 2)  # mean 1 across posts
        self.revenue = self.base_revenue * spread * s.world.consular_demand

    def crackdown_levers(self, spec: sc.TalibanSpec) -> np.ndarray:
        """The crackdown on every group as the scenario sets it: ``crackdown_on`` where it names the
        group, ``crackdown`` otherwise (the entries of hostile groups are not read)."""
        return np.array([spec.crackdown_on.get(g.name, spec.crackdown) for g in self.scenario.militants], dtype=float)

    # ---------------------------------------------------------------- queries used by agents
    def posts_by_state(self, posts: np.ndarray) -> np.ndarray:
        """How many of the marked posts (a boolean per post) stand in each state."""
        return np.bincount(self.post_hosts, weights=posts, minlength=len(self.state_agents))

    def shelters(self) -> np.ndarray:
        out = np.zeros(len(self.state_agents))
        for r in self.resistance_agents:
            if r.host is not None:
                out[r.host] = 1.0
        return out

    def components(self, crackdown=None, concessions=None, lobbying=None) -> dict[str, np.ndarray]:
        """Every utility term for every state; lever arguments (arrays allowed) evaluate a
        hypothetical Taliban policy, which is how the adaptive Taliban looks ahead. States judge
        the crackdown and concessions by the Taliban's track record (:func:`~.incentives.track_record`),
        this month's levers included."""
        t, months = self.taliban, self.scenario.rules.credibility_months
        return rules.utility_terms(
            crackdown=rules.track_record(
                self.record_crackdown, t.crackdown if crackdown is None else crackdown, months
            ),
            concessions=rules.track_record(
                self.record_concessions, t.concessions if concessions is None else concessions, months
            ),
            lobbying=t.lobbying if lobbying is None else lobbying,
            levels=self.levels,
            top=self.top,
            counted=self.counted,
            exposure=self.exposure,
            strength=self.strength,
            hostile=self.hostile,
            visibility=self.visibility,
            migration_concern=self.migration_concern,
            migration_pressure=self.scenario.world.migration_pressure,
            economic_interest=self.economic_interest,
            ties=self.ties,
            conditions_weight=self.conditions_weight,
            resistance_support=self.resistance_support,
            shelters=self.shelters(),
            alternative=float(rules.alternative_strength(self.resistance_strengths)),
            months_in_power=self.months_before + self.month,
            un_seated=self.un_seated(),
            condition_shares=self.shares,
            handover_rung=HOSTS,
            de_facto_rung=DE_FACTO,
            w=self.weights,
            posts_held=self.posts_by_state(self.post_held),
            posts_open=self.posts_by_state(self.post_open),
        )

    def un_seated(self) -> float:
        """1 once the United Nations stands at its seat, else 0; 1 without a UN in the scenario
        (there is then no credentials position to defy)."""
        un = np.flatnonzero(~self.counted)
        return float(not un.size or self.levels[un[0]] >= self.top[un[0]])

    def move_probabilities(self, comp: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
        r = self.scenario.rules
        u = rules.state_utility(comp, self.weights)
        return rules.move_probabilities(u, self.levels, self.thresholds, r.rate_up, r.rate_down, self.top)

    # ---------------------------------------------------------------- state changes
    def set_level(self, state: State, level: int) -> None:
        """Move a state on the ladder and carry out what the move implies for posts and sanctuary."""
        level = int(np.clip(level, 0, self.top[state.idx]))
        i = state.idx
        self.levels[i] = level
        self.max_levels[i] = max(self.max_levels[i], level)
        reached = self.first_month[i] < 0
        reached[level + 1 :] = False
        self.first_month[i, reached] = self.month
        if level == DE_JURE and self.first_recognition is None:  # never the UN: its ladder ends lower
            self.first_recognition = (self.month, state.name)
        if level < HOSTS:  # a host that no longer accepts Taliban diplomats closes their posts
            for m in self.mission_agents:
                if m.host == i and m.controller == "taliban":
                    self.close(m, "host")
        for r, agent in zip(self.scenario.resistance, self.resistance_agents, strict=True):
            if agent.host == i and level >= sc.level_index(r.withdraw_level):
                agent.withdraw_sanctuary()

    def hand_over(self, mission: Mission) -> None:
        mission.controller = "taliban"
        self.post_held[mission.idx] = 1.0
        self.post_months["taliban"][mission.idx] = self.month
        self.handovers += 1

    def close(self, mission: Mission, cause: str) -> None:
        """Close a post for ``cause`` (``record.CLOSURE_CAUSES``); a closed post keeps its first cause."""
        if mission.controller != "closed":
            mission.controller, mission.closed_by = "closed", cause
            self.post_held[mission.idx] = self.post_open[mission.idx] = 0.0
            self.post_months["closed"][mission.idx] = self.month
            self.closures[cause] += 1

    # ---------------------------------------------------------------- events
    def _apply_events(self, month: int) -> None:
        while self._events and self._events[0][1].month == month:
            _, ev = self._events.pop(0)
            getattr(self, f"_event_{ev.kind}")(ev)

    def _event_set(self, ev: sc.SetEvent) -> None:
        self.scenario = apply(self.scenario, ev.path, ev.value)
        self._load_parameters()
        spec, lever = self.scenario.taliban, ev.path.removeprefix("taliban.")
        if lever in ("concessions", "lobbying"):  # only the lever named; others keep their course
            setattr(self.taliban, lever, getattr(spec, lever))
        elif lever == "crackdown" or lever.startswith("crackdown_on."):
            # taliban.crackdown moves every group crackdown_on does not name; crackdown_on.X moves X
            names = [g.name for g in self.scenario.militants]
            moved = [
                n not in spec.crackdown_on if lever == "crackdown" else lever == f"crackdown_on.{n}" for n in names
            ]
            self.taliban.crackdown = np.where(moved, self.crackdown_levers(spec), self.taliban.crackdown)

    def _event_relation(self, ev: sc.RelationEvent) -> None:
        self.set_level(self.state_agents[self.state_index[ev.state]], sc.level_index(ev.level))

    def _event_influx(self, ev: sc.InfluxEvent) -> None:
        j = [g.name for g in self.scenario.militants].index(ev.group)
        self.strength[j] = min(self.strength[j] + ev.amount, 1.0)
        self.pool[j] = max(self.pool[j] - ev.amount, 0.0)

    def _event_withdraw_sanctuary(self, ev: sc.WithdrawSanctuaryEvent) -> None:
        next(r for r in self.resistance_agents if r.name == ev.resistance).withdraw_sanctuary()

    def _event_close_mission(self, ev: sc.CloseMissionEvent) -> None:
        self.close(next(m for m in self.mission_agents if m.name == ev.mission), "event")

    # ---------------------------------------------------------------- the month
    def step(self) -> None:
        self.month += 1
        self._apply_events(self.month)
        self.taliban.step()
        self.militants_step()
        if self.resistance_agents:
            self.agents_by_type[Resistance].do("step")
        comp = self.components()
        self.p_up, self.p_down = self.move_probabilities(comp)
        self.term_sums += np.stack([comp[k][0] for k in TERMS], axis=-1)  # the next rung's terms
        self.agents_by_type[State].shuffle_do("step")
        months = self.scenario.rules.credibility_months
        self.record_crackdown = rules.track_record(self.record_crackdown, self.taliban.crackdown, months)
        self.record_concessions = rules.track_record(self.record_concessions, self.taliban.concessions, months)
        if self.mission_agents:
            self.pay_the_month()
            self.agents_by_type[Mission].shuffle_do("step")
        self.observation = self.observe()
        self.datacollector.collect(self)
        if self.month >= self.horizon:
            self.running = False

    def militants_step(self) -> None:
        """One month of every militant group at once (:func:`~.incentives.militant_step` over the
        groups' arrays): the groups do not interact within a month except through defectors, who
        reach the hostile groups (ISK) the same month, shared equally among them, with ISK's
        recruits from the "abandoned jihad" narrative (002)."""
        self.strength, self.pool = militants_month(self, self.taliban.crackdown, self.scenario.world.minority_violence)

    def pay_the_month(self) -> None:
        """Every open post's reserves after a month's revenue (with its shock) and costs.

        One normal draw per post every month, open or not, so the stream of draws does not
        depend on which posts have closed. Then which posts downsize and which close on their
        reserves (:func:`~.incentives.post_finances`), for every post at once: a post's decision
        depends on its own reserves and state alone, which no other post's step changes, so the
        posts read theirs as they step (``Mission.step``) rather than each calling the rule."""
        r, world = self.scenario.rules, self.scenario.world
        downsized = [m.downsized for m in self.mission_agents]
        shocks = self.rng.normal(0.0, r.revenue_noise, size=len(self.mission_agents))
        self.funds = rules.month_of_books(
            self.funds,
            self.revenue,
            r.visa_share * self.visa_post,
            world.republic_visas_honoured,
            self.post_held,
            self.post_open,
            downsized,
            shocks,
            r.downsize_factor,
            r.taliban_subsidy,
        )
        self.finances = rules.post_finances(self.funds, downsized, r.closure_debt)

    # ---------------------------------------------------------------- observation
    def observe(self) -> dict[str, Any]:
        """This month's series columns (:func:`observation`), as Python numbers."""
        t = self.taliban
        obs = observation(
            self,
            levels=self.levels,
            closures=np.array([self.closures[c] for c in record.CLOSURE_CAUSES]),
            handovers=np.asarray(self.handovers),
            downsized=np.array([m.downsized and m.controller != "closed" for m in self.mission_agents], dtype=bool),
            crackdown=t.crackdown,
            concessions=np.asarray(t.concessions),
            lobbying=np.asarray(t.lobbying),
        )
        return {k: v.tolist() for k, v in obs.items()}

    def run(self) -> None:
        while self.running and self.month < self.horizon:
            self.step()

    def outcome(self) -> dict[str, Any]:
        """Run-level outcomes at the horizon: the last month's series columns and the ``runs``
        columns of the output record."""
        first = self.first_recognition
        out = dict(self.observation)
        out.update(
            first_recognition_month=None if first is None else first[0],
            first_recognition_date=None if first is None else add_month(self.scenario.start, first[0]),
            first_recognizer=None if first is None else first[1],
            months=self.month,
            un_seat_month=self._un_seat_month(),
        )
        for a, top in zip(self.state_agents, self.max_levels, strict=True):
            out[f"max_level_{slug(a.name)}"] = int(top)
        return out

    def _un_seat_month(self) -> int | None:
        """The first month the United Nations stood at its top rung (the seat), if it has one."""
        un = np.flatnonzero(~self.counted)
        if not un.size or self.first_month[un[0], HOSTS] < 0:
            return None
        return int(self.first_month[un[0], HOSTS])

    def state_table(self) -> dict[str, list]:
        """One entry per state: the ``states`` columns of the output record."""
        table: dict[str, list] = {
            "state": [a.name for a in self.state_agents],
            "bloc": [a.bloc for a in self.state_agents],
            "level": [LEVELS[i] for i in self.levels],
            "max_level": [LEVELS[i] for i in self.max_levels],
        }
        for rung, name in enumerate(LEVELS[1:], start=1):
            table[f"month_{name}"] = [None if f < 0 else int(f) for f in self.first_month[:, rung]]
        means = self.term_sums / max(self.month, 1)
        for j, term in enumerate(TERMS):
            table[f"u_{term}"] = means[:, j].tolist()
        return table

    def mission_table(self) -> dict[str, list]:
        """One entry per post: the ``missions`` columns of the output record. The months come
        from ``post_months``, so a dated fact about a post ("the Tehran embassy changed hands by
        2023-02") is read per run, not guessed from the monthly counts."""
        months = {k: [None if f < 0 else int(f) for f in v] for k, v in self.post_months.items()}
        return {
            "mission": [m.name for m in self.mission_agents],
            "host": [self.state_agents[m.host].name for m in self.mission_agents],
            "controller": [m.controller for m in self.mission_agents],
            "month_taliban": months["taliban"],
            "month_closed": months["closed"],
            "closed_by": [m.closed_by for m in self.mission_agents],
        }
