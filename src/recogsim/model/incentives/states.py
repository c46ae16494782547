"""The terms of a state's transactional utility of each rung of the relation ladder.

A state weighs what holding a rung gains it against what it costs, rung by rung: the West's
conditions and the cost of defying the UN's credentials position weigh on de facto relations and
recognition, and only a small share of the conditions on accepting Taliban diplomats (000 ties the
conditions to "recognition"). Every term is evaluated for two rungs at once, the next one up
(should the state climb?) and its own (should it hold?), on the second-last axis. How the terms
add up to a utility, and the utility to a month's moves: :mod:`.utility`.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from numpy.typing import ArrayLike

from .arrays import SMALL, real, select
from .arrays import per_entity as _per_entity
from .groups import allied_mean, resistance_cost
from .posts import lobbying_bonus, post_channel

Array = np.ndarray


def security_motive(
    exposure: ArrayLike, strength: ArrayLike, restraint: ArrayLike, isk_attacks: ArrayLike, w_isk_attacks: ArrayLike
) -> Array:
    """Security gain a state expects from dealing with the Taliban, (..., states).

    Mechanism: neighbours engage because groups based in Afghanistan threaten them and "the
    Taliban will be useful against the threat of terrorism" (000, Hakimi). The motive is each
    group's strength times how far the Taliban is expected to restrain it (``restraint``, groups on
    the last axis), weighted by the state's exposure, plus ISK's attacks on foreign missions in
    Kabul (000), which concern every state. Non-decreasing in exposure: all factors are >= 0.
    """
    threat = real(strength) * real(restraint)
    total = _exposed(real(exposure), threat)
    return total + np.asarray(w_isk_attacks * real(isk_attacks))[..., None]


def _exposed(exposure: Array, threat: Array) -> Array:
    """``sum(exposure * threat[..., None, :], axis=-1)``: each state's exposure-weighted threat,
    (..., states). For a block of runs (``threat`` with leading axes, one ``exposure`` matrix)
    group by group, without the (runs, states, groups) product, states by runs (numpy's loops run
    along the runs): numpy sums fewer than 8 terms one after another, so the same additions in
    the same order give the same bits (``tests/model/test_batch.py``)."""
    groups = exposure.shape[-1]
    small = threat.size // max(groups, 1) * len(exposure) < SMALL  # one run, its candidate policies too
    if exposure.ndim != 2 or threat.ndim < 2 or not 0 < groups < 8 or small:
        return np.sum(exposure * threat[..., None, :], axis=-1)
    by_group = np.moveaxis(threat, -1, 0).copy()  # (groups, ..., runs): each group's row contiguous
    flat = by_group.reshape(groups, -1)
    total = exposure[:, 0, None] * flat[0]  # (states, runs...): long rows for numpy's loops
    part = np.empty_like(total)
    for g in range(1, groups):
        at = np.flatnonzero(exposure[:, g])
        if 2 * at.size > len(exposure):
            total += np.multiply(exposure[:, g, None], flat[g], out=part)
        elif at.size:  # states not exposed add a zero: left out (the threat is never negative)
            total[at] += exposure[at, g, None] * flat[g]
    return np.ascontiguousarray(np.moveaxis(total.reshape((-1, *threat.shape[:-1])), 0, -1))


def restraint(crackdown: ArrayLike, hostile: ArrayLike, floor: ArrayLike) -> Array:
    """How far engaging the Taliban is expected to curb each group, in [0, 1] (groups on the last axis).

    The Taliban fights ISK whatever its policy (000: ISK attacks the Taliban), so restraint of a
    hostile group is 1. An allied group is curbed as far as the Taliban cracks down on it;
    ``floor`` is the part of the hope that holds before any crackdown ("hope the Taliban will be
    useful against the threat of terrorism", 000).
    """
    k = real(crackdown)
    f = _per_entity(floor, 1)
    return np.where(np.asarray(hostile, dtype=bool), 1.0, f + (1.0 - f) * k)


def sheltering_cost(exposure: ArrayLike, strength: ArrayLike, crackdown: ArrayLike, hostile: ArrayLike) -> Array:
    """Cost to a state of dealing with a government that leaves groups threatening it unrestrained.

    Mechanism: "Other Central Asian countries remain wary of the Taliban, given that it hosted or
    cooperated with the ... IMU, ... Jund al-Khilafah, TIP" and China and Pakistan "have pressured
    the Taliban to crack down" (002). Each allied group's strength times the share the Taliban
    leaves loose (1 - its crackdown), weighted by exposure; ISK, which the Taliban fights, adds
    nothing. So a stronger unrestrained group lowers an exposed state's utility whenever
    ``w_sheltering`` exceeds ``w_security * restraint_floor`` (what the group adds to the hope).
    """
    loose = np.where(np.asarray(hostile, dtype=bool), 0.0, 1.0 - real(crackdown))
    threat = real(strength) * loose
    return _exposed(real(exposure), threat)


def migration_motive(concern: ArrayLike, pressure: ArrayLike) -> Array:
    """Migration gain: "concerns over terrorism and migration have prompted some neighboring
    countries to establish diplomatic relations" (000). Concern times the outflow pressure."""
    return real(concern) * real(pressure)[..., None]


def peer_pull(ties: ArrayLike, levels: ArrayLike) -> Array:
    """Alliance pull: how far tied states stand above this one, in rungs, weighted by the ties.

    Mechanism: states follow allies' moves (China is "Pakistan's closest ally and both countries
    have pressured the Taliban", 002). Only gaps upwards pull; a state is not dragged down by
    allies that stay low. ``ties[..., i, j]`` in [0, 1] is i's weight on j: a weak tie pulls
    weakly, and where the weights add up to more than 1 they are scaled to sum to 1, so many ties
    pull no harder than one full tie. Rows with no ties give 0.
    """
    ties = real(ties)
    levels = np.asarray(levels, dtype=ties.dtype)
    if levels.ndim > 1 and ties.ndim == 2:  # a block of runs: the same sum over the ties there are
        return _sparse_pull(ties, levels)
    gap = np.maximum(levels[..., None, :] - levels[..., :, None], 0.0)
    return (ties * gap).sum(axis=-1) / np.maximum(ties.sum(axis=-1), 1.0)


def _sparse_pull(ties: Array, levels: Array) -> Array:
    """:func:`peer_pull` for levels with leading axes (a block of runs) and one ``ties`` matrix:
    the same terms, summed over the nonzero ties only (a few per state), so equal to the dense sum
    up to rounding (``tests/model/test_batch.py``)."""
    i, j = np.nonzero(ties)
    out = np.zeros(levels.shape, dtype=levels.dtype)
    if i.size:
        terms = ties[i, j] * np.maximum(levels[..., j] - levels[..., i], 0.0)
        rows, starts = np.unique(i, return_index=True)  # np.nonzero lists each row's ties together
        out[..., rows] = np.add.reduceat(terms, starts, axis=-1)
    return out / np.maximum(ties.sum(axis=-1), 1.0)


def bandwagon(levels: ArrayLike, rungs: ArrayLike, counted: ArrayLike, dtype: type | np.dtype = float) -> Array:
    """Share of the other states already at or above each entity's rung in ``rungs``.

    Mechanism: "The Taliban are hoping that these countries will relent over time" (000): each
    move makes the next cheaper for everyone else. Only ``counted`` entities (states, not the
    United Nations) make up the share; every entity, the UN included, feels it. ``rungs`` is
    (..., entities); an entity never counts itself. Zero for a first mover: the regime's
    durability (:func:`durability`) is what lets someone go first. ``dtype``: the shares' float type.
    """
    levels = np.asarray(levels)
    r = np.asarray(rungs)
    counted = np.asarray(counted, dtype=bool)
    if levels.ndim == 2 and r.shape[0] == levels.shape[0] and counted.ndim == 1:
        return _bandwagon_block(levels, r, counted, dtype)
    lv = levels[..., None, :] if r.ndim > levels.ndim else levels  # rungs may add a rung axis
    # how many counted entities stand at or above each rung k: an exact count, so taking it at
    # each entity's rung equals comparing every pair of entities
    k = np.arange(int(r.max(initial=0)) + 1)
    at_or_above = ((levels[..., None, :] >= k[:, None]) & counted).sum(axis=-1)
    at_or_above = at_or_above.reshape(at_or_above.shape[:-1] + (1,) * (r.ndim - levels.ndim) + k.shape)
    at = np.take_along_axis(at_or_above, r, axis=-1) if r.ndim > 1 else at_or_above[r]
    at_self = counted & (lv >= r)
    others = np.maximum(counted.sum() - counted, 1)
    return np.divide(at - at_self, others, dtype=dtype)


def _bandwagon_block(levels: Array, r: Array, counted: Array, dtype: type | np.dtype) -> Array:
    """:func:`bandwagon` for a block of runs ((runs, entities) levels, ``rungs`` (runs, ...,
    entities)): the counts at or above each rung from each run's count at each level, the same
    integers, so the same result."""
    runs, top = levels.shape[0], max(int(r.max(initial=0)), int(levels.max(initial=0))) + 1
    # each run's counted entities by level, from one bincount (entities not counted go to one
    # extra bin, left out)
    at_level = levels + (np.arange(runs) * top)[:, None]
    at_level[:, ~counted] = runs * top
    at_level_count = np.bincount(at_level.ravel(), minlength=runs * top + 1)[:-1].reshape(runs, top)
    # the counts (whole numbers below 2**24) in ``dtype`` before they are looked up: the same
    # numbers as the integers ``np.divide(..., dtype=dtype)`` casts, gathered at half the bytes
    at_or_above = np.cumsum(at_level_count[:, ::-1], axis=1)[:, ::-1].astype(dtype).ravel()
    at = at_or_above[r + (np.arange(runs) * top).reshape((runs,) + (1,) * (r.ndim - 1))]
    lv = levels.reshape((runs,) + (1,) * (r.ndim - 2) + levels.shape[1:])
    at -= counted & (lv >= r)  # an entity never counts itself
    others = np.maximum(counted.sum() - counted, 1).astype(dtype)
    return np.divide(at, others, out=at)


def compliance(
    concessions: ArrayLike, crackdown: ArrayLike, strength: ArrayLike, hostile: ArrayLike, crackdown_ceiling: ArrayLike
) -> Array:
    """How far the Taliban meets each Western condition, in [0, 1]: (inclusive government,
    women's rights, break with al-Qaeda), stacked on the last axis.

    Concessions move the first two (000: the West ties recognition to "an inclusive government,
    ensuring women's rights, and breaking ties with Al-Qaeda"). The break is the strength-weighted
    crackdown on allied groups (002: the commitment is to allow neither "al-Qaeda or international
    terrorists" on its territory), and counts only up to ``crackdown_ceiling``: the Taliban
    restricts but does not expel its allies (002: "not expelling them, but working to ensure they
    remain quiet").
    """
    c = real(concessions)
    k = crackdown_ceiling * allied_mean(crackdown, strength, hostile)
    return np.stack(np.broadcast_arrays(c, c, k), axis=-1)


def conditions_cost(conditions_weight: ArrayLike, compliance_levels: ArrayLike, shares: ArrayLike) -> Array:
    """Cost of the unmet conditions to a state that weighs them by ``conditions_weight``.

    Mechanism: Western recognition is tied to the three conditions, which "the militants have
    refused" (000). Non-negative, and linear in the weight, so a heavier weight never raises the
    incentive to engage.
    """
    unmet = 1.0 - real(compliance_levels)
    shares = real(shares)
    gap = (unmet * shares).sum(axis=-1) / np.maximum(shares.sum(axis=-1), 1e-12)
    return real(conditions_weight) * gap[..., None]


def visible_links(
    visibility: ArrayLike, strength: ArrayLike, crackdown: ArrayLike, hostile: ArrayLike, crackdown_ceiling: ArrayLike
) -> Array:
    """How visibly allied militants expose Taliban non-compliance (summed over allied groups).

    Mechanism: propaganda videos and activities "that come under the scrutiny of intelligence
    agencies and can expose the Taliban for failing to live up to its commitments" (002);
    restricting a group keeps it quiet, up to ``crackdown_ceiling``.
    """
    quiet = 1.0 - real(crackdown) * _per_entity(crackdown_ceiling, 1)
    loud = real(visibility) * real(strength) * quiet
    return np.asarray(np.where(np.asarray(hostile, dtype=bool), 0.0, loud).sum(axis=-1))


def recognition_scope(rungs: ArrayLike, top: ArrayLike, de_facto_rung: int, hosting_share: ArrayLike) -> Array:
    """How much of the recognition costs (conditions, visible links) a rung carries: all of them
    from de facto up, and at an entity's own top rung (the United Nations' seat); the share
    ``hosting_share`` below. 000 ties the conditions to "recognition"; accepting Taliban
    diplomats in a post is not recognition, but is not free of them either."""
    r = np.asarray(rungs)
    share = _per_entity(hosting_share, 2) if r.ndim >= 2 else hosting_share
    return select((r >= de_facto_rung) | (r >= np.asarray(top)), 1.0, share)


def un_defiance(rungs: ArrayLike, counted: ArrayLike, un_seated: ArrayLike, de_facto_rung: int) -> Array:
    """Whether holding a rung defies the UN's credentials position: 1 for a state (not the UN) at
    de facto or above while the General Assembly has not seated a Taliban nominee, else 0.

    Public fact: the General Assembly's Credentials Committee deferred its decision on
    Afghanistan's seat in December 2021 and December 2022, leaving the Republic's representative
    seated; accrediting a Taliban ambassador or recognising the government goes against that.
    """
    r = np.asarray(rungs)
    seated = _per_entity(un_seated, 2) if r.ndim >= 2 else real(un_seated)
    return select(np.asarray(counted, dtype=bool) & (r >= de_facto_rung), 1.0 - seated, 0.0)


def durability(months_in_power: ArrayLike, durability_months: ArrayLike, alternative: ArrayLike) -> Array:
    """How settled the Taliban regime looks, in [0, 1]: time since it took Kabul (August 2021),
    saturating with scale ``durability_months``, times the absence of an armed alternative.

    Mechanism: "The Taliban are hoping that these countries will relent over time"; the weakness
    of the armed groups "removes the possibility of alternatives to the Taliban regime for the
    foreseeable future. Which in turn ensures that the Taliban can have amicable, or at least sort
    of transactional, relationships with countries in the region" (000). A gain that grows with
    time, so a first mover needs nobody above it.
    """
    t = np.maximum(real(months_in_power), 0.0)
    return (1.0 - np.exp(-t / durability_months)) * (1.0 - real(alternative))


def track_record(record: ArrayLike, lever: ArrayLike, credibility_months: ArrayLike) -> Array:
    """The Taliban's levers as states credit them: last month's record moved ``1 /
    credibility_months`` of the way to this month's lever (1 month: believed at once).

    Mechanism: with "similar Taliban pledges, including on the protection of human rights, women's
    education and inclusive government, many remain highly skeptical of both the capability and
    willingness" (002): the Taliban hosted AQIS's leader while it negotiated at Doha (002). States
    judge by the record, so a new crackdown or concession pays abroad only as it is sustained,
    while what the groups themselves suffer (:func:`~.groups.militant_step`) is immediate.
    """
    r = real(record)
    return r + (real(lever) - r) / credibility_months


def utility_terms(
    *,
    crackdown: ArrayLike,
    concessions: ArrayLike,
    lobbying: ArrayLike,
    levels: Array,
    top: Array,
    counted: Array,
    exposure: Array,
    strength: Array,
    hostile: Array,
    visibility: Array,
    migration_concern: Array,
    migration_pressure: ArrayLike,
    economic_interest: Array,
    ties: Array,
    conditions_weight: Array,
    resistance_support: Array,
    shelters: Array,
    alternative: ArrayLike,
    months_in_power: ArrayLike,
    un_seated: ArrayLike,
    condition_shares: Array,
    handover_rung: int,
    de_facto_rung: int,
    w: Mapping[str, ArrayLike],
    posts_held: Array,
    posts_open: Array,
) -> dict[str, Array]:
    """Every term of every state's utility (before its weight), in the order of ``utility.UTILITY_TERMS``,
    each broadcastable to (..., 2, states): row 0 for the next rung up, row 1 for the state's own
    rung. A term that does not depend on the rung (or on the levers) has a rung axis of length 1
    (and no lever axes), so nothing is copied; ``state_utility`` broadcasts.

    The Taliban's levers may carry leading axes of candidate policies (``crackdown`` has groups on
    its last axis), which is how the adaptive Taliban looks ahead. ``w`` holds the coefficients
    that enter inside terms (``w_isk_attacks``, ``w_lobbying``, ``restraint_floor``,
    ``crackdown_ceiling``, ``hosting_conditions_share``, ``durability_months``).
    """
    k = real(crackdown)
    ceiling = w["crackdown_ceiling"]
    rungs = _rungs(levels, top)
    scope = recognition_scope(rungs, top, de_facto_rung, w["hosting_conditions_share"])
    isk = strength[..., hostile].sum(axis=-1)
    security = security_motive(exposure, strength, restraint(k, hostile, w["restraint_floor"]), isk, w["w_isk_attacks"])
    gap = conditions_cost(conditions_weight, compliance(concessions, k, strength, hostile, ceiling), condition_shares)
    links = visible_links(visibility, strength, k, hostile, ceiling)
    channel = post_channel(levels, posts_held, posts_open, handover_rung)
    settled = np.asarray(durability(months_in_power, w["durability_months"], alternative))
    return {
        "security": security[..., None, :],
        "migration": migration_motive(migration_concern, migration_pressure)[..., None, :],
        "economic": real(economic_interest)[..., None, :],
        "peer": peer_pull(ties, levels)[..., None, :],
        "bandwagon": bandwagon(levels, rungs, counted, k.dtype),
        "lobbying": lobbying_bonus(lobbying, rungs, channel, w["w_lobbying"], handover_rung),
        "durability": np.broadcast_to(settled[..., None, None], (*settled.shape, 1, levels.shape[-1])),
        "conditions": gap[..., None, :] * scope,
        "militant_links": conditions_weight * links[..., None, None] * scope,
        "sheltering": sheltering_cost(exposure, strength, k, hostile)[..., None, :],
        "un_credentials": un_defiance(rungs, counted, un_seated, de_facto_rung),
        "resistance": resistance_cost(resistance_support, shelters)[..., None, :],
    }


def _rungs(levels: Array, top: Array) -> Array:
    """(..., 2, states): each state's next rung up (no higher than its ``top``) and its own rung.
    A level does not exceed its top (the scenario's check, and every move is clipped), so the next
    rung is the level plus whether it is below the top: ``np.minimum(levels + 1, top)`` without
    a branch per element (``np.stack`` would copy a block's rows element by element, too). A
    level above its top (a scenario that skipped its checks) gets its top, as ``np.minimum`` gives."""
    up = levels + (levels < top)
    above = levels > top
    if above.any():
        up = np.where(above, top, up)
    rungs = np.empty((*up.shape[:-1], 2, up.shape[-1]), dtype=np.result_type(up, levels))
    rungs[..., 0, :], rungs[..., 1, :] = up, levels
    return rungs
