"""How a state's utility terms (:mod:`.states`) add up to its utility of a rung, and the utility to
its monthly moves on the relation ladder: each term with its sign and named weight, summed in one
fixed order (which both engines share, so their sums agree bit for bit), then logistic move
probabilities capped by the rates; and the legitimacy index the ladder sums up to.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from numpy.typing import ArrayLike

from .arrays import SMALL, real, select
from .arrays import at_rung as _at_rung
from .arrays import logistic as _logistic
from .arrays import per_entity as _per_entity

Array = np.ndarray

UTILITY_TERMS: dict[str, tuple[float, str | None]] = {
    "security": (1.0, "w_security"),
    "migration": (1.0, "w_migration"),
    "economic": (1.0, "w_economic"),
    "peer": (1.0, "w_peer"),
    "bandwagon": (1.0, "w_bandwagon"),
    "lobbying": (1.0, None),  # weighted inside lobbying_bonus
    "durability": (1.0, "w_durability"),
    "conditions": (-1.0, "w_conditions"),
    "militant_links": (-1.0, "w_militant_links"),
    "sheltering": (-1.0, "w_sheltering"),
    "un_credentials": (-1.0, "w_un_credentials"),
    "resistance": (-1.0, "w_resistance"),
}
"""The terms of a state's utility in the order they are summed: sign (gain or cost) and the name of
the weight in ``rules``. The output record has one ``u_<term>`` column per term."""

SLOPE = 4.0
"""The unit of utility. Move probabilities are logistic in ``SLOPE * (utility - threshold)``; a
free slope would be exactly interchangeable with a common rescaling of every weight and threshold,
so it is fixed and the weights and thresholds carry the scale (a gap of 0.25 is one logit)."""


def _weighted(terms: Mapping[str, ArrayLike], w: Mapping[str, ArrayLike]):
    """Each term in the order of ``UTILITY_TERMS``: (name, sign, its weight broadcast over the
    entity axes or None, its values): the one reading of terms and weights that
    :func:`term_contributions` and :func:`state_utility` share. A Python number weighing float64
    values stays a number (one run's weights are: the same products, without an array each)."""
    for name, (sign, weight) in UTILITY_TERMS.items():
        value = real(terms[name])
        if weight is None:
            yield name, sign, None, value
        elif type(w[weight]) is float and value.dtype == np.float64:
            yield name, sign, w[weight], value
        else:
            yield name, sign, _per_entity(w[weight], 2), value


def term_contributions(terms: Mapping[str, ArrayLike], w: Mapping[str, ArrayLike]) -> dict[str, Array]:
    """Each term's part of a state's utility: the term with its weight and its sign (``UTILITY_TERMS``),
    in the order they are summed. What "drives" a state this month, term by term (the page shows
    them); :func:`state_utility` is their sum."""
    out: dict[str, Array] = {}
    for name, sign, coefficient, value in _weighted(terms, w):
        term = value if coefficient is None else coefficient * value
        out[name] = term if sign > 0 else -term
    return out


def state_utility(terms: Mapping[str, ArrayLike], w: Mapping[str, ArrayLike]) -> Array:
    """Transactional utility of holding a rung: gains minus costs, each with its named weight.

    The terms are those the source documents give for engaging the Taliban (security, migration,
    trade and transit, allies, the hope others relent, Taliban lobbying through its posts, a
    regime that looks here to stay) against those for holding back (the West's conditions,
    visible militant links, groups left unrestrained, the UN's credentials position, commitments
    to the resistance). Signs and weights: ``UTILITY_TERMS``; the summands: :func:`term_contributions`
    (adding a negated term is exactly subtracting it).
    """
    total: Array | float = 0.0
    if max(map(np.size, terms.values())) < SMALL:  # one run: a new array per term
        for term in term_contributions(terms, w).values():
            total = total + term
        return np.asarray(total)
    part = None
    for _, sign, coefficient, value in _weighted(terms, w):  # a block: into one running total
        shape = np.broadcast_shapes(np.shape(total), value.shape, np.shape(coefficient))
        if not isinstance(total, np.ndarray) or total.shape != shape or total.base is not None:
            term = value if coefficient is None else coefficient * value
            total = total + (term if sign > 0 else -term)  # a new array, owned here
            continue
        if coefficient is not None:  # the same product as term_contributions, into a scratch array
            product = np.broadcast_shapes(np.shape(coefficient), value.shape)
            if part is None or part.shape != product:
                part = np.empty(product, np.result_type(coefficient, value))
            value = np.multiply(coefficient, value, out=part)
        (np.add if sign > 0 else np.subtract)(total, value, out=total)  # adding -x is exactly subtracting x
    return np.asarray(total)


def move_probabilities(
    utility: ArrayLike,
    level: ArrayLike,
    thresholds: ArrayLike,
    rate_up: ArrayLike,
    rate_down: ArrayLike,
    top: ArrayLike | None = None,
) -> tuple[Array, Array]:
    """Monthly probabilities of moving one rung up and one rung down the relation ladder.

    ``utility`` is (..., 2, states) as :func:`.states.utility_terms` shapes it. A state climbs when its
    utility of the next rung exceeds that rung's threshold and slides back when its utility of its
    own rung falls below that rung's threshold; both logistic in the gap (:data:`SLOPE`), capped by
    the rates, so relations move slowly and can be reversed. ``thresholds[k]`` is the utility
    needed to hold rung ``k`` (``thresholds[0]`` is unused). No entity climbs above its ``top``
    rung (the ladder's top by default; ``hosts_diplomats`` for the United Nations, where it means
    the seat) nor slides below the bottom. Both results lie in [0, 1].
    """
    u = real(utility)
    lvl = np.asarray(level)
    th = real(thresholds)
    last = th.shape[-1] - 1
    p_up = _per_entity(rate_up, 1) * _logistic(SLOPE * (u[..., 0, :] - _at_rung(th, np.minimum(lvl + 1, last))))
    p_down = _per_entity(rate_down, 1) * _logistic(SLOPE * (_at_rung(th, lvl) - u[..., 1, :]))
    ceiling = last if top is None else np.asarray(top)
    return select(lvl < ceiling, p_up, 0.0), select(lvl > 0, p_down, 0.0)


def legitimacy(levels: ArrayLike, n_rungs: int) -> Array:
    """Taliban legitimacy index in [0, 1]: the mean relation level of the states given (the model
    gives the states proper, not the United Nations), as a share of the top rung. A summary for
    plots, not a driver."""
    return np.asarray(levels, dtype=float).mean(axis=-1) / (n_rungs - 1)
