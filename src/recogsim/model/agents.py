"""The five kinds of agent. Each acts for itself through the model's seeded generator and the
pure rules in :mod:`recogsim.model.incentives`; dynamic state sits in the model's arrays (agents are
views on one row), so the rules can be evaluated for all states at once."""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa
import numpy as np

from . import incentives as rules

if TYPE_CHECKING:
    from .model import RecognitionModel

from .shared import HOSTS


class State(mesa.Agent):
    """A state deciding each month whether to move one rung up or down the relation ladder."""

    model: RecognitionModel

    def __init__(self, model: RecognitionModel, idx: int, name: str, bloc: str):
        super().__init__(model)
        self.idx, self.name, self.bloc = idx, name, bloc

    @property
    def level(self) -> int:
        return int(self.model.levels[self.idx])

    def step(self) -> None:
        """Draw this month's move from the probabilities the model evaluated for every state."""
        draw = self.model.rng.random()
        p_up, p_down = self.model.p_up[self.idx], self.model.p_down[self.idx]
        if draw < p_up:
            self.model.set_level(self, self.level + 1)
        elif draw < p_up + p_down:
            self.model.set_level(self, self.level - 1)


class Taliban(mesa.Agent):
    """The Taliban government: sets its crackdown on each allied group, concessions and lobbying
    each month.

    Fixed mode keeps the scenario's levers. Adaptive mode searches one lever at a time (hold, or
    one lever a step up or down: :func:`~.incentives.policy_candidates`) and keeps the policy whose
    expected net climb of states, valued by ``legitimacy_need``, most exceeds its domestic cost
    (002's balancing act). The rules (candidates, reward, cost, choice) are in :mod:`.incentives`.
    """

    model: RecognitionModel

    def __init__(self, model: RecognitionModel, crackdown: np.ndarray):
        super().__init__(model)
        spec = model.scenario.taliban
        self.crackdown = crackdown
        """Crackdown on each militant group (entries of hostile groups are not read)."""
        self.concessions, self.lobbying = spec.concessions, spec.lobbying

    def step(self) -> None:
        spec = self.model.scenario.taliban
        if spec.mode == "adaptive":
            self._adapt(spec)

    def _adapt(self, spec) -> None:
        a, m = spec.adaptive, self.model
        allied = np.flatnonzero(~m.hostile)
        cand = rules.policy_candidates([*self.crackdown[allied], self.concessions, self.lobbying], a.step)
        k = np.broadcast_to(self.crackdown, (len(cand), len(self.crackdown))).copy()
        k[:, allied] = cand[:, : len(allied)]
        c, lob = cand[:, -2], cand[:, -1]
        p_up, p_down = m.move_probabilities(m.components(crackdown=k, concessions=c, lobbying=lob))
        reward = rules.policy_reward(p_up, p_down, a.reward_weight, spec.legitimacy_need)
        cost = rules.taliban_costs(k, c, lob, m.strength, m.hostile, m.defection_shares, a.model_dump())
        best = int(rules.best_policy(reward, cost))
        self.crackdown, self.concessions, self.lobbying = k[best], float(c[best]), float(lob[best])


class MilitantGroup(mesa.Agent):
    """A militant group: grows, draws veterans home from Syria, loses to Taliban pressure.

    Allied groups (al-Qaeda/AQIS, TTP, IMU, TIP, Jamaat Ansarullah, Jund al-Khilafah) suffer the
    crackdown on them and lose defectors to ISK; ISK is fought by the Taliban whatever its policy
    and gains from defectors and the "abandoned jihad" narrative (002). The groups' monthly update
    is one array operation in the model (:meth:`RecognitionModel.militants_step`), since they act
    on nobody within the month; the agent names the group and reads its row.
    """

    model: RecognitionModel

    def __init__(self, model: RecognitionModel, idx: int, name: str, hostile: bool):
        super().__init__(model)
        self.idx, self.name, self.hostile = idx, name, hostile


class Resistance(mesa.Agent):
    """An armed resistance group (the NRF and smaller ones) with or without a foreign sanctuary."""

    model: RecognitionModel

    def __init__(self, model: RecognitionModel, idx: int, name: str, host: int | None):
        super().__init__(model)
        self.idx, self.name = idx, name
        self.host = host  # index of the sheltering state, None once withdrawn or if never held

    def step(self) -> None:
        m, spec = self.model, self.model.scenario.resistance[self.idx]
        m.resistance_strengths[self.idx] = float(
            rules.resistance_step(
                m.resistance_strengths[self.idx],
                self.host is not None,
                spec.sanctuary_growth,
                spec.outside_help,
                spec.pressure,
            )
        )

    def withdraw_sanctuary(self) -> None:
        self.host = None


class Mission(mesa.Agent):
    """One of Afghanistan's posts abroad: lives on consular revenue, may downsize, close or be taken.

    The model updates every post's reserves at once (``RecognitionModel.pay_the_month``); the post
    then decides for itself: downsize when reserves run out, close when arrears pass
    ``closure_debt``, and change hands when its host allows it and Taliban lobbying succeeds.
    """

    model: RecognitionModel

    def __init__(self, model: RecognitionModel, idx: int, name: str, host: int, controller: str):
        super().__init__(model)
        self.idx, self.name, self.host = idx, name, host
        self.controller = controller
        self.downsized = False
        self.closed_by: str | None = "initial" if controller == "closed" else None
        """Why the post closed (a key of ``record.CLOSURE_CAUSES``), None while it is open."""

    @property
    def funds(self) -> float:
        return float(self.model.funds[self.idx])

    def step(self) -> None:
        if self.controller == "closed":
            return
        m, r = self.model, self.model.scenario.rules
        downsize, close = m.finances[0][self.idx], m.finances[1][self.idx]  # RecognitionModel.pay_the_month
        if downsize:
            self.downsized = True
        elif close:
            m.close(self, "funds")
            return
        if self.controller == "republic":
            allows = m.levels[self.host] >= HOSTS
            if allows and m.rng.random() < rules.takeover_probability(m.taliban.lobbying, r.takeover_rate, allows):
                m.hand_over(self)
