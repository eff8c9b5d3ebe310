#!/usr/bin/env python3
"""Reference values for test/stats-reference.test.ts, computed with SciPy/NumPy.

Run: python3 scripts/stats-reference.py > test/fixtures/stats/reference.json
(tested with SciPy 1.17.1, NumPy from the same Debian release). The order-statistic ranks are a
deliberately naive brute force over rank pairs with SciPy's binomial CDF, so they check the
search in src/stats/intervals.ts rather than restate it.
"""
import json
import math
import sys

import numpy as np
import scipy
from scipy.stats import binom, norm, t


def ranks(n, p, confidence):
    """Rank pair with total miss <= alpha whose tails are closest to alpha/2 (see intervals.ts)."""
    alpha = 1 - confidence
    half = alpha / 2
    k = np.arange(0, n + 1)
    cdf = binom.cdf(k, n, p)  # cdf[k] = P(B <= k)
    sf = binom.sf(k - 1, n, p)  # sf[k] = P(B >= k)
    lower_ok = np.nonzero(cdf[:-1] <= half)[0] + 1  # l in 1..n with P(B <= l-1) <= alpha/2
    upper_ok = np.nonzero(sf[1:] <= half)[0] + 1  # u in 1..n with P(B >= u) <= alpha/2
    if len(lower_ok) == 0 or len(upper_ok) == 0:
        return None
    l0, u0 = int(lower_ok.max()), int(upper_ok.min())
    scored = []
    for l in range(max(1, l0 - 12), min(n, l0 + 12) + 1):
        for u in range(max(l + 1, u0 - 12), min(n, u0 + 12) + 1):
            lm, um = cdf[l - 1], sf[u]
            if lm + um <= alpha:
                scored.append((max(abs(lm - half), abs(um - half)), l, u, 1 - lm - um, lm <= half and um <= half))
    best = min(s[0] for s in scored)
    ties = [s for s in scored if s[0] <= best + 1e-12]
    # Tie-break as intervals.ts: the textbook pair if tied, else the smaller upper rank.
    ties.sort(key=lambda s: (not s[4], s[2]))
    _, l, u, coverage, _ = ties[0]
    return {"lower": int(l), "upper": int(u), "coverage": float(coverage), "textbook": [l0, u0],
            "textbookCoverage": float(1 - cdf[l0 - 1] - sf[u0])}


def min_samples(p, confidence):
    half = (1 - confidence) / 2
    n = 1
    while p ** n > half or (1 - p) ** n > half:
        n += 1
    return n


def main():
    out = {"generatedBy": f"scripts/stats-reference.py, scipy {scipy.__version__}, numpy {np.__version__}"}

    ps = [1e-12, 1e-6, 0.001, 0.025, 0.05, 0.1, 0.3, 0.5, 0.7, 0.9, 0.95, 0.975, 0.999, 1 - 1e-6]
    out["normalQuantile"] = [{"p": p, "x": float(norm.ppf(p))} for p in ps]

    dfs = [0.5, 1, 1.5, 2, 2.5, 3, 4, 5, 7, 10, 15, 29, 30, 50, 100, 250, 999, 1000, 5000, 1e5, 1e7]
    tps = [1e-6, 0.0005, 0.005, 0.025, 0.05, 0.1, 0.25, 0.45, 0.6, 0.9, 0.95, 0.975, 0.995, 0.9995]
    out["tQuantile"] = [{"p": p, "df": df, "x": float(t.ppf(p, df))} for df in dfs for p in tps]

    grid = []
    for confidence in [0.9, 0.95, 0.99]:
        for p in [0.5, 0.9, 0.95, 0.99, 0.999]:
            for n in [5, 6, 10, 20, 50, 100, 199, 200, 367, 368, 400, 529, 1000, 1234, 3688, 5000, 20000, 100000]:
                grid.append({"n": n, "p": p, "confidence": confidence, "ranks": ranks(n, p, confidence)})
    for p in [0.5, 0.99, 0.999]:
        grid.append({"n": 1000000, "p": p, "confidence": 0.95, "ranks": ranks(1000000, p, 0.95)})
    out["orderStatisticRanks"] = grid

    out["minSamples"] = [{"p": p, "confidence": c, "n": min_samples(p, c)}
                         for c in [0.9, 0.95, 0.99] for p in [0.5, 0.75, 0.9, 0.95, 0.99, 0.999]]

    rng = np.random.default_rng(20240611)
    samples = [[3.0, 1.0, 2.0], [5.0], [1.0, 2.0, 3.0, 4.0], list(np.round(rng.lognormal(1, 0.5, 37), 6))]
    qps = [0, 0.01, 0.1, 0.25, 0.5, 0.9, 0.95, 0.99, 0.999, 1]
    out["quantile"] = [{"xs": [float(x) for x in xs], "p": p, "q": float(np.quantile(xs, p))}
                       for xs in samples for p in qps]

    mean_cases = [list(np.round(rng.normal(10, 2, n), 6)) for n in [2, 3, 10, 40]]
    out["meanCI"] = []
    for xs in mean_cases:
        for c in [0.9, 0.95, 0.99]:
            a = np.array(xs)
            lo, hi = t.interval(c, len(a) - 1, loc=a.mean(), scale=a.std(ddof=1) / math.sqrt(len(a)))
            out["meanCI"].append({"xs": [float(x) for x in xs], "confidence": c, "lo": float(lo), "hi": float(hi)})

    json.dump(out, sys.stdout, indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
