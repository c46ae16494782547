"""What both engines read alike, without Mesa: the ladder's rungs that rules refer to, the
scenario's arrays, the militants' month and a month's observation (the batch engine imports this,
not the Mesa model, so a run on it does not load Mesa)."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..config import schema as sc
from ..config.schema import LEVELS, Scenario
from . import incentives as rules
from . import record

HOSTS = LEVELS.index("hosts_diplomats")
DE_JURE = LEVELS.index("de_jure")
DE_FACTO = LEVELS.index("de_facto")
N_RUNGS = len(LEVELS)
TERMS = tuple(rules.UTILITY_TERMS)


def scenario_arrays(s: Scenario) -> dict[str, np.ndarray]:
    """A scenario's parameters of states, groups and posts as arrays (one row per entity), and the
    ladder's thresholds and the conditions' shares: what every engine reads each month."""
    index = {st.name: i for i, st in enumerate(s.states)}
    groups = {g.name: j for j, g in enumerate(s.militants)}
    n, g = len(s.states), len(s.militants)
    exposure, ties = np.zeros((n, g)), np.zeros((n, n))
    for i, st in enumerate(s.states):
        for name, v in st.exposure.items():
            exposure[i, groups[name]] = v
        for name, v in st.ties.items():
            ties[i, index[name]] = v
    counted = np.array([st.bloc != sc.UN_BLOC for st in s.states])
    """States proper: the United Nations is on the ladder but not counted among them."""
    return {
        "exposure": exposure,
        "ties": ties,
        "migration_concern": np.array([st.migration_concern for st in s.states]),
        "economic_interest": np.array([st.economic_interest for st in s.states]),
        "conditions_weight": np.array([st.conditions_weight for st in s.states]),
        "resistance_support": np.array([st.resistance_support for st in s.states]),
        "western": np.array([st.bloc == "western" for st in s.states]),
        "counted": counted,
        "top": np.where(counted, N_RUNGS - 1, sc.level_index(sc.UN_TOP)),
        "visibility": np.array([m.visibility or 0.0 for m in s.militants]),
        "defection_shares": np.array([m.defection_share or 0.0 for m in s.militants]),
        "growth": np.array([m.growth for m in s.militants]),
        "crackdown_effect": np.array([m.crackdown_effect for m in s.militants]),
        "return_rate": np.array([m.return_rate for m in s.militants]),
        "narrative_rate": np.array([m.recruits_from_narrative or 0.0 for m in s.militants]),
        "thresholds": np.array([0.0] + [s.rules.thresholds[k] for k in LEVELS[1:]]),
        "shares": np.array([s.rules.condition_shares.get(c, 0.0) for c in sc.CONDITIONS]),
        "base_revenue": np.array([m.revenue for m in s.missions], dtype=float),
    }


def militants_month(m: Any, crackdown: np.ndarray, minority_violence: Any) -> tuple[np.ndarray, np.ndarray]:
    """:func:`~.incentives.militants_month` on an engine's arrays (``strength``, ``pool``,
    ``hostile``, ``growth``, ``crackdown_effect``, ``return_rate``, ``defection_shares``,
    ``narrative_rate``), for one run or a block: (strength, pool) after the month."""
    return rules.militants_month(
        m.strength,
        m.pool,
        crackdown,
        m.hostile,
        m.growth,
        m.crackdown_effect,
        m.return_rate,
        m.defection_shares,
        m.narrative_rate,
        minority_violence,
    )


def observation(
    m: Any,
    *,
    levels: np.ndarray,
    closures: np.ndarray,
    handovers: np.ndarray,
    downsized: np.ndarray,
    crackdown: np.ndarray,
    concessions: np.ndarray,
    lobbying: np.ndarray,
) -> dict[str, np.ndarray]:
    """A month's series columns (``record.series_columns``, which a test holds every engine to),
    for one run or, with a leading axis, for a block of runs. ``m`` holds the arrays both engines
    keep alike (``counted``, ``western``, ``post_held``, ``post_open``, ``hostile``, ``strength``,
    ``resistance_strengths``, the western posts and the column names); ``closures`` has the
    causes of ``record.CLOSURE_CAUSES`` on its last axis; ``downsized``: open posts that downsized."""
    lv, west = levels[..., m.counted], m.western[m.counted]  # states, not the UN
    held = m.post_held.sum(axis=-1).astype(np.int64)
    n_open = m.post_open.sum(axis=-1).astype(np.int64)
    allied = ~m.hostile
    obs: dict[str, np.ndarray] = {
        "de_jure_count": (lv == DE_JURE).sum(axis=-1),
        "de_facto_count": (lv == DE_FACTO).sum(axis=-1),
        "western_de_jure_count": ((lv == DE_JURE) & west).sum(axis=-1),
        "countries_taliban_presence": (lv >= HOSTS).sum(axis=-1),
        "missions_taliban": held,
        "missions_republic": n_open - held,
        "missions_closed": m.post_open.shape[-1] - n_open,
        **{f"missions_closed_{c}": closures[..., j] for j, c in enumerate(record.CLOSURE_CAUSES)},
        "missions_changed_hands": handovers,
        "missions_downsized": downsized.sum(axis=-1),
        "western_missions_taliban": (m.post_held * m.western_post).sum(axis=-1).astype(np.int64),
        "legitimacy": np.asarray(rules.legitimacy(lv, N_RUNGS)),
        "crackdown": crackdown[..., allied].mean(axis=-1) if allied.any() else np.zeros(np.shape(concessions)),
        "concessions": concessions,
        "lobbying": lobbying,
        "resistance_strength": m.resistance_strengths.sum(axis=-1),
    }
    obs.update(zip(m.strength_columns, _by_group(m.strength), strict=True))
    pressure = rules.group_pressure(crackdown, m.hostile)
    obs.update(zip(m.pressure_columns, _by_group(pressure), strict=True))
    return obs


def _by_group(x: np.ndarray) -> np.ndarray:
    """``x`` (groups on the last axis) with the groups first: ``np.moveaxis(x, -1, 0)``, which is
    the transpose for one run or a block (and costs a run more than the month's counts)."""
    return x.T if x.ndim <= 2 else np.moveaxis(x, -1, 0)
