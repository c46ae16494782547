"""The model's decision rules as small pure numpy functions.

Each takes arrays (a scalar or any broadcastable shape), holds no state and draws no random
numbers, so an engine that advances many replications at once can call them unchanged. Every
coefficient arrives as an argument; the scenario schema (``config/schema.py``) names and bounds
it and ``docs/model.md`` gives its source. Source documents: ``000`` = RFE/RL analysis (April
2023), ``002`` = the security assessment of Central Asian militants.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from numpy.typing import ArrayLike

Array = np.ndarray

UTILITY_TERMS: dict[str, tuple[float, str | None]] = {
    "security": (1.0, "w_security"),
    "migration": (1.0, "w_migration"),
    "economic": (1.0, "w_economic"),
    "peer": (1.0, "w_peer"),
    "bandwagon": (1.0, "w_bandwagon"),
    "lobbying": (1.0, None),  # weighted inside lobbying_bonus
    "conditions": (-1.0, "w_conditions"),
    "militant_links": (-1.0, "w_militant_links"),
    "resistance": (-1.0, "w_resistance"),
    "alternative": (-1.0, "w_alternative"),
}
"""The terms of a state's utility in the order they are summed: sign (gain or cost) and the name of
the weight in ``rules``. The output record has one ``u_<term>`` column per term."""

FULL_PRESSURE = 1.0
"""The Taliban's pressure on hostile groups (ISK) whatever its policy: it fights ISK in earnest
(000: ISK attacks the Taliban and foreign missions in Kabul)."""


def security_motive(
    exposure: ArrayLike, strength: ArrayLike, restraint: ArrayLike, isk_attacks: ArrayLike, w_isk_attacks: float
) -> Array:
    """Security gain a state expects from dealing with the Taliban.

    Mechanism: neighbours engage because groups based in Afghanistan threaten them and "the
    Taliban will be useful against the threat of terrorism" (000, Hakimi); China and Pakistan
    press for crackdowns on the groups that target them (002). The motive is each group's
    strength times how far the Taliban restrains it (``restraint``, see :func:`restraint`),
    weighted by the state's exposure (last axis = groups), plus ISK's attacks on foreign missions
    in Kabul (000), which concern every state. Non-decreasing in exposure: all factors are >= 0.
    """
    exposure = np.asarray(exposure, dtype=float)
    threat = np.asarray(strength, dtype=float) * np.asarray(restraint, dtype=float)
    return np.sum(exposure * threat[..., None, :], axis=-1) + w_isk_attacks * np.asarray(isk_attacks)[..., None]


def restraint(crackdown: ArrayLike, hostile: ArrayLike, floor: float) -> Array:
    """How far engaging the Taliban is expected to curb each group, in [0, 1] (groups on the last axis).

    The Taliban fights ISK whatever its policy (000: ISK attacks the Taliban), so restraint of a
    hostile group is 1. Allied groups are curbed only as far as the Taliban cracks down; ``floor``
    is the part of the hope that holds before any crackdown ("hope the Taliban will be useful").
    """
    k = np.asarray(crackdown, dtype=float)[..., None]
    allied = floor + (1.0 - floor) * k
    return np.where(np.asarray(hostile, dtype=bool), 1.0, allied)


def migration_motive(concern: ArrayLike, pressure: ArrayLike) -> Array:
    """Migration gain: "concerns over terrorism and migration have prompted some neighboring
    countries to establish diplomatic relations" (000). Concern times the outflow pressure."""
    return np.asarray(concern, dtype=float) * np.asarray(pressure, dtype=float)[..., None]


def peer_pull(ties: ArrayLike, levels: ArrayLike) -> Array:
    """Alliance pull: the tie-weighted mean of how far tied states stand above this one, in rungs.

    Mechanism: states follow allies' moves (China is "Pakistan's closest ally and both countries
    have pressured the Taliban", 002). Only gaps upwards pull; a state is not dragged down by
    allies that stay low. ``ties[..., i, j]`` is i's weight on j; rows with no ties give 0.
    """
    ties = np.asarray(ties, dtype=float)
    levels = np.asarray(levels, dtype=float)
    gap = np.maximum(levels[..., None, :] - levels[..., :, None], 0.0)
    total = ties.sum(axis=-1)
    return np.where(total > 0, (ties * gap).sum(axis=-1) / np.where(total > 0, total, 1.0), 0.0)


def bandwagon(levels: ArrayLike, n_rungs: int, counted: ArrayLike | None = None) -> Array:
    """Share of states already at or above each entity's next rung.

    Mechanism: "The Taliban are hoping that these countries will relent over time" (000): each
    move makes the next cheaper for everyone else. Only ``counted`` entities (states, not the
    United Nations) make up the share; every entity, the UN included, feels it. Returns 0 for
    entities already at the top.
    """
    levels = np.asarray(levels)
    nxt = levels + 1
    above = levels[..., None, :] >= nxt[..., :, None]
    at_or_above = above.mean(axis=-1) if counted is None else above[..., np.asarray(counted, dtype=bool)].mean(axis=-1)
    return np.where(nxt < n_rungs, at_or_above, 0.0)


def compliance(concessions: ArrayLike, crackdown: ArrayLike, crackdown_ceiling: float) -> Array:
    """How far the Taliban meets each Western condition, in [0, 1]: (inclusive government,
    women's rights, break with al-Qaeda), stacked on the last axis.

    Concessions move the first two (000: the West ties recognition to "an inclusive government,
    ensuring women's rights, and breaking ties with Al-Qaeda"). Crackdown counts towards the break
    with al-Qaeda only up to ``crackdown_ceiling``: the Taliban restricts but does not expel its
    allies (002: "not expelling them, but working to ensure they remain quiet").
    """
    c = np.asarray(concessions, dtype=float)
    k = np.asarray(crackdown, dtype=float) * crackdown_ceiling
    return np.stack(np.broadcast_arrays(c, c, k), axis=-1)


def conditions_cost(conditions_weight: ArrayLike, compliance_levels: ArrayLike, shares: ArrayLike) -> Array:
    """Cost of the unmet conditions to a state that weighs them by ``conditions_weight``.

    Mechanism: Western recognition is tied to the three conditions, which "the militants have
    refused" (000). Non-negative, and linear in the weight, so a heavier weight never raises the
    incentive to engage.
    """
    unmet = 1.0 - np.asarray(compliance_levels, dtype=float)
    shares = np.asarray(shares, dtype=float)
    gap = (unmet * shares).sum(axis=-1) / max(float(shares.sum()), 1e-12)
    return np.asarray(conditions_weight, dtype=float) * gap[..., None]


def visible_links(visibility: ArrayLike, strength: ArrayLike, crackdown: ArrayLike, crackdown_ceiling: float) -> Array:
    """How visibly allied militants expose Taliban non-compliance (summed over allied groups).

    Mechanism: propaganda videos and activities "that come under the scrutiny of intelligence
    agencies and can expose the Taliban for failing to live up to its commitments" (002);
    restricting the groups keeps them quiet, up to ``crackdown_ceiling``.
    """
    quiet = 1.0 - np.asarray(crackdown, dtype=float) * crackdown_ceiling
    return np.sum(np.asarray(visibility) * np.asarray(strength), axis=-1) * quiet


def utility_terms(
    *,
    crackdown: ArrayLike,
    concessions: ArrayLike,
    lobbying: ArrayLike,
    levels: Array,
    exposure: Array,
    strength: Array,
    hostile: Array,
    visibility: Array,
    migration_concern: Array,
    migration_pressure: float,
    economic_interest: Array,
    ties: Array,
    conditions_weight: Array,
    resistance_support: Array,
    shelters: Array,
    resistance_strengths: Array,
    condition_shares: Array,
    n_rungs: int,
    handover_rung: int,
    w: Mapping[str, float],
    posts_held: Array,
    posts_open: Array,
    counted: Array | None = None,
) -> dict[str, Array]:
    """Every term of every state's utility (before its weight), in the order of ``UTILITY_TERMS``.

    The Taliban's levers may be arrays of candidate policies (leading axes), which is how the
    adaptive Taliban looks ahead: every term is then broadcast to (candidates..., states).
    ``w`` holds the rule coefficients that enter inside terms (``w_isk_attacks``, ``w_lobbying``,
    ``restraint_floor``, ``crackdown_ceiling``). ``posts_held`` and ``posts_open`` count each
    state's open Afghan posts held by the Taliban and in all (see :func:`post_channel`).
    """
    allied = ~np.asarray(hostile, dtype=bool)
    ceiling = w["crackdown_ceiling"]
    links = visible_links(visibility[allied], strength[allied], crackdown, ceiling)
    isk = float(strength[~allied].sum())
    channel = post_channel(levels, posts_held, posts_open, handover_rung)
    shape = (*np.broadcast(np.asarray(crackdown), np.asarray(concessions), np.asarray(lobbying)).shape, len(levels))
    terms = {
        "security": security_motive(
            exposure, strength, restraint(crackdown, hostile, w["restraint_floor"]), isk, w["w_isk_attacks"]
        ),
        "migration": migration_motive(migration_concern, migration_pressure),
        "economic": economic_interest,
        "peer": peer_pull(ties, levels),
        "bandwagon": bandwagon(levels, n_rungs, counted),
        "lobbying": lobbying_bonus(lobbying, levels, channel, w["w_lobbying"], handover_rung),
        "conditions": conditions_cost(conditions_weight, compliance(concessions, crackdown, ceiling), condition_shares),
        "militant_links": conditions_weight * np.asarray(links)[..., None],
        "resistance": resistance_cost(resistance_support, shelters),
        "alternative": np.full(len(levels), resistance_strengths.max(initial=0.0)),
    }
    return {k: np.broadcast_to(v, shape) for k, v in terms.items()}


def state_utility(terms: Mapping[str, ArrayLike], w: Mapping[str, float]) -> Array:
    """Transactional utility of climbing one rung: gains minus costs, each with its named weight.

    The terms are those the source documents give for engaging the Taliban (security, migration,
    trade and transit, allies, the hope others relent, Taliban lobbying) against those for
    holding back (the West's conditions, visible militant links, commitments to the resistance,
    and an armed alternative that has not yet been crushed, 000). Signs and weights: ``UTILITY_TERMS``.
    """
    total: Array | float = 0.0
    for name, (sign, weight) in UTILITY_TERMS.items():
        value = np.asarray(terms[name], dtype=float)
        term = value if weight is None else w[weight] * value
        total = total + term if sign > 0 else total - term
    return np.asarray(total)


def move_probabilities(
    utility: ArrayLike,
    level: ArrayLike,
    thresholds: ArrayLike,
    slope: float,
    rate_up: float,
    rate_down: float,
    top: ArrayLike | None = None,
) -> tuple[Array, Array]:
    """Monthly probabilities of moving one rung up and one rung down the relation ladder.

    A state climbs when its utility exceeds the threshold of the next rung and slides back when
    it falls below the threshold of its own; both are logistic in the gap, capped by the rates,
    so relations move slowly and can be reversed. ``thresholds[k]`` is the utility needed to hold
    rung ``k`` (``thresholds[0]`` is unused). No entity climbs above its ``top`` rung (the ladder's
    top by default; ``hosts_diplomats`` for the United Nations, where it means the seat) nor slides
    below the bottom. Both results lie in [0, 1] and sum to at most ``rate_up + rate_down``.
    """
    u = np.asarray(utility, dtype=float)
    lvl = np.asarray(level)
    th = np.asarray(thresholds, dtype=float)
    last = len(th) - 1
    up_th = th[np.minimum(lvl + 1, last)]
    own_th = th[lvl]
    p_up = rate_up * _logistic(slope * (u - up_th))
    p_down = rate_down * _logistic(slope * (own_th - u))
    ceiling = last if top is None else np.asarray(top)
    return np.where(lvl < ceiling, p_up, 0.0), np.where(lvl > 0, p_down, 0.0)


def _logistic(x: Array) -> Array:
    return 0.5 * (1.0 + np.tanh(0.5 * x))


def takeover_probability(lobbying: ArrayLike, rate: float, host_allows: ArrayLike) -> Array:
    """Monthly chance that a Republic-held post passes to the Taliban.

    "Control of diplomatic missions paves the way for the Taliban to lobby" (000): the Taliban
    takes posts where the host lets it (host at or above ``hosts_diplomats``; no Western host has
    done so, 000) at a rate proportional to its lobbying effort.
    """
    return rate * np.asarray(lobbying, dtype=float) * np.asarray(host_allows, dtype=float)


def mission_funds(funds: ArrayLike, revenue: ArrayLike, cost: ArrayLike, shock: ArrayLike, subsidy: ArrayLike) -> Array:
    """Reserves after one month, in months of full running cost.

    Posts "generate revenue by providing consular services"; "some missions have been abandoned
    due to a lack of funds. Others have relocated or downsized to cut costs" (000). ``shock`` is a
    relative revenue deviation drawn by the caller; revenue never turns negative.
    """
    income = np.asarray(revenue, dtype=float) * np.maximum(1.0 + np.asarray(shock, dtype=float), 0.0)
    return np.asarray(funds, dtype=float) + income + subsidy - cost


def conduciveness(crackdown: ArrayLike, minority_violence: ArrayLike) -> Array:
    """How conducive Afghanistan is for jihadist veterans abroad to return, in [0, 1].

    Veterans in the Levant "will migrate to Afghanistan if the conditions are conducive ... or
    possibly if reports of violence against Afghan minority communities compel them to
    intervene" (002): either path suffices, so the two combine as a probabilistic OR; a crackdown
    makes the first less conducive.
    """
    open_door = 1.0 - np.asarray(crackdown, dtype=float)
    return 1.0 - (1.0 - open_door) * (1.0 - np.asarray(minority_violence, dtype=float))


def abandoned_jihad_narrative(crackdown: ArrayLike) -> Array:
    """Strength of ISK's claim that the Taliban "itself has abandoned jihad" (002), in [0, 1].

    Convex in the crackdown on allies: restricting them quietly is tolerated, being seen as "too
    much of an 'enemy' to longtime allies" is what feeds the narrative (002).
    """
    return np.asarray(crackdown, dtype=float) ** 2


def group_pressure(crackdown: ArrayLike, hostile: ArrayLike) -> Array:
    """Taliban pressure on each group: its crackdown for allied groups, ``FULL_PRESSURE`` for ISK."""
    return np.where(np.asarray(hostile, dtype=bool), FULL_PRESSURE, np.asarray(crackdown, dtype=float))


def narrative_recruits(recruits_from_narrative: ArrayLike, crackdown: ArrayLike, strength: ArrayLike) -> Array:
    """ISK's monthly growth from the "abandoned jihad" narrative (002): its recruitment rate times
    the narrative's strength, logistic in ISK's own strength (recruits come from those not yet in it)."""
    return (
        np.asarray(recruits_from_narrative)
        * abandoned_jihad_narrative(crackdown)
        * (1.0 - np.asarray(strength, dtype=float))
    )


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

    ``pressure`` is the Taliban crackdown for allied groups and its fight against ISK for ISK.
    Returns (new strength, new pool abroad, fighters defecting to ISK). Crackdown "weakens them
    but drives defection" (002: the Taliban "cannot fully crack down ... without avoiding
    backlash"); strength stays in [0, 1].
    """
    s = np.asarray(strength, dtype=float)
    pool = np.asarray(pool, dtype=float)
    returns = np.asarray(return_rate) * np.asarray(conducive) * pool
    losses = np.asarray(crackdown_effect) * np.asarray(pressure) * s
    defectors = np.asarray(defection_share) * losses
    new = s + np.asarray(growth) * s * (1.0 - s) + returns - losses
    return np.clip(new, 0.0, 1.0), pool - returns, defectors


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
    s = np.asarray(strength, dtype=float)
    gain = (np.asarray(sanctuary_growth) * np.asarray(has_sanctuary) + np.asarray(outside_help)) * s * (1.0 - s)
    return np.clip(s + gain - np.asarray(pressure) * s, 0.0, 1.0)


def taliban_costs(
    crackdown: ArrayLike,
    concessions: ArrayLike,
    lobbying: ArrayLike,
    allied_strength: ArrayLike,
    isk_strength: ArrayLike,
    defection_share: ArrayLike,
    w: dict[str, float],
) -> Array:
    """Domestic cost of a policy to the Taliban (seed 002's "delicate balancing game").

    Backlash from allied jihadists grows convexly with crackdown ("restricting, but not
    excessively alienating"); crackdown also drives defections to ISK and feeds its narrative in
    proportion to ISK's strength; concessions cost cohesion with hard-liners who "refused to share
    power" (000); lobbying costs effort.
    """
    k = np.asarray(crackdown, dtype=float)
    allied = np.asarray(allied_strength, dtype=float)
    return (
        w["backlash_weight"] * k**2 * allied
        + w["defection_weight"] * k * np.asarray(defection_share) * allied
        + w["narrative_weight"] * abandoned_jihad_narrative(k) * np.asarray(isk_strength)
        + w["concession_cost"] * np.asarray(concessions, dtype=float)
        + w["lobbying_cost"] * np.asarray(lobbying, dtype=float)
    )


def policy_candidates(levers: ArrayLike, step: float) -> Array:
    """Every policy one month away: each lever (crackdown, concessions, lobbying) held, raised or
    lowered by ``step``, clipped to [0, 1]; shape (27, 3). The adaptive Taliban moves gradually
    (002's "delicate balancing game" is played month by month, not by jumps)."""
    moves = np.array([-step, 0.0, step])
    grid = np.stack(np.meshgrid(moves, moves, moves, indexing="ij"), axis=-1).reshape(-1, 3)
    return np.clip(grid + np.asarray(levers, dtype=float), 0.0, 1.0)


def policy_reward(p_up: ArrayLike, p_down: ArrayLike, reward_weight: float, legitimacy_need: float) -> Array:
    """What a policy is worth abroad to the Taliban: the expected net number of states climbing a
    rung next month (summed over the last axis), valued by how much it needs legitimacy."""
    return reward_weight * legitimacy_need * (np.asarray(p_up) - np.asarray(p_down)).sum(axis=-1)


def best_policy(candidates: Array, reward: ArrayLike, cost: ArrayLike) -> Array:
    """The candidate whose reward most exceeds its domestic cost (the first, on ties)."""
    return candidates[int(np.argmax(np.asarray(reward) - np.asarray(cost)))]


def legitimacy(levels: ArrayLike, n_rungs: int) -> Array:
    """Taliban legitimacy index in [0, 1]: the mean relation level of the states given (the model
    gives the states proper, not the United Nations), as a share of the top rung. A summary for
    plots, not a driver."""
    return np.asarray(levels, dtype=float).mean(axis=-1) / (n_rungs - 1)


def post_channel(levels: ArrayLike, held: ArrayLike, open_posts: ArrayLike, handover_rung: int) -> Array:
    """How far the Taliban can lobby a state above the handover rung, in [0, 1]: the share of the
    state's open Afghan posts that it holds; where no Afghan post is open, 1 if the state accepts
    Taliban diplomats at all (a chargé) and 0 otherwise.

    Mechanism: "Control of diplomatic missions paves the way for the Taliban to lobby for formal
    recognition in those countries" (000). Posts are the channel, so taking them matters for the
    ladder: a state whose posts stay with Republic-era staff is lobbied through none of them.
    """
    held = np.asarray(held, dtype=float)
    posts = np.asarray(open_posts, dtype=float)
    share = np.divide(held, posts, out=np.zeros(np.broadcast(held, posts).shape), where=posts > 0)
    accepts = (np.asarray(levels) >= handover_rung).astype(float)
    return np.where(posts > 0, share, accepts)


def lobbying_bonus(
    lobbying: ArrayLike, level: ArrayLike, channel: ArrayLike, w_lobbying: float, handover_rung: int
) -> Array:
    """Bonus from Taliban lobbying on a state's next rung.

    Lobbying works on the rung where a post is handed over, and above it only through the posts
    it holds there (``channel``, :func:`post_channel`): "Control of diplomatic missions paves the
    way for the Taliban to lobby for formal recognition in those countries" (000).
    """
    nxt = np.asarray(level) + 1
    lob = w_lobbying * np.asarray(lobbying, dtype=float)[..., None]
    return np.where(nxt == handover_rung, lob, np.where(nxt > handover_rung, lob * np.asarray(channel), 0.0))


def resistance_cost(support: ArrayLike, shelters: ArrayLike) -> Array:
    """Cost to a state of dealing with the Taliban while it shelters resistance leaders it supports.

    Tajikistan "is looking to balance how they can keep the officials in Afghanistan happy and the
    resistance [leaders] in Tajikistan happy" (000). Zero once sanctuary is withdrawn.
    """
    return np.asarray(support, dtype=float) * np.asarray(shelters, dtype=float)
