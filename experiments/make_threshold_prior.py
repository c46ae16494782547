"""Write the joint prior of the two thresholds the record does not identify: scenarios/priors/thresholds.parquet.

Nobody went above hosting Taliban diplomats before April 2023, so the record bounds the de facto
threshold from below only (experiments/calibrate_from_2021.py: at the other defaults, run from
August 2021, a threshold of 5.0 puts 2.0 states above hosting by April 2023 on average, 5.5 puts
0.65, so that "nobody above hosting" has a probability of about 0.52, and 6.0 puts 0.05) and says
nothing of de jure but that it lies above de facto. Drawn independently, the two would need ranges that
do not overlap (the schema refuses a ladder whose thresholds decrease), which rules out a de jure
threshold just above a low de facto one: recognition soon after accreditation. So they are drawn
together, as rows of a file that `uncertain:` reads with `from:` (each replication draws one row):

    de_facto ~ uniform(5.5, 9.0)             bounded below by the record, above by nothing seen
    de_jure  = de_facto + gap, gap ~ uniform(0.25, 4.0)
               (at least one logit above accreditation, at most "almost never")

4,096 rows from a fixed seed, so the file is the same wherever it is rebuilt:

    python experiments/make_threshold_prior.py
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

OUT = Path(__file__).resolve().parents[1] / "scenarios" / "priors" / "thresholds.parquet"
ROWS = 4096
SEED = 20230401


def main() -> None:
    rng = np.random.default_rng(np.random.SeedSequence(SEED))
    de_facto = rng.uniform(5.5, 9.0, ROWS)
    gap = rng.uniform(0.25, 4.0, ROWS)
    frame = pd.DataFrame({"rules.thresholds.de_facto": de_facto, "rules.thresholds.de_jure": de_facto + gap})
    OUT.parent.mkdir(parents=True, exist_ok=True)
    frame.to_parquet(OUT, index=False)
    print(f"wrote {OUT} ({ROWS} rows)")
    print(frame.describe().loc[["mean", "min", "max"]].round(3).to_string())


if __name__ == "__main__":
    main()
