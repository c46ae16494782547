"""How close scenarios/from_2021.yaml (August 2021) comes to the April 2023 snapshot (seed 000) at month 20.

Usage: python experiments/compare_from_2021.py
Prints mean, median and 90% range of the snapshot's quantities at 2023-04 over 200 replications
(root seed 2021), and the states most often hosting Taliban diplomats by then. docs/model.md
quotes its output.
"""

from recogsim import load_scenario, run_ensemble
from recogsim.config.references import apply

s = apply(load_scenario("scenarios/from_2021.yaml"), "horizon_months", 20)
r = run_ensemble(s, 200, seed=2021, workers=0, progress=False)
last = r.series[r.series.month == 20]
for k in [
    "countries_taliban_presence",
    "de_facto_count",
    "de_jure_count",
    "western_missions_taliban",
    "missions_taliban",
    "missions_closed",
]:
    q = last[k].quantile([0.05, 0.5, 0.95]).tolist()
    print(f"{k}: mean {last[k].mean():.2f}, median {q[1]:.0f}, 90% range {q[0]:.0f}-{q[2]:.0f}")
st = r.states
at = st[st.month_hosts_diplomats.notna()].groupby("state").size().div(200).sort_values(ascending=False)
print((at.head(16)).round(2).to_string())
