"""What the model says from April 2023 onwards: probabilities by date, written down before anyone
compares them with events (docs/model.md, "What the model says").

Usage: python experiments/what_the_model_says.py [REPLICATIONS]   (default 1000; root seed 20230401)
Runs scenarios/baseline.yaml (the April 2023 snapshot as shipped, its uncertain: parameters drawn
per replication, 4 replications per draw) and prints, by date: the share of runs with at least one
state at de facto relations or above and with a de jure recognition, the median number of states
hosting Taliban diplomats, the share of runs in which the United Nations seats a Taliban nominee;
then the states most likely to reach de facto relations by April 2028 and to recognise first; then
how much of the spread of the headline outcomes comes from the drawn parameters and how much from
chance. Every probability includes what the data leave unidentified (the priors), not only chance.
"""

import sys

from recogsim import load_scenario, run_ensemble
from recogsim.analysis.uncertainty import spread_sources
from recogsim.config.references import apply

DATES = ("2024-04", "2025-04", "2028-04", "2033-04")


def main() -> None:
    reps = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    scenario = apply(load_scenario("scenarios/baseline.yaml"), "runs_per_draw", 4)
    r = run_ensemble(scenario, reps, seed=20230401, workers=0)
    series, states, runs = r.series, r.states, r.runs
    month = {d: int(series.loc[series.date == d, "month"].iloc[0]) for d in DATES}
    print(f"baseline, {reps} replications, root seed 20230401")
    print("date      P(any de facto or above)  P(any de jure)  median states hosting  P(UN seat)")
    for d, m in month.items():
        upto = states[["month_de_facto", "month_de_jure"]].le(m)
        by_run = upto.groupby(states["replication"]).any()
        hosting = series.loc[series.month == m, "countries_taliban_presence"].median()
        seat = (runs["un_seat_month"].notna() & runs["un_seat_month"].le(m)).mean()
        print(
            f"{d}   {by_run['month_de_facto'].mean():24.3f}  {by_run['month_de_jure'].mean():14.3f}"
            f"  {hosting:21.0f}  {seat:10.3f}"
        )
    m28 = month["2028-04"]
    de_facto = states[states["month_de_facto"].le(m28).fillna(False)].groupby("state").size() / reps
    print("\nP(state at de facto or above by 2028-04), top 8:")
    print(de_facto.sort_values(ascending=False).head(8).round(3).to_string())
    first = runs["first_recognizer"].value_counts() / reps
    print(f"\nfirst recognizer by 2033-04 (share of runs; none in {1 - first.sum():.3f}):")
    print(first.head(5).round(3).to_string() if len(first) else "none")
    print("\nshare of each outcome's spread at 2033-04 from the drawn parameters (the rest is chance):")
    print(spread_sources(runs, r.parameters, ["countries_taliban_presence", "de_facto_count", "missions_taliban"]))


if __name__ == "__main__":
    main()
