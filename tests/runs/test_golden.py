"""Golden numbers: shipped scenarios' summaries at a fixed seed and size must not move under refactoring.

The values in ``data/golden.json`` were recorded with the Mesa engine by
``python tests/runs/test_golden.py --record``: first at commit 8bbdff9, before the restructuring of
issue 7, which left them unchanged; re-recorded when the United Nations stopped counting as a state
(it no longer enters the bandwagon's share, and its ladder ends at its seat), and when lobbying
above the handover rung began to run through the posts the Taliban holds (``post_channel``); and
for model 2 (issue 8): rung-specific utility, the crackdown per group, sheltering, durability, the
track record, the UN's credentials, post finances, the refitted defaults and the baseline's
``uncertain:`` priors (each replication now draws its parameters); and for issue 9, when the
scenarios began to draw their uncertain parameters from the ABC posterior
(``calibration/posterior.parquet``, one joint row per draw) instead of the priors. A change that is meant to alter
the model's behaviour re-records them in the same commit and says why; a change that is not must
leave this test green.
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = Path(__file__).resolve().parents[1] / "data" / "golden.json"
REPLICATIONS, SEED = 16, 20230401
SCENARIOS = ("baseline", "adaptive_taliban", "from_2021")
"""The baseline, plus the adaptive Taliban (its policy search) and from_2021 (scheduled events)."""


def summary(runs: pd.DataFrame, series: pd.DataFrame, states: pd.DataFrame) -> dict:
    """Sums of every numeric column of the three tables, the first recognisers and the
    per-state distribution of the highest rung reached: enough to catch any change of behaviour."""

    def sums(df: pd.DataFrame) -> dict[str, float]:
        return {
            c: float(pd.to_numeric(df[c]).sum())
            for c in sorted(df.columns)
            if pd.api.types.is_numeric_dtype(df[c]) and c not in ("seed",)
        }

    return {
        "runs": sums(runs),
        "first_recognizers": sorted(runs["first_recognizer"].dropna().tolist()),
        "series": sums(series),
        "states": sums(states),
        "max_levels": {
            f"{s}:{lv}": int(n) for (s, lv), n in states.groupby(["state", "max_level"]).size().sort_index().items()
        },
    }


def simulate(name: str) -> dict:
    from recogsim import load_scenario, run_ensemble

    scenario = load_scenario(ROOT / "scenarios" / f"{name}.yaml")
    r = run_ensemble(scenario, REPLICATIONS, seed=SEED, progress=False, engine="mesa")
    return summary(r.runs, r.series, r.states)


def _close(a, b, where: str) -> None:
    """``a`` (now) holds every value of ``b`` (golden); columns added since are new outcomes, not changes."""
    if isinstance(a, dict):
        assert set(b) <= set(a), f"{where}: missing {sorted(set(b) - set(a))}"
        for k in b:
            _close(a[k], b[k], f"{where}.{k}")
    elif isinstance(a, float):
        assert math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9), f"{where}: {a!r} != golden {b!r}"
    else:
        assert a == b, f"{where}: {a!r} != golden {b!r}"


@pytest.mark.parametrize("name", SCENARIOS)
def test_summary_matches_the_golden_record(name):
    _close(simulate(name), json.loads(GOLDEN.read_text())[name], name)


if __name__ == "__main__" and sys.argv[1:] == ["--record"]:
    GOLDEN.write_text(json.dumps({n: simulate(n) for n in SCENARIOS}, indent=1, sort_keys=True) + "\n")
    print(f"wrote {GOLDEN}")
