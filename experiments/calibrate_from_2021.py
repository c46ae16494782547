"""Calibration against the April 2023 snapshot (seed 000), the only target the defaults may be fitted to.

Runs ``scenarios/from_2021.yaml`` (August 2021) to month 20 (April 2023) for a small grid of the
climb rate and the upper-rung thresholds and prints, per point, the ensemble's countries with a
Taliban presence (target 14), de facto and de jure relations (target 0) and Western posts held by
the Taliban (target 0), and the share of runs in which Tajikistan hosts Taliban diplomats (target 0:
"every neighbour but Tajikistan"), which fixes ``rules.w_resistance``. Later history is never used.
Usage:

    python experiments/calibrate_from_2021.py [REPLICATIONS]
"""

import itertools
import sys

from recogsim import load_scenario, run_ensemble
from recogsim.config.references import apply
from recogsim.config.schema import Scenario

TARGET = {"countries_taliban_presence": 14, "de_facto_count": 0, "de_jure_count": 0, "western_missions_taliban": 0}
COLUMNS = (*TARGET, "tajikistan")


def month20(s: Scenario, reps: int) -> dict[str, float]:
    s = apply(s, "horizon_months", 20)
    r = run_ensemble(s, reps, seed=2021, workers=0, progress=False)
    last = r.series[r.series.month == 20]
    tajik = r.states[r.states.state == "Tajikistan"]
    return {
        **{k: float(last[k].mean()) for k in TARGET},
        "tajikistan": float(tajik.month_hosts_diplomats.notna().mean()),
    }


def main() -> None:
    reps = int(sys.argv[1]) if len(sys.argv) > 1 else 60
    base = load_scenario("scenarios/from_2021.yaml")
    print("rate_up  hosts  de_facto  de_jure  " + "  ".join(COLUMNS))
    for rate, hosts, de_facto in itertools.product((0.10, 0.15), (0.3, 0.5, 0.8), (2.4, 2.8, 3.2)):
        th = dict(base.rules.thresholds, hosts_diplomats=hosts, de_facto=de_facto, de_jure=de_facto + 0.8)
        s = apply(apply(base, "rules.rate_up", rate), "rules.thresholds", th)
        got = month20(s, reps)
        print(
            f"{rate:7.2f}  {hosts:5.1f}  {de_facto:8.1f}  {de_facto + 0.8:7.1f}  "
            + "  ".join(f"{got[k]:>{len(k)}.2f}" for k in COLUMNS)
        )
    # the target that fixes w_resistance: Tajikistan, at the defaults, with the weight's first value
    tajik = month20(apply(base, "rules.w_resistance", 1.0), reps)["tajikistan"]
    print(f"w_resistance 1.0 at the defaults: tajikistan {tajik:.2f}")


if __name__ == "__main__":
    main()
