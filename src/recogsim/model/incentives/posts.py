"""Rules of Afghanistan's posts abroad: the lobbying channel they open, takeovers, and finances.

000: "Control of diplomatic missions paves the way for the Taliban to lobby for formal
recognition in those countries"; the posts "generate revenue by providing consular services for
Afghans abroad and foreigners seeking to travel to Afghanistan. Some missions have been abandoned
due to a lack of funds. Others have relocated or downsized to cut costs."
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from .arrays import real, select

Array = np.ndarray


def post_channel(levels: ArrayLike, held: ArrayLike, open_posts: ArrayLike, handover_rung: int) -> Array:
    """How far the Taliban can lobby a state above the handover rung, in [0, 1]: the share of the
    state's open Afghan posts that it holds; where no Afghan post is open, 1 if the state accepts
    Taliban diplomats at all (a chargé) and 0 otherwise.

    Posts are the channel, so taking them matters for the ladder: a state whose posts stay with
    Republic-era staff is lobbied through none of them (000).
    """
    held = real(held)
    posts = real(open_posts)
    some = posts > 0
    share = held / select(some, posts, 1.0)  # where no post is open, a share not used
    accepts = (np.asarray(levels) >= handover_rung).astype(share.dtype)
    return select(some, share, accepts)


def lobbying_bonus(
    lobbying: ArrayLike, rungs: ArrayLike, channel: ArrayLike, w_lobbying: ArrayLike, handover_rung: int
) -> Array:
    """Bonus from Taliban lobbying on holding each rung in ``rungs``: above the handover rung, the
    lobbying effort times the channel its posts there open (``channel``, :func:`post_channel`).

    Lobbying is for "formal recognition", and runs through the posts (000); what brings a state to
    accept Taliban diplomats in the first place is its own interests ("concerns over terrorism and
    migration have prompted some neighboring countries to establish diplomatic relations", 000),
    and lobbying then works there by taking its posts (:func:`takeover_probability`).
    ``rungs`` is (states,) or (..., rung, states), ``channel`` (..., states); ``lobbying`` and
    ``w_lobbying`` carry the leading axes (replications, candidate policies) without those two.
    """
    r = np.asarray(rungs)
    lob = np.asarray(w_lobbying * real(lobbying))
    channel = np.asarray(channel)
    if r.ndim >= 2:  # the rung axis: one channel for both rungs
        channel = channel[..., None, :]
    lob = lob.reshape(lob.shape + (1,) * min(r.ndim, 2))
    return select(r > handover_rung, lob * channel, 0.0)


def takeover_probability(lobbying: ArrayLike, rate: ArrayLike, host_allows: ArrayLike) -> Array:
    """Monthly chance that a Republic-held post passes to the Taliban.

    The Taliban takes posts where the host lets it (host at or above ``hosts_diplomats``; no
    Western host has done so, 000) at a rate proportional to its lobbying effort.
    """
    return np.asarray(rate) * real(lobbying) * real(host_allows)


def post_revenue(revenue: ArrayLike, visa_share: ArrayLike, honoured: ArrayLike, held: ArrayLike) -> Array:
    """Each post's mean monthly revenue this month, in months of its running cost.

    Revenue comes from "consular services for Afghans abroad and foreigners seeking to travel to
    Afghanistan" (000). The second part depends on Kabul honouring the visas a post issues: a
    Republic-held post loses the ``visa_share`` of its revenue as far as Kabul refuses its visas
    (``honoured`` < 1); a Taliban-held post's visas are honoured.
    """
    lost = real(visa_share) * (1.0 - real(honoured))
    return real(revenue) * (1.0 - lost * (1.0 - real(held)))


def mission_funds(funds: ArrayLike, revenue: ArrayLike, cost: ArrayLike, shock: ArrayLike, subsidy: ArrayLike) -> Array:
    """Reserves after one month, in months of full running cost.

    ``shock`` is a relative revenue deviation drawn by the caller; revenue never turns negative.
    A post whose reserves run out downsizes, and closes when its arrears pass a limit (000:
    "abandoned due to a lack of funds ... downsized to cut costs"; the agent decides).
    """
    income = real(revenue) * np.maximum(1.0 + real(shock), 0.0)
    return real(funds) + income + subsidy - cost


def month_of_books(
    funds: ArrayLike,
    revenue: ArrayLike,
    visa_share: ArrayLike,
    honoured: ArrayLike,
    held: ArrayLike,
    open_posts: ArrayLike,
    downsized: ArrayLike,
    shock: ArrayLike,
    downsize_factor: ArrayLike,
    subsidy_rate: ArrayLike,
) -> Array:
    """Every open post's reserves after a month (closed posts keep theirs): its revenue this month
    (:func:`post_revenue`) with its shock, the Taliban's subsidy of ``subsidy_rate`` to the posts
    it holds, and its running cost, ``downsize_factor`` of the full cost once it has downsized."""
    held = real(held)
    cost = select(np.asarray(downsized, dtype=bool), downsize_factor, 1.0)
    income = post_revenue(revenue, visa_share, honoured, held)
    nxt = mission_funds(funds, income, cost, shock, subsidy_rate * held)
    return select(np.asarray(open_posts) > 0, nxt, funds)


def post_finances(funds: ArrayLike, downsized: ArrayLike, closure_debt: ArrayLike) -> tuple[Array, Array]:
    """Which open posts downsize and which close this month, from their reserves: a post whose
    reserves run out downsizes (000: "downsized to cut costs"); one already downsized closes once
    its arrears pass ``closure_debt`` (000: "abandoned due to a lack of funds")."""
    f = real(funds)
    downsize = (f < 0) & ~np.asarray(downsized, dtype=bool)
    return downsize, ~downsize & (f < -np.asarray(closure_debt))
