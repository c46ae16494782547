"""Do two ensembles of one scenario come from the same distribution? The family of two-sample tests
that holds the batch engine to the Mesa engine (``benchmarks/equivalence.py``, docs/model.md).

Declared in advance, per scenario: a two-sample Kolmogorov–Smirnov test per numeric run outcome; a
log-rank test for the month of the first recognition and for the month the UN seats a Taliban
nominee (censored at the horizon); chi-square tests
for the first recognizer and, per state, the highest rung reached (rare cells pooled); and a KS
test per key series at every twelfth month. Bonferroni over the whole family. Each test reports
the smallest difference it would detect at its level with 80% power; an outcome too rare to test
(fewer than ``MIN_EVENTS`` events in the two samples together) is reported with the 95% upper
bound the data give on its probability in each engine instead.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

MIN_EVENTS = 10
"""Fewer events than this in both samples together: too rare to test (the bound is reported)."""
MIN_EXPECTED = 5.0
"""Chi-square cells expected to hold fewer runs than this are pooled."""
POWER = 0.8
SERIES = ("countries_taliban_presence", "missions_taliban", "de_facto_count", "legitimacy", "missions_closed")
"""Series compared month by month (every twelfth month)."""


@dataclass
class Test:
    family: str
    outcome: str
    test: str
    statistic: float
    p: float
    note: str = ""
    n: int = 0
    """Runs in the two samples together (events, for the log-rank test)."""
    df: int = 0
    """Degrees of freedom of a chi-square test."""

    def detectable(self, level: float, m: int) -> str:
        """The smallest difference this test detects with ``POWER`` at ``level``, as its own
        measure: the KS distance, the hazard ratio (log-rank), Cohen's w (chi-square)."""
        if np.isnan(self.p):
            return ""
        z = stats.norm.isf(level / 2) + stats.norm.ppf(POWER)
        if self.test == "KS":  # asymptotic critical distance for two samples of m each
            return f"D {np.sqrt(-np.log(level / 2) / 2) * np.sqrt(2 / m):.3f}"
        if self.test == "log-rank":  # Schoenfeld: events = 4 z^2 / log(HR)^2
            return f"HR {np.exp(2 * z / np.sqrt(self.n)):.2f}"
        crit = stats.chi2.isf(level, self.df)
        lo, hi = 0.0, 1000.0
        for _ in range(60):
            mid = (lo + hi) / 2
            lo, hi = (mid, hi) if stats.ncx2.sf(crit, self.df, mid) < POWER else (lo, mid)
        return f"w {np.sqrt(hi / self.n):.3f}"


def family(a: dict[str, pd.DataFrame], b: dict[str, pd.DataFrame], horizon: int) -> list[Test]:
    """Every test of the family for two ensembles (``runs``, ``series``, ``states`` tables each)."""
    out: list[Test] = []
    ra, rb = a["runs"], b["runs"]
    skip = {"replication", "seed", "point", "months", "first_recognition_month", "un_seat_month"}
    for col in ra.columns:
        if col in skip or not pd.api.types.is_numeric_dtype(ra[col]):
            continue
        out.append(_ks("runs", col, _values(ra[col]), _values(rb[col])))
    for when in ("first_recognition_month", "un_seat_month"):
        out.append(_logrank(when, ra[when], rb[when], horizon))
    out.append(
        _chi2(
            "runs", "first_recognizer", ra["first_recognizer"].fillna("(none)"), rb["first_recognizer"].fillna("(none)")
        )
    )
    sa, sb = a["states"], b["states"]
    for state, ga in sa.groupby("state", sort=False):
        gb = sb[sb["state"] == state]
        out.append(_chi2("states", f"max_level {state}", ga["max_level"], gb["max_level"]))
    se_a, se_b = a["series"], b["series"]
    for month in range(12, horizon + 1, 12):
        ma, mb = se_a[se_a["month"] == month], se_b[se_b["month"] == month]
        for col in SERIES:
            if col in ma:
                out.append(_ks("series", f"{col} @ month {month}", _values(ma[col]), _values(mb[col])))
    return out


def table(tests: list[Test], m: int, alpha: float = 0.05) -> pd.DataFrame:
    """The family as a table (``m`` runs per sample), with the Bonferroni level, what each test
    detects at that level and whether it rejects."""
    df = pd.DataFrame([t.__dict__ for t in tests]).drop(columns=["df"])
    tested = df["p"].notna()
    level = alpha / max(int(tested.sum()), 1)
    df["detectable"] = [t.detectable(level, m) for t in tests]
    df["reject"] = tested & (df["p"] < level)
    df.attrs["level"], df.attrs["tests"] = level, int(tested.sum())
    return df


def _values(s: pd.Series) -> np.ndarray:
    return pd.to_numeric(s).to_numpy(dtype=float)


def _ks(fam: str, name: str, x: np.ndarray, y: np.ndarray) -> Test:
    if np.unique(np.r_[x, y]).size == 1:
        return Test(fam, name, "KS", 0.0, np.nan, "constant in both samples: the same value")
    res = stats.ks_2samp(x, y)
    return Test(fam, name, "KS", float(res.statistic), float(res.pvalue), n=len(x) + len(y))


def _logrank(name: str, x: pd.Series, y: pd.Series, horizon: int) -> Test:
    """Log-rank test of two samples of months (null: no event by the horizon, censored there)."""
    tx, ty = (pd.to_numeric(s).to_numpy(dtype=float, na_value=np.nan) for s in (x, y))
    ex, ey = ~np.isnan(tx), ~np.isnan(ty)
    events = int(ex.sum() + ey.sum())
    if events < MIN_EVENTS:
        bound = (
            f"P(event) < {_upper(int(ex.sum()), len(tx)):.4f} / {_upper(int(ey.sum()), len(ty)):.4f} (95% upper bounds)"
        )
        return Test("runs", name, "log-rank", np.nan, np.nan, f"too rare: {events} events; {bound}")
    t = np.r_[np.where(ex, tx, horizon + 1), np.where(ey, ty, horizon + 1)]
    e = np.r_[ex, ey]
    g = np.r_[np.zeros(len(tx)), np.ones(len(ty))]
    o_minus_e, var = 0.0, 0.0
    for time in np.unique(t[e]):
        at_risk = t >= time
        n, n1 = at_risk.sum(), (at_risk & (g == 1)).sum()
        d = (e & (t == time)).sum()
        d1 = (e & (t == time) & (g == 1)).sum()
        o_minus_e += d1 - d * n1 / n
        var += d * (n1 / n) * (1 - n1 / n) * (n - d) / max(n - 1, 1)
    chi = o_minus_e**2 / var if var > 0 else 0.0
    p = float(stats.chi2.sf(chi, 1))
    return Test("runs", name, "log-rank", float(chi), p, f"{events} events", n=events)


def _chi2(fam: str, name: str, x: pd.Series, y: pd.Series) -> Test:
    """Chi-square test of two samples of categories, cells expected to hold fewer than
    ``MIN_EXPECTED`` runs pooled (into one cell, joined to the smallest other if still too small)."""
    counts = pd.crosstab(
        pd.Series(np.r_[np.zeros(len(x)), np.ones(len(y))]), pd.Series(np.r_[x.astype(str), y.astype(str)])
    )
    expected_min = counts.sum(axis=0) * min(len(x), len(y)) / (len(x) + len(y))
    rare = expected_min < MIN_EXPECTED
    if rare.any():
        pooled = counts.loc[:, rare].sum(axis=1)
        counts = counts.loc[:, ~rare]
        if counts.shape[1] and pooled.sum() * min(len(x), len(y)) / (len(x) + len(y)) < MIN_EXPECTED:
            smallest = counts.sum(axis=0).idxmin()
            counts[smallest] = counts[smallest] + pooled
        elif pooled.sum():
            counts["(pooled)"] = pooled
    if counts.shape[1] < 2:
        events = int(counts.sum().min()) if counts.shape[1] else 0
        note = "one category after pooling: the same in both" if counts.shape[1] == 1 else f"too rare ({events})"
        return Test(fam, name, "chi-square", 0.0, np.nan, note)
    chi, p, df, _ = stats.chi2_contingency(counts.to_numpy(), correction=False)
    return Test(fam, name, "chi-square", float(chi), float(p), n=len(x) + len(y), df=int(df))


def _upper(k: int, n: int) -> float:
    """Clopper–Pearson 95% upper bound on a probability from ``k`` events in ``n`` runs."""
    return float(stats.beta.ppf(0.975, k + 1, n - k)) if k < n else 1.0
