"""The rules over a block of replications: every state's utility terms and move probabilities in
every replication, and the adaptive Taliban's search, over :class:`.batch.Batch`'s arrays (its
methods of the same names call these)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from . import incentives as rules
from .shared import DE_FACTO, HOSTS

if TYPE_CHECKING:
    from .batch import Batch


def _lead(x: np.ndarray, axes: int) -> np.ndarray:
    """``x`` (one value per replication, or per replication and candidate) with entity axes added."""
    return x.reshape(x.shape + (1,) * axes)


def components(self: Batch, crackdown=None, concessions=None, lobbying=None) -> dict[str, np.ndarray]:
    """Every utility term of every state in every replication, (R, 2, states); with candidate
    levers (R, C, ...) for the adaptive Taliban, (R, C, 2, states)."""
    cand = crackdown is not None

    def per(x: np.ndarray) -> np.ndarray:  # a replication's array, beside the candidates' axis
        return x[:, None] if cand else x

    f, low = self.single, self.low
    months = self.w["credibility_months"]
    k = self.crackdown if crackdown is None else crackdown
    c = self.concessions if concessions is None else concessions
    un = np.flatnonzero(~self.counted)
    seated = np.ones(self.R) if not un.size else (self.levels[:, un[0]] >= self.top[un[0]]).astype(float)
    shelters: np.ndarray = np.zeros(self.levels.shape, dtype=self.UTILITY_DTYPE)
    for q in range(self.sanctuary.shape[1]):
        has = self.sanctuary[:, q] >= 0
        shelters[np.flatnonzero(has), self.sanctuary[has, q]] = 1.0
    if self.by_state is None:
        self.by_state = self._by_state(self.post_held), self._by_state(self.post_open)
    held, open_ = map(f, self.by_state)
    return rules.utility_terms(
        crackdown=f(rules.track_record(per(self.record_crackdown), k, _lead(per(months), 1))),
        concessions=f(rules.track_record(per(self.record_concessions), c, per(months))),
        lobbying=f(self.lobbying if lobbying is None else lobbying),
        levels=per(self.levels),
        top=self.top,
        counted=self.counted,
        exposure=low["exposure"],
        strength=f(per(self.strength)),
        hostile=self.hostile,
        visibility=f(self.visibility),
        migration_concern=low["migration_concern"],
        migration_pressure=f(per(self.coef["world.migration_pressure"])),
        economic_interest=low["economic_interest"],
        ties=low["ties"],
        conditions_weight=low["conditions_weight"],
        resistance_support=low["resistance_support"],
        shelters=per(shelters),
        alternative=f(per(rules.alternative_strength(self.resistance_strengths))),
        months_in_power=f(self.months_before + self.month),
        un_seated=f(per(seated)),
        condition_shares=per(low["shares"]),
        handover_rung=HOSTS,
        de_facto_rung=DE_FACTO,
        w={name: per(f(v)) for name, v in self.w.items()} if cand else self.w_block(single=True),
        posts_held=per(held),
        posts_open=per(open_),
    )


def move_probabilities(self: Batch, comp: dict[str, np.ndarray], cand: bool = False) -> tuple[np.ndarray, np.ndarray]:
    def per(x: np.ndarray) -> np.ndarray:
        return x[:, None] if cand else x

    w = {name: per(self.single(v)) for name, v in self.w.items()} if cand else self.w_block(single=True)
    u = rules.state_utility(comp, w)
    return rules.move_probabilities(
        u, per(self.levels), per(self.low["thresholds"]), w["rate_up"], w["rate_down"], self.top
    )


def adapt(self: Batch) -> None:
    """The adaptive Taliban of every replication (``agents.Taliban._adapt``, over the block)."""
    a = {k.removeprefix("taliban.adaptive."): v[:, None] for k, v in self.coef.items() if "adaptive." in k}
    allied = np.flatnonzero(~self.hostile)
    levers = np.concatenate([self.crackdown[:, allied], self.concessions[:, None], self.lobbying[:, None]], axis=1)
    cand = rules.policy_candidates(levers, a["step"][:, 0])
    k = np.repeat(self.crackdown[:, None, :], cand.shape[1], axis=1)
    k[..., allied] = cand[..., : len(allied)]
    c, lob = cand[..., -2], cand[..., -1]
    p_up, p_down = self.move_probabilities(self.components(crackdown=k, concessions=c, lobbying=lob), cand=True)
    reward = rules.policy_reward(p_up, p_down, a["reward_weight"], self.lever_default("legitimacy_need")[:, None])
    cost = rules.taliban_costs(k, c, lob, self.strength[:, None], self.hostile, self.defection_shares, a)
    best = rules.best_policy(reward, cost)
    rows = np.arange(self.R)
    self.crackdown, self.concessions, self.lobbying = k[rows, best], c[rows, best], lob[rows, best]
