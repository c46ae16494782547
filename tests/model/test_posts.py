"""Posts are the channel: the Taliban lobbies a state for the rungs above hosting diplomats through
the Afghan posts it holds there (source 000: control of the missions "paves the way for the
Taliban to lobby for formal recognition in those countries")."""

from __future__ import annotations

import numpy as np
from scipy import stats

from recogsim import load_scenario, run_ensemble
from recogsim.config import references
from recogsim.model import incentives as rules
from recogsim.model.model import RecognitionModel

HOSTS = 2


def test_the_channel_is_the_share_of_open_posts_held():
    held, open_posts = np.array([0, 1, 2, 0, 0]), np.array([2, 2, 2, 0, 0])
    levels = np.array([2, 2, 2, 2, 1])
    np.testing.assert_allclose(rules.post_channel(levels, held, open_posts, HOSTS), [0.0, 0.5, 1.0, 1.0, 0.0])
    # more posts held never lowers the lobbying bonus above the handover rung, and raises it where it applies
    low = rules.lobbying_bonus(0.7, levels, rules.post_channel(levels, [0, 0, 1, 0, 0], open_posts, HOSTS), 0.8, HOSTS)
    high = rules.lobbying_bonus(0.7, levels, rules.post_channel(levels, [2, 1, 2, 0, 0], open_posts, HOSTS), 0.8, HOSTS)
    assert np.all(high >= low) and high[0] > low[0] and high[1] > low[1]


def test_in_the_model_holding_more_of_a_states_posts_raises_its_lobbying_term():
    base = load_scenario("scenarios/baseline.yaml")
    fewer = references.apply(base, "missions[name=Quetta consulate].controller", "republic")
    lob = {}
    for label, s in (("four", base), ("three", fewer)):
        m = RecognitionModel(s, seed=1)
        lob[label] = m.components()["lobbying"][m.state_index["Pakistan"]]
    assert lob["four"] > lob["three"] > 0  # Pakistan hosts diplomats: its next rung is lobbied through posts


def test_without_takeovers_the_upper_rungs_are_rarely_reached():
    # from August 2021 every post is Republic-held: with no takeovers there is no channel for lobbying
    s = references.apply(load_scenario("scenarios/from_2021.yaml"), "horizon_months", 60)
    with_posts = run_ensemble(s, 60, seed=3).runs["de_facto_count"]
    without = run_ensemble(references.apply(s, "rules.takeover_rate", 0.0), 60, seed=3).runs["de_facto_count"]
    assert without.mean() < with_posts.mean() / 2
    assert stats.mannwhitneyu(with_posts, without, alternative="greater").pvalue < 0.01
