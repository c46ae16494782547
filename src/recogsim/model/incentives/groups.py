"""Rules of militant and resistance groups, and of the Taliban's pressure on them.

The Taliban's crackdown is a lever per group (an array with groups on the last axis), so it can
act on the TIP, as China demands, while sheltering the TTP (002: "China ... and Pakistan have
pressured the Taliban to crack down on Central Asian militant groups"; the Taliban restricts its
allies "but not excessively").
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from .arrays import real

Array = np.ndarray

FULL_PRESSURE = 1.0
"""The Taliban's pressure on hostile groups (ISK) whatever its policy: it fights ISK in earnest
(000: ISK attacks the Taliban and foreign missions in Kabul)."""


def allied_mean(values: ArrayLike, strength: ArrayLike, hostile: ArrayLike) -> Array:
    """Strength-weighted mean of per-group ``values`` over allied groups (groups on the last axis).

    Why weighted: a crackdown on a group with no fighters in Afghanistan restrains nothing and
    quiets nothing. Equal weights when every allied group has strength 0; 0 without allied groups.
    """
    allied = ~np.asarray(hostile, dtype=bool)
    s = np.where(allied, real(strength), 0.0)
    w = np.where(s.sum(axis=-1, keepdims=True) > 0, s, allied.astype(s.dtype))
    total = w.sum(axis=-1)
    weighted = (real(values) * w).sum(axis=-1)
    return np.where(total > 0, weighted / np.where(total > 0, total, 1.0), 0.0)


def group_pressure(crackdown: ArrayLike, hostile: ArrayLike) -> Array:
    """Taliban pressure on each group: its crackdown on allied groups, ``FULL_PRESSURE`` on ISK."""
    return np.where(np.asarray(hostile, dtype=bool), FULL_PRESSURE, real(crackdown))


def conduciveness(crackdown: ArrayLike, minority_violence: ArrayLike) -> Array:
    """How conducive Afghanistan is for a group's veterans abroad to return, in [0, 1].

    Veterans in the Levant "will migrate to Afghanistan if the conditions are conducive ... or
    possibly if reports of violence against Afghan minority communities compel them to
    intervene" (002): either path suffices, so the two combine as a probabilistic OR; a crackdown
    on the group makes the first less conducive.
    """
    open_door = 1.0 - real(crackdown)
    return 1.0 - (1.0 - open_door) * (1.0 - real(minority_violence))


def abandoned_jihad_narrative(crackdown: ArrayLike, strength: ArrayLike, hostile: ArrayLike) -> Array:
    """Strength of ISK's claim that the Taliban "itself has abandoned jihad" (002), in [0, 1].

    The strength-weighted mean over allied groups of the squared crackdown: convex, because
    restricting allies quietly is tolerated and being seen as "too much of an 'enemy' to longtime
    allies" is what feeds the narrative (002); weighted, because turning on a strong ally is seen.
    """
    return allied_mean(real(crackdown) ** 2, strength, hostile)


def narrative_recruits(recruits_from_narrative: ArrayLike, narrative: ArrayLike, strength: ArrayLike) -> Array:
    """ISK's monthly growth from the "abandoned jihad" narrative (002): its recruitment rate times
    the narrative's strength, logistic in ISK's own strength (recruits come from those not yet in it)."""
    return np.asarray(recruits_from_narrative) * np.asarray(narrative) * (1.0 - real(strength))


def militant_step(
    strength: ArrayLike,
    pool: ArrayLike,
    growth: ArrayLike,
    pressure: ArrayLike,
    crackdown_effect: ArrayLike,
    return_rate: ArrayLike,
    conducive: ArrayLike,
    defection_share: ArrayLike,
) -> tuple[Array, Array, Array]:
    """One month of a militant group: logistic recruitment, returns from abroad, losses to pressure.

    ``pressure`` is the Taliban's crackdown on an allied group and its fight against ISK for ISK.
    Returns (new strength, new pool abroad, fighters defecting to ISK). Crackdown "weakens them
    but drives defection" (002: the Taliban "cannot fully crack down ... without avoiding
    backlash"); strength stays in [0, 1].
    """
    s = real(strength)
    pool = real(pool)
    returns = np.asarray(return_rate) * np.asarray(conducive) * pool
    losses = np.asarray(crackdown_effect) * np.asarray(pressure) * s
    defectors = np.asarray(defection_share) * losses
    new = s + np.asarray(growth) * s * (1.0 - s) + returns - losses
    return np.clip(new, 0.0, 1.0), pool - returns, defectors


def militants_month(
    strength: ArrayLike,
    pool: ArrayLike,
    crackdown: ArrayLike,
    hostile: ArrayLike,
    growth: ArrayLike,
    crackdown_effect: ArrayLike,
    return_rate: ArrayLike,
    defection_share: ArrayLike,
    narrative_rate: ArrayLike,
    minority_violence: ArrayLike,
) -> tuple[Array, Array]:
    """One month of every militant group at once (groups on the last axis, any leading axes;
    ``minority_violence`` has the leading axes only): :func:`militant_step` for each group, and the
    defectors, who reach the hostile groups (ISK) the same month, shared equally among them, with
    ISK's recruits from the "abandoned jihad" narrative (002). Returns (strength, pool)."""
    s = real(strength)
    hostile = np.asarray(hostile, dtype=bool)
    pressure = group_pressure(crackdown, hostile)
    conducive = conduciveness(pressure, real(minority_violence)[..., None])
    new, pool, defectors = militant_step(
        s, pool, growth, pressure, crackdown_effect, return_rate, conducive, defection_share
    )
    if hostile.any():
        narrative = abandoned_jihad_narrative(crackdown, s, hostile)
        gain = defectors.sum(axis=-1, keepdims=True) / hostile.sum() + narrative_recruits(
            narrative_rate, narrative[..., None], s
        )
        new = np.where(hostile, new + gain, new)
    return np.minimum(new, 1.0), pool


def resistance_step(
    strength: ArrayLike,
    has_sanctuary: ArrayLike,
    sanctuary_growth: ArrayLike,
    outside_help: ArrayLike,
    pressure: ArrayLike,
) -> Array:
    """One month of an armed resistance group.

    The NRF had leaders sheltered in Tajikistan (000, 002) yet "the Taliban has largely crushed
    the NRF's armed opposition"; the other groups "remain weak, divided, and have no sanctuary or
    outside help" (000). Sanctuary and outside help feed logistic growth; Taliban pressure erodes.
    """
    s = real(strength)
    gain = (np.asarray(sanctuary_growth) * np.asarray(has_sanctuary) + np.asarray(outside_help)) * s * (1.0 - s)
    return np.clip(s + gain - np.asarray(pressure) * s, 0.0, 1.0)


def alternative_strength(strengths: ArrayLike) -> Array:
    """How strong an armed alternative to the Taliban is, in [0, 1]: 1 - prod(1 - s) over the
    resistance groups (last axis), so every group counts and none counts twice.

    000: the small armed groups "remain weak, divided, and have no sanctuary or outside help ...
    This removes the possibility of alternatives to the Taliban regime for the foreseeable future".
    """
    return 1.0 - np.prod(1.0 - real(strengths), axis=-1)


def resistance_cost(support: ArrayLike, shelters: ArrayLike) -> Array:
    """Cost to a state of dealing with the Taliban while it shelters resistance leaders it supports.

    Tajikistan "is looking to balance how they can keep the officials in Afghanistan happy and the
    resistance [leaders] in Tajikistan happy" (000). Zero once sanctuary is withdrawn.
    """
    return real(support) * real(shelters)
