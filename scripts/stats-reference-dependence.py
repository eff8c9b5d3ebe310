#!/usr/bin/env python3
"""Reference values for the dependence, steady-state and outlier tests, computed with NumPy/SciPy.

Run: python3 scripts/stats-reference-dependence.py > test/fixtures/stats/dependence.json
(tested with SciPy 1.17.1). Every value comes from a deliberately naive implementation (full
np.correlate, O(b^2) loops, SciPy's own interval and MAD functions) so the fixture checks the
O(n) and FFT code paths in src/stats rather than restating them.
"""
import importlib.util
import json
import math
import pathlib
import sys

import numpy as np
import scipy
from scipy import stats

_spec = importlib.util.spec_from_file_location(
    "stats_reference", pathlib.Path(__file__).with_name("stats-reference.py"))
_reference = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_reference)


def acf(x, max_lag):
    """Biased sample autocorrelations (divide by n), as statsmodels.tsa.stattools.acf(fft=False)."""
    d = np.asarray(x) - np.mean(x)
    c = np.correlate(d, d, "full")[len(d) - 1:]
    if c[0] == 0:
        return [1.0] + [0.0] * max_lag
    return list(c[: max_lag + 1] / c[0])


def geyer_ips(x):
    """Geyer (1992) initial positive sequence, pairs up to lag n/2, floored at 1."""
    n = len(x)
    if n < 4:
        return 1.0
    rho = acf(x, n // 2)
    total = 0.0
    m = 0
    while 2 * m + 1 < len(rho):
        g = rho[2 * m] + rho[2 * m + 1]
        if g <= 0:
            break
        total += g
        m += 1
    return max(1.0, -1 + 2 * total)


def mser5(x):
    b = len(x) // 5
    y = np.asarray(x[: 5 * b]).reshape(b, 5).mean(axis=1)
    values = [((y[d:] - y[d:].mean()) ** 2).sum() / (b - d) ** 2 for d in range(b)]
    half = b // 2
    best = min(range(half + 1), key=lambda d: (values[d], d))  # ties go to the smaller cut
    g = min(range(b - 10 + 1), key=lambda d: (values[d], d))
    return {"truncate": 5 * best, "reliable": b >= 20 and g <= half}


def outliers(x):
    q1, q3 = np.percentile(x, [25, 75])  # linear = type 7
    iqr = q3 - q1
    ls, lm, hm, hs = q1 - 3 * iqr, q1 - 1.5 * iqr, q3 + 1.5 * iqr, q3 + 3 * iqr
    counts = {"lowSevere": 0, "lowMild": 0, "highMild": 0, "highSevere": 0}
    for v in x:
        if v < ls:
            counts["lowSevere"] += 1
        elif v > hs:
            counts["highSevere"] += 1
        elif v < lm:
            counts["lowMild"] += 1
        elif v > hm:
            counts["highMild"] += 1
    med = float(np.median(x))
    scaled = float(stats.median_abs_deviation(x, scale="normal"))
    counts["mad"] = int(np.sum(np.abs(np.asarray(x) - med) / scaled > 3.5))
    return {"fences": {"lowSevere": ls, "lowMild": lm, "highMild": hm, "highSevere": hs},
            "median": med, "madScaled": scaled, "counts": counts}


def dependent_ranks(n, p, tau, confidence):
    m = max(1, math.floor(n / tau))
    r = _reference.ranks(m, p, confidence)
    if r is None or m == n:
        return None if r is None else {"lower": r["lower"], "upper": r["upper"]}
    s = n / m
    return {"lower": max(1, math.floor(s * (r["lower"] - 0.5) + 0.5)),
            "upper": min(n, math.ceil(s * (r["upper"] - 0.5) + 0.5))}


def ar1(rng, n, phi):
    x = np.empty(n)
    v = rng.normal() / math.sqrt(1 - phi * phi)
    for i in range(n):
        v = phi * v + rng.normal()
        x[i] = v
    return x


def rounded(xs):
    return [float(v) for v in np.round(xs, 6)]


def main():
    rng = np.random.default_rng(20250101)
    out = {"generatedBy": f"scripts/stats-reference-dependence.py, scipy {scipy.__version__}, numpy {np.__version__}"}

    series = [rounded(rng.normal(0, 1, 50)), rounded(ar1(rng, 300, 0.7)), rounded(rng.exponential(1, 1000)),
              rounded(np.arange(200) * 0.05 + rng.normal(0, 1, 200))]
    out["autocorrelation"] = [{"xs": xs, "rho": acf(xs, min(100, len(xs) - 1)), "tau": geyer_ips(xs)} for xs in series]

    out["batchMeans"] = []
    for n, b in [(400, 20), (300, 10), (600, 30)]:
        xs = rounded(ar1(rng, n, 0.5) + 10)
        y = np.asarray(xs).reshape(b, n // b).mean(axis=1)
        for c in [0.9, 0.95, 0.99]:
            lo, hi = stats.t.interval(c, b - 1, loc=y.mean(), scale=stats.sem(y))
            out["batchMeans"].append({"xs": xs, "batches": b, "confidence": c, "lo": float(lo), "hi": float(hi)})

    transient = rounded(10 + 20 * np.exp(-np.arange(1000) / 60) + rng.normal(0, 1, 1000))
    trend = rounded(np.arange(500) * 0.02 + rng.normal(0, 1, 500))
    out["mser5"] = [{"xs": xs, **mser5(xs)} for xs in [transient, trend, rounded(rng.normal(0, 1, 777))]]

    heavy = np.concatenate([rng.lognormal(0, 0.3, 300), [0.05, 9.0, 25.0, 3.2]])
    rng.shuffle(heavy)
    out["outliers"] = [{"xs": rounded(xs), **outliers(rounded(xs))}
                       for xs in [heavy, rng.normal(0, 1, 101), rng.standard_t(2, 500)]]

    out["dependentRanks"] = [{"n": n, "p": p, "tau": tau, "confidence": c, "ranks": dependent_ranks(n, p, tau, c)}
                             for n in [100, 1000, 5000] for p in [0.5, 0.9, 0.99] for tau in [1, 1.0005, 2.5, 9]
                             for c in [0.95, 0.99]]

    json.dump(out, sys.stdout, indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
