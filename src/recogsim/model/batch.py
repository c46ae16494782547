"""The batch engine: a block of replications of one scenario advanced together, month by month.

Every replication's state is one row of an array: (R, states) levels, (R, posts) controllers and
reserves, (R, groups) strengths. Each month calls the same rules as the Mesa engine
(:mod:`.incentives`), over those arrays, in the same order (``model.py``'s docstring). What differs
is the precision of a month's utilities (single, :attr:`Batch.UTILITY_DTYPE`: a difference in about
the seventh digit) and how random numbers are drawn: every replication has its own generator, seeded from its own
seed (:mod:`recogsim.runs.seeds`), so its results do not depend on the block it ran in; but it
consumes them in another order than the Mesa engine (no shuffling: moves of states and posts within
a month do not depend on each other's order, except who recognises first when several states
recognise in the same month, which is decided uniformly at random among them, as the Mesa
engine's random order does). The two engines therefore give the same distributions, not the same
runs (``benchmarks/equivalence.py`` tests it).

Per-replication parameters (``uncertain:``) may be any scalar of ``rules``, ``world`` and
``taliban`` (:func:`unsupported` says why another path is not).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from numpy.typing import ArrayLike

from ..config import paths
from ..config import schema as sc
from ..config.calendar import TAKEOVER, months_between
from ..config.schema import LEVELS, Scenario, slug
from . import batch_rules, record
from . import incentives as rules
from .batch_events import apply_events
from .batch_rules import _lead
from .shared import DE_JURE, HOSTS, N_RUNGS, TERMS, militants_month, observation, scenario_arrays

REPUBLIC, TALIBAN, CLOSED = 0, 1, 2
CONTROLLERS = ("republic", "taliban", "closed")
CAUSES = tuple(record.CLOSURE_CAUSES)
SECTIONS = ("rules", "world", "taliban")
"""Where a replication's own drawn parameters may lie: one number per replication for the scalars
there; per-entity fields (states, groups, posts) and the calendar are shared by a block."""
SINGLE = ("exposure", "ties", "migration_concern", "economic_interest", "conditions_weight", "resistance_support")
"""The scenario's arrays the utilities read, kept in :attr:`Batch.UTILITY_DTYPE` too."""
RANDOM_MONTHS_BYTES = 32 * 2**20
"""Random numbers are drawn a few months at a time, at most this many bytes for the block."""


def unsupported(scenario: Scenario, drawn: Sequence[str]) -> str | None:
    """Why the batch engine cannot run these replications, or None: every path drawn per
    replication must address a scalar of ``rules``, ``world`` or ``taliban``."""
    data = scenario.canonical()
    for path in drawn:
        segments = paths.parse(path)
        plain = all(s.index is None and s.field is None for s in segments)
        if not plain or segments[0].key not in SECTIONS or path == "taliban.mode":
            return f"the batch engine draws per replication only scalars of rules, world and taliban, not {path!r}"
        if not all(isinstance(v, (int, float)) for v in paths.get(data, path)):
            return f"the batch engine draws only numbers per replication, not {path!r}"
    return None


def _shared(x: np.ndarray) -> np.ndarray:
    """``x`` (one value per replication) as a 0-d array if every replication holds the same bits."""
    bits = x.view(np.int64)
    return x[0, ...] if x.size and bool((bits == bits[0]).all()) else x


def _pairs(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``np.nonzero`` of a 2-D mask (the same indices, in the same order), through the flat
    indices: numpy's 2-D ``nonzero`` takes ten times as long."""
    rows, cols = np.divmod(np.flatnonzero(mask), mask.shape[1])
    return rows, cols


class Batch:
    """R replications of ``scenario``, replication ``i`` seeded by ``seeds[i]`` and drawing the
    values ``drawn[path][i]`` (paths :func:`unsupported` accepts); ``keep_series``: keep every
    month's series columns (else the last month's only)."""

    # the scenario's arrays (``model.scenario_arrays``), shared by the block
    exposure: np.ndarray
    ties: np.ndarray
    migration_concern: np.ndarray
    economic_interest: np.ndarray
    conditions_weight: np.ndarray
    resistance_support: np.ndarray
    western: np.ndarray
    counted: np.ndarray
    top: np.ndarray
    visibility: np.ndarray
    defection_shares: np.ndarray
    growth: np.ndarray
    crackdown_effect: np.ndarray
    return_rate: np.ndarray
    narrative_rate: np.ndarray
    thresholds: np.ndarray
    shares: np.ndarray
    base_revenue: np.ndarray
    UTILITY_DTYPE: type = np.float32
    """The precision of a month's utilities and move probabilities (the rules keep float32, which
    halves the memory each of their array operations runs through); the state itself (levels,
    strengths, records, funds) stays in float64."""

    def __init__(
        self,
        scenario: Scenario,
        seeds: Sequence[int],
        drawn: Mapping[str, np.ndarray] | None = None,
        keep_series: bool = True,
    ):
        s = self.scenario = scenario
        self.R = R = len(seeds)
        self.drawn = {p: np.asarray(v, dtype=float) for p, v in (drawn or {}).items()}
        reason = unsupported(s, list(self.drawn))
        if reason:
            raise ValueError(reason)
        # two streams per replication, uniforms and normals, so that how many months are drawn at
        # once (which depends on the block's size) never changes which number goes where
        streams = [np.random.SeedSequence(seed).spawn(2) for seed in seeds]
        self.uniform_gens = [np.random.default_rng(u) for u, _ in streams]
        self.normal_gens = [np.random.default_rng(z) for _, z in streams]
        self.month, self.horizon = 0, s.horizon_months
        self.months_before = months_between(TAKEOVER, s.start)
        self.state_names = [st.name for st in s.states]
        self.state_index = {n: i for i, n in enumerate(self.state_names)}
        S, P = len(s.states), len(s.missions)
        self.hostile = np.array([m.stance == "hostile" for m in s.militants], dtype=bool)
        self.post_hosts = np.array([self.state_index[m.host] for m in s.missions], dtype=np.int64)
        # the state of every replication
        self.levels = np.tile(np.array([sc.level_index(st.level) for st in s.states], dtype=np.int64), (R, 1))
        self.max_levels = self.levels.copy()
        self.first_month = np.where(self.levels[..., None] >= np.arange(N_RUNGS), 0, -1).astype(np.int64)
        self.strength = np.tile(np.array([g.strength for g in s.militants], dtype=float), (R, 1))
        self.pool = np.tile(np.array([g.pool_abroad for g in s.militants], dtype=float), (R, 1))
        self.resistance_strengths = np.tile(np.array([r.strength for r in s.resistance], dtype=float), (R, 1))
        hosts = [self.state_index[r.sanctuary] if r.sanctuary else -1 for r in s.resistance]
        self.sanctuary = np.tile(np.array(hosts, dtype=np.int64), (R, 1))
        ctrl = np.array([CONTROLLERS.index(m.controller) for m in s.missions], dtype=np.int8)
        self.controller = np.tile(ctrl, (R, 1))
        self.closed_by = np.where(self.controller == CLOSED, CAUSES.index("initial"), -1).astype(np.int8)
        self.downsized = np.zeros((R, P), dtype=bool)
        self.funds = np.tile(np.array([m.funds for m in s.missions], dtype=float), (R, 1))
        self.post_held = (self.controller == TALIBAN).astype(float)
        self.post_open = (self.controller != CLOSED).astype(float)
        self.month_taliban = np.where(self.controller == TALIBAN, 0, -1).astype(np.int64)
        self.month_closed = np.where(self.controller == CLOSED, 0, -1).astype(np.int64)
        self.closures = np.zeros((R, len(CAUSES)), dtype=np.int64)
        self.closures[:, CAUSES.index("initial")] = (self.controller == CLOSED).sum(axis=1)
        self.handovers = np.zeros(R, dtype=np.int64)
        self.term_sums = np.zeros((len(TERMS), R, S))
        self.first_recognition = np.full(R, -1, dtype=np.int64)
        self.recognizer = np.full(R, -1, dtype=np.int64)
        recognized = (self.levels == DE_JURE).any(axis=1)  # already at the start: month 0
        self.first_recognition[recognized] = 0
        self.recognizer[recognized] = np.argmax(self.levels == DE_JURE, axis=1)[recognized]
        self.revenue_draw = np.empty((R, P))
        for g, row in zip(self.normal_gens, self.revenue_draw, strict=True):  # each post's demand, drawn first
            g.standard_normal(out=row)
        self.load_parameters()
        t = s.taliban
        self.crackdown = self.crackdown_levers()
        self.concessions = self.lever_default("concessions").copy()
        self.lobbying = self.lever_default("lobbying").copy()
        self.record_crackdown = self.crackdown.copy()
        self.record_concessions = self.concessions.copy()
        self.mode = t.mode
        self.events = sorted(enumerate(s.events), key=lambda e: (e[1].month, e[0]))
        self._random: dict[str, np.ndarray] = {}
        self._random_from = 1
        self.keep_series = keep_series
        """Keep every month's series columns; else the last month's only (the run outcomes)."""
        self.series = {c: np.zeros((self.horizon + 1 if keep_series else 1, R)) for c in record.series_columns(s)}
        apply_events(self, 0)
        self._observe()

    # ---------------------------------------------------------------- parameters
    def load_parameters(self) -> None:
        """The scenario's arrays (shared by the block) and every scalar coefficient, one per
        replication (``drawn`` overrides the scenario's value); re-run after a ``set`` event."""
        s, R = self.scenario, self.R
        for name, value in scenario_arrays(s).items():
            setattr(self, name, value)
        self.western_post = self.western[self.post_hosts].astype(float)
        S = len(s.states)
        self._post_slots = (np.arange(R)[:, None] * S + self.post_hosts).ravel()
        self.by_state: tuple[np.ndarray, np.ndarray] | None = None
        """Posts held by the Taliban and posts open in each state, (R, states) counts each: kept
        up to date as posts change hands or close (a few a month) rather than recounted."""
        self.visa_post = np.array([m.kind != "un_mission" for m in s.missions], dtype=float)
        self.strength_columns = [f"strength_{slug(g.name)}" for g in s.militants]
        self.pressure_columns = [f"pressure_{slug(g.name)}" for g in s.militants]
        flat = {f"rules.{k}": v for k, v in s.rules.model_dump().items() if not isinstance(v, dict)}
        flat |= {f"world.{k}": v for k, v in s.world.model_dump().items()}
        flat |= {f"taliban.adaptive.{k}": v for k, v in s.taliban.adaptive.model_dump().items()}
        flat |= {f"taliban.{k}": getattr(s.taliban, k) for k in ("concessions", "lobbying", "legitimacy_need")}
        self.coef = {k: np.full(R, float(v)) for k, v in flat.items()}
        self.thresholds = np.tile(self.thresholds, (R, 1))
        self.shares = np.tile(self.shares, (R, 1))
        for path, values in self.drawn.items():
            keys = path.split(".")
            if keys[:2] == ["rules", "thresholds"]:
                self.thresholds[:, LEVELS.index(keys[2])] = values
            elif keys[:2] == ["rules", "condition_shares"]:
                self.shares[:, sc.CONDITIONS.index(keys[2])] = values
            elif path in self.coef:
                self.coef[path] = values
        self.w = {k.removeprefix("rules."): v for k, v in self.coef.items() if k.startswith("rules.")}
        self.low = {name: self.single(getattr(self, name)) for name in SINGLE}
        self.low |= {"thresholds": self.single(self.thresholds), "shares": self.single(self.shares)}
        sd = _lead(self.w["revenue_spread"], 1)
        spread = np.exp(sd * self.revenue_draw - sd**2 / 2)  # mean 1 across posts
        self.revenue = self.base_revenue * spread * _lead(self.coef["world.consular_demand"], 1)

    def w_block(self, single: bool = False) -> dict[str, np.ndarray]:
        """``w`` with a coefficient every replication shares as one number: the same products,
        without broadcasting one value per replication over (replications, rungs, states);
        ``single``: in the utilities' precision. Rebuilt whenever an entry of ``w`` is replaced."""
        key = tuple(map(id, self.w.values()))
        if key != getattr(self, "_w_key", None):
            self._w_key, self._w_block = key, {k: _shared(v) for k, v in self.w.items()}
            self._w_single = {k: self.single(v) for k, v in self._w_block.items()}
        return self._w_single if single else self._w_block

    def single(self, x: ArrayLike) -> np.ndarray:
        """``x`` in the utilities' precision (:attr:`UTILITY_DTYPE`)."""
        return np.asarray(x, dtype=self.UTILITY_DTYPE)

    def lever_default(self, lever: str) -> np.ndarray:
        return self.coef[f"taliban.{lever}"]

    def crackdown_levers(self) -> np.ndarray:
        """(R, groups): ``crackdown_on`` where it names the group, ``crackdown`` otherwise."""
        spec = self.scenario.taliban
        out = np.empty((self.R, len(self.scenario.militants)))
        for j, g in enumerate(self.scenario.militants):
            path = f"taliban.crackdown_on.{g.name}" if g.name in spec.crackdown_on else "taliban.crackdown"
            default = spec.crackdown_on.get(g.name, spec.crackdown)
            out[:, j] = self.drawn.get(path, default)
        return out

    # ---------------------------------------------------------------- the month
    def run(self) -> None:
        while self.month < self.horizon:
            self.step()

    def step(self) -> None:
        self.month += 1
        apply_events(self, self.month)
        if self.mode == "adaptive":
            self._adapt()
        self.strength, self.pool = militants_month(self, self.crackdown, self.coef["world.minority_violence"])
        if len(self.scenario.resistance):
            res = self.scenario.resistance
            self.resistance_strengths = rules.resistance_step(
                self.resistance_strengths,
                self.sanctuary >= 0,
                np.array([r.sanctuary_growth for r in res]),
                np.array([r.outside_help for r in res]),
                np.array([r.pressure for r in res]),
            )
        comp = self.components()
        p_up, p_down = self.move_probabilities(comp)
        for j, k in enumerate(TERMS):  # the next rung's terms
            self.term_sums[j] += comp[k][..., 0, :]
        u = self._uniforms("states")
        rows, cols = _pairs(u < p_up + p_down)  # a move, up if u < p_up (few a month)
        if rows.size:
            u, p_up = u[rows, cols], p_up[rows, cols]
            up = u < p_up
            # who recognises first, among states recognising this month: uniformly at random, as
            # the Mesa engine's random order of states decides (u / p_up is uniform given a move up)
            priority = np.where(up, u / np.where(up, p_up, 1.0), 2.0)
            self._move(rows, cols, self.levels[rows, cols] + np.where(up, 1, -1), priority)
        credibility = self.w["credibility_months"]
        self.record_crackdown = rules.track_record(self.record_crackdown, self.crackdown, _lead(credibility, 1))
        self.record_concessions = rules.track_record(self.record_concessions, self.concessions, credibility)
        if self.scenario.missions:
            self._posts_month()
        if self.keep_series or self.month >= self.horizon:  # else only the last month is kept
            self._observe()

    def _posts_month(self) -> None:
        """The posts' books, then each open post's finances and, if its host allows, a takeover."""
        w = self.w_block()
        shocks = _lead(w["revenue_noise"], 1) * self._uniforms("shocks")
        self.funds = rules.month_of_books(
            self.funds,
            self.revenue,
            _lead(w["visa_share"], 1) * self.visa_post,
            _lead(self.coef["world.republic_visas_honoured"], 1),
            self.post_held,
            self.post_open,
            self.downsized,
            shocks,
            _lead(w["downsize_factor"], 1),
            _lead(w["taliban_subsidy"], 1),
        )
        downsize, close = rules.post_finances(self.funds, self.downsized, _lead(w["closure_debt"], 1))
        is_open = self.controller != CLOSED
        self.downsized |= downsize & is_open
        self.close(close & is_open, "funds")
        allows = self.levels[:, self.post_hosts] >= HOSTS
        p = rules.takeover_probability(_lead(self.lobbying, 1), _lead(w["takeover_rate"], 1), allows)
        self.hand_over((self.controller == REPUBLIC) & allows & (self._uniforms("takeovers") < p))

    def _uniforms(self, kind: str) -> np.ndarray:
        """This month's random numbers of one kind, (R, states) or (R, posts): each replication's
        from its own generator, drawn a few months ahead."""
        if self.month - self._random_from >= len(self._random.get("states", ())) or not self._random:
            S, P = len(self.state_names), len(self.scenario.missions)
            months = max(1, min(self.horizon - self.month + 1, RANDOM_MONTHS_BYTES // max(1, self.R * (S + 2 * P) * 8)))
            u = np.empty((self.R, months, S + P))
            z = np.empty((self.R, months, P))
            for g, ur in zip(self.uniform_gens, u, strict=True):
                g.random(out=ur)
            for g, zr in zip(self.normal_gens, z, strict=True):
                g.standard_normal(out=zr)
            self._random = {"states": u[..., :S].swapaxes(0, 1), "takeovers": u[..., S:].swapaxes(0, 1)}
            self._random["shocks"] = z.swapaxes(0, 1)
            self._random_from = self.month
        return self._random[kind][self.month - self._random_from]

    # ---------------------------------------------------------------- the rules, over the block
    def components(self, crackdown=None, concessions=None, lobbying=None) -> dict[str, np.ndarray]:
        """Every utility term of every state in every replication (:func:`.batch_rules.components`)."""
        return batch_rules.components(self, crackdown, concessions, lobbying)

    def move_probabilities(self, comp: dict[str, np.ndarray], cand: bool = False) -> tuple[np.ndarray, np.ndarray]:
        return batch_rules.move_probabilities(self, comp, cand)

    def _adapt(self) -> None:
        batch_rules.adapt(self)

    def _count(
        self, at: tuple[np.ndarray, ...], held: float | np.ndarray, open_: float = 0.0, sign: float = 1.0
    ) -> None:
        """Add ``held`` and ``open_`` (per post or one number) times ``sign`` for the posts ``at``
        ((replications, posts) indices) to ``by_state``."""
        if self.by_state is not None:
            hosts = (at[0], self.post_hosts[at[1]])
            np.add.at(self.by_state[0], hosts, sign * np.asarray(held))
            np.add.at(self.by_state[1], hosts, sign * open_)

    def _by_state(self, posts: np.ndarray) -> np.ndarray:
        """How many of the marked posts (R, posts) stand in each state, (R, states)."""
        S = len(self.state_names)
        return np.bincount(self._post_slots, weights=posts.ravel(), minlength=self.R * S).reshape(self.R, S)

    # ---------------------------------------------------------------- state changes
    def set_levels(self, levels: np.ndarray, moved: np.ndarray, priority: np.ndarray | None = None) -> None:
        """Move the ``moved`` states of every replication to ``levels`` and carry out what a move
        implies (``RecognitionModel.set_level``): rungs first reached, the first recognition (the
        lowest ``priority`` first among several), posts closed, sanctuary withdrawn. Moves are
        few in a month, so only the moved (replication, state) pairs are touched."""
        rows, cols = _pairs(moved)
        if rows.size:
            self._move(rows, cols, levels[rows, cols], None if priority is None else priority[rows, cols])

    def _move(self, rows: np.ndarray, cols: np.ndarray, levels: np.ndarray, priority: np.ndarray | None) -> None:
        """:meth:`set_levels` for the pairs (``rows``, ``cols``), to ``levels`` (one per pair)."""
        new = np.clip(levels, 0, self.top[cols])
        self.levels[rows, cols] = new
        self.max_levels[rows, cols] = np.maximum(self.max_levels[rows, cols], new)
        first = self.first_month[rows, cols]
        first[(first < 0) & (np.arange(N_RUNGS) <= new[:, None])] = self.month
        self.first_month[rows, cols] = first
        recognising = (new == DE_JURE) & (self.first_recognition[rows] < 0)
        if recognising.any():
            r, c = rows[recognising], cols[recognising]
            rank = np.zeros(r.size) if priority is None else priority[recognising]
            order = np.lexsort((rank, r))  # by replication, then priority (then state, as listed)
            r, c = r[order], c[order]
            lead = np.r_[True, r[1:] != r[:-1]]
            self.first_recognition[r[lead]] = self.month
            self.recognizer[r[lead]] = c[lead]
        below = new < HOSTS
        if below.any():
            hosts = np.zeros(self.levels.shape, dtype=bool)
            hosts[rows[below], cols[below]] = True
            self.close(hosts[:, self.post_hosts] & (self.controller == TALIBAN), "host")
        for q, res in enumerate(self.scenario.resistance):
            hit = (self.sanctuary[rows, q] == cols) & (new >= sc.level_index(res.withdraw_level))
            self.sanctuary[rows[hit], q] = -1

    def hand_over(self, posts: np.ndarray) -> None:
        if not posts.any():
            return
        at = _pairs(posts)
        self.controller[at] = TALIBAN
        self.post_held[at] = 1.0
        self._count(at, held=1.0)
        self.month_taliban[at] = self.month
        self.handovers += posts.sum(axis=1)

    def close(self, posts: np.ndarray, cause: str) -> None:
        """Close the marked posts (open ones only; a closed post keeps its first cause)."""
        posts = posts & (self.controller != CLOSED)
        if not posts.any():
            return
        at = _pairs(posts)
        self._count(at, held=self.post_held[at], open_=1.0, sign=-1.0)
        self.controller[at] = CLOSED
        self.closed_by[at] = CAUSES.index(cause)
        self.post_held[at] = self.post_open[at] = 0.0
        self.month_closed[at] = self.month
        self.closures[:, CAUSES.index(cause)] += posts.sum(axis=1)

    # ---------------------------------------------------------------- observation
    def _observe(self) -> None:
        obs = observation(
            self,
            levels=self.levels,
            closures=self.closures,
            handovers=self.handovers,
            downsized=self.downsized & (self.controller != CLOSED),
            crackdown=self.crackdown,
            concessions=self.concessions,
            lobbying=self.lobbying,
        )
        for name, values in obs.items():
            self.series[name][self.month if self.keep_series else 0] = values
