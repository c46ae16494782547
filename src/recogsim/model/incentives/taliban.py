"""Rules of the adaptive Taliban: the policies it considers, their cost at home, their worth abroad.

Seed 002's "delicate balancing game": "placating the international community and neighboring
countries" against "restricting, but not excessively alienating, local jihadist counterparts".
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from numpy.typing import ArrayLike

from .groups import abandoned_jihad_narrative

Array = np.ndarray


def taliban_costs(
    crackdown: ArrayLike,
    concessions: ArrayLike,
    lobbying: ArrayLike,
    strength: ArrayLike,
    hostile: ArrayLike,
    defection_share: ArrayLike,
    w: Mapping[str, ArrayLike],
) -> Array:
    """Domestic cost of a policy to the Taliban (groups on the last axis of ``crackdown``).

    Backlash from each allied group grows convexly with the crackdown on it and with its strength
    ("restricting, but not excessively alienating"); crackdown also drives defections to ISK and
    feeds its narrative in proportion to ISK's strength; concessions cost cohesion with hard-liners
    who "refused to share power" (000); lobbying costs effort.
    """
    k = np.asarray(crackdown, dtype=float)
    hostile = np.asarray(hostile, dtype=bool)
    s = np.where(hostile, 0.0, np.asarray(strength, dtype=float))
    isk = np.asarray(strength, dtype=float)[..., hostile].sum(axis=-1)
    return (
        w["backlash_weight"] * (k**2 * s).sum(axis=-1)
        + w["defection_weight"] * (k * np.asarray(defection_share, dtype=float) * s).sum(axis=-1)
        + w["narrative_weight"] * abandoned_jihad_narrative(k, strength, hostile) * isk
        + w["concession_cost"] * np.asarray(concessions, dtype=float)
        + w["lobbying_cost"] * np.asarray(lobbying, dtype=float)
    )


def policy_candidates(levers: ArrayLike, step: ArrayLike) -> Array:
    """The policies one month away, by coordinate search: the current one, then each lever alone
    raised and lowered by ``step`` (clipped to [0, 1]); shape (..., 1 + 2 * levers, levers), the
    leading axes (replications) those of ``levers`` (..., levers) and ``step`` (...).

    Why one lever at a time: with a crackdown lever per allied group the full grid of moves grows
    as 3**levers; coordinate search grows as 2 * levers + 1 (17 for the baseline's six allied
    groups, concessions and lobbying), and the schema keeps it at most 63. The Taliban moves
    gradually (002's balancing game is played month by month, not by jumps).
    """
    x = np.asarray(levers, dtype=float)
    n = x.shape[-1]
    moves = np.concatenate([np.zeros((1, n)), np.eye(n), -np.eye(n)])
    return np.clip(x[..., None, :] + np.asarray(step, dtype=float)[..., None, None] * moves, 0.0, 1.0)


def policy_reward(p_up: ArrayLike, p_down: ArrayLike, reward_weight: ArrayLike, legitimacy_need: ArrayLike) -> Array:
    """What a policy is worth abroad to the Taliban: the expected net number of entities climbing
    a rung next month (summed over the last axis), valued by how much it needs legitimacy."""
    return np.asarray(reward_weight) * legitimacy_need * (np.asarray(p_up) - np.asarray(p_down)).sum(axis=-1)


def best_policy(reward: ArrayLike, cost: ArrayLike) -> Array:
    """The index of the candidate (last axis) whose reward most exceeds its domestic cost (the
    first, the current policy, on ties); one per leading index (replication)."""
    return np.argmax(np.asarray(reward) - np.asarray(cost), axis=-1)
