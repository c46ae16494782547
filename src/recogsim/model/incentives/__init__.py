"""The model's decision rules as small pure numpy functions: the one home of every rule.

Each takes arrays (a scalar or any broadcastable shape), holds no state and draws no random
numbers, so an engine that advances many replications at once can call them unchanged. Every
coefficient arrives as an argument; the scenario schema (``config/schema.py``) names and bounds
it and ``docs/model.md`` gives its source. Source documents: ``000`` = RFE/RL analysis (April
2023), ``002`` = the security assessment of Central Asian militants.

By who acts: :mod:`.states` (the terms of a state's utility of each rung), :mod:`.utility` (how
they add up to its utility and its monthly moves; the legitimacy index), :mod:`.posts` (posts
abroad: lobbying channel, takeovers, finances), :mod:`.groups` (militant and resistance groups),
:mod:`.taliban` (the adaptive Taliban's search).
"""

from .groups import (
    FULL_PRESSURE,
    abandoned_jihad_narrative,
    allied_mean,
    alternative_strength,
    conduciveness,
    group_pressure,
    militant_step,
    militants_month,
    narrative_recruits,
    resistance_cost,
    resistance_step,
)
from .posts import (
    lobbying_bonus,
    mission_funds,
    month_of_books,
    post_channel,
    post_finances,
    post_revenue,
    takeover_probability,
)
from .states import (
    bandwagon,
    compliance,
    conditions_cost,
    durability,
    migration_motive,
    peer_pull,
    recognition_scope,
    restraint,
    security_motive,
    sheltering_cost,
    track_record,
    un_defiance,
    utility_terms,
    visible_links,
)
from .taliban import best_policy, policy_candidates, policy_reward, taliban_costs
from .utility import SLOPE, UTILITY_TERMS, legitimacy, move_probabilities, state_utility, term_contributions

__all__ = [
    "FULL_PRESSURE",
    "SLOPE",
    "UTILITY_TERMS",
    "abandoned_jihad_narrative",
    "allied_mean",
    "alternative_strength",
    "bandwagon",
    "best_policy",
    "compliance",
    "conditions_cost",
    "conduciveness",
    "durability",
    "group_pressure",
    "legitimacy",
    "lobbying_bonus",
    "migration_motive",
    "militant_step",
    "militants_month",
    "mission_funds",
    "month_of_books",
    "move_probabilities",
    "narrative_recruits",
    "peer_pull",
    "policy_candidates",
    "policy_reward",
    "post_channel",
    "post_finances",
    "post_revenue",
    "recognition_scope",
    "resistance_cost",
    "resistance_step",
    "restraint",
    "security_motive",
    "sheltering_cost",
    "state_utility",
    "takeover_probability",
    "taliban_costs",
    "term_contributions",
    "track_record",
    "un_defiance",
    "utility_terms",
    "visible_links",
]
