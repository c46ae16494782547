"""How much the headline outcomes owe to the prior: calibrate under the committed prior, a wider and
a narrower one, then run the April 2023 baseline from each posterior (docs/model.md, "What the
model says").

The committed prior is calibration/prior.yaml, whose posterior is the shipped
calibration/posterior.parquet. The wider (narrower) prior widens (narrows) every per-path uniform to
1.5x (0.5x) its width about its centre, cut to the parameter's own limits (``LIMITS``); the threshold
rows above hosting (a ``from:`` file) stay as they are. Each is calibrated as the shipped posterior
was (same record, settings and integrated parameters, read from calibration/manifest.json), then
scenarios/baseline.yaml runs from it.

    python experiments/prior_sensitivity.py [REPLICATIONS]   (default 1000; about 12 minutes on 2 cores)

Prints a Markdown table and writes experiments/results/prior_sensitivity.csv. The wider and narrower
posteriors are kept in experiments/results/ (not committed) and reused: delete them to calibrate again.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pandas as pd

from recogsim import load_scenario, run_ensemble
from recogsim.config.observations import load_observations
from recogsim.config.references import set_values
from recogsim.config.schema import JointUncertain, Uncertain
from recogsim.runs import calibrate as abc
from recogsim.runs import facts

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "experiments" / "results"
RECORD = ROOT / "observations" / "record_2021-08_2023-04.yaml"
MANIFEST = json.loads((ROOT / "calibration" / "manifest.json").read_text())
SETTINGS = abc.Settings(**MANIFEST["settings"])
INTEGRATE = tuple(MANIFEST["integrated"])
"""As in the command that wrote calibration/posterior.parquet (its manifest)."""
LIMITS = {
    "rules.hosting_conditions_share": (0.0, 1.0),
    "rules.rate_up": (0.01, 1.0),
    "rules.thresholds.hosts_diplomats": (1.05, 5.4),  # above engaged (1.0), below the de facto rows (5.5)
    "rules.durability_months": (1.0, None),
    "rules.credibility_months": (1.0, None),
}
"""Where a widened prior must stop: the parameter's own bounds, and the rungs' order."""
DATES = ("2026-04", "2028-04", "2033-04")
SEED = 20230401


def scaled_prior(factor: float):
    scenario = load_scenario(ROOT / "calibration" / "prior.yaml")
    entries = []
    for u in scenario.uncertain:
        if isinstance(u, Uncertain) and u.distribution.kind == "uniform":
            d = u.distribution
            centre, half = (d.min + d.max) / 2, (d.max - d.min) / 2 * factor
            lo, hi = LIMITS.get(u.path, (0.0, None))
            new = {
                "kind": "uniform",
                "min": max(lo, centre - half),
                "max": centre + half if hi is None else min(hi, centre + half),
            }
            u = Uncertain.model_validate({"path": u.path, "distribution": new, "reason": u.reason})
        entries.append(u)
    return set_values(scenario, {"uncertain": entries})


def posterior_for(label: str, factor: float) -> Path:
    if factor == 1.0:
        return ROOT / "calibration" / "posterior.parquet"
    path = RESULTS / f"posterior_{label}.parquet"
    if path.exists():
        return path
    scenario = scaled_prior(factor)
    bound = facts.bind(load_observations(RECORD), scenario, str(RECORD))
    work = RESULTS / f"abc_{label}"
    work.mkdir(parents=True, exist_ok=True)
    posterior = abc.calibrate(abc.Problem.of(scenario, bound, label, INTEGRATE), SETTINGS, work, progress=True)
    abc.write_posterior(posterior, work)
    (work / "posterior.parquet").replace(path)
    (work / "abc.db").unlink(missing_ok=True)
    work.rmdir()
    return path


def headline(posterior: Path, reps: int) -> dict[str, object]:
    block = JointUncertain.model_validate({"from": str(posterior), "weight": abc.WEIGHT, "reason": "posterior"})
    scenario = set_values(load_scenario(ROOT / "scenarios" / "baseline.yaml"), {"uncertain": [block]})
    r = run_ensemble(scenario, reps, seed=SEED, workers=2, progress=False)
    month = {d: int(r.series.loc[r.series.date == d, "month"].iloc[0]) for d in (*DATES, "2025-04")}
    row: dict[str, object] = {}
    for d in DATES:
        first = r.runs["first_recognition_month"]
        row[f"P(first de jure by {d})"] = float((first.notna() & first.le(month[d])).mean())
    leaders = r.runs["first_recognizer"].value_counts() / reps
    row["leading first recognizers (share of runs)"] = ", ".join(f"{s} {p:.3f}" for s, p in leaders.head(3).items())
    held = r.series.loc[r.series.month == month["2025-04"], "missions_taliban"]
    row["posts held 2025-04, median (5-95%)"] = (
        f"{held.median():.0f} ({held.quantile(0.05):.0f}-{held.quantile(0.95):.0f})"
    )
    return row


def main() -> None:
    reps = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    RESULTS.mkdir(parents=True, exist_ok=True)
    rows = {}
    for label, factor in (("committed", 1.0), ("wider", 1.5), ("narrower", 0.5)):
        rows[f"{label} prior"] = headline(posterior_for(label, factor), reps)
    table = pd.DataFrame(rows)
    table.to_csv(RESULTS / "prior_sensitivity.csv")
    print(
        f"baseline from April 2023, {reps} replications per prior, root seed {SEED}; "
        "bands include parameter uncertainty"
    )
    print("| outcome | " + " | ".join(table.columns) + " |")
    print("|---" * (len(table.columns) + 1) + "|")
    for name, values in table.iterrows():
        print(f"| {name} | " + " | ".join(f"{v:.3f}" if isinstance(v, float) else str(v) for v in values) + " |")


if __name__ == "__main__":
    main()
