#!/usr/bin/env python3
"""Reference values for the comparison tests (test/stats-mann-whitney.test.ts and
test/stats-compare-bootstrap.test.ts), computed with SciPy/NumPy.

Run: python3 scripts/compare-reference.py > test/fixtures/stats/compare-reference.json
(tested with SciPy 1.17.1, NumPy 2.4.6, mpmath 1.3). Mann-Whitney values are scipy.stats.mannwhitneyu with its
defaults (two-sided, continuity correction, method="auto": exact for a sample of at most 8 values
without ties). The Politis-White block lengths come from a direct NumPy transcription of the
paper's formulas (Politis & White 2004; Patton, Politis & White 2009), written independently of
src/stats/block-length.ts so that the two check each other.
"""
import json
import math
import sys

import mpmath
import numpy as np
import scipy
from scipy.stats import mannwhitneyu


def as_list(xs):
    return [float(x) for x in xs]


def mann_whitney_cases(rng):
    cases = {
        "exact, 5 vs 7, no ties": (rng.normal(0, 1, 5), rng.normal(1, 1, 7)),
        "exact, 3 vs 20, no ties": (rng.normal(0.5, 1, 3), rng.normal(0, 1, 20)),
        "exact, 8 vs 8, separated": (np.arange(1.0, 9.0), np.arange(9.0, 17.0)),
        "exact, 1 vs 1": (np.array([2.0]), np.array([1.0])),
        "asymptotic, 6 vs 7 with ties": (np.array([1.0, 2, 2, 3, 4, 4]), np.array([2.0, 3, 3, 4, 5, 6, 6])),
        "asymptotic, 40 vs 30, integers 0..5": (rng.integers(0, 6, 40).astype(float), rng.integers(1, 7, 30).astype(float)),
        "asymptotic, 200 vs 150, lognormal shift": (rng.lognormal(0, 0.3, 200), rng.lognormal(0.05, 0.3, 150)),
        "asymptotic, 1000 vs 1000, same distribution": (rng.lognormal(0, 0.3, 1000), rng.lognormal(0, 0.3, 1000)),
        "asymptotic, 300 vs 300, far apart": (rng.normal(0, 1, 300), rng.normal(8, 1, 300)),
        "asymptotic, all equal": (np.full(12, 3.0), np.full(9, 3.0)),
    }
    out = []
    for name, (a, b) in cases.items():
        a, b = np.round(a, 6), np.round(b, 6)
        r = mannwhitneyu(a, b)
        out.append({"name": name, "a": as_list(a), "b": as_list(b), "u": float(r.statistic), "p": float(r.pvalue)})
    return out


def politis_white(x):
    """Circular block bootstrap block length b_CB, rounded up, clipped to [1, ceil(min(3 sqrt n, n/3))]."""
    x = np.asarray(x, dtype=float)
    n = len(x)
    d = x - x.mean()
    acv = np.array([d[: n - k] @ d[k:] / n for k in range(n)])
    rho = acv / acv[0]
    kn = max(5, math.sqrt(math.log10(n)))
    kn = int(math.ceil(kn))
    m_max = int(math.ceil(math.sqrt(n))) + kn
    crit = 2 * math.sqrt(math.log10(n) / n)
    m_hat = None
    for m in range(0, m_max - kn + 1):
        if np.all(np.abs(rho[m + 1 : m + kn + 1]) < crit):
            m_hat = m
            break
    big_m = m_max if m_hat is None else min(2 * max(m_hat, 1), m_max)
    k = np.arange(-big_m, big_m + 1)
    t = np.abs(k) / big_m
    lam = np.where(t <= 0.5, 1.0, 2 * (1 - t))
    r = acv[np.abs(k)]
    g = np.sum(lam * np.abs(k) * r)
    g0 = np.sum(lam * r)
    b = (2 * g**2 / (4 / 3 * g0**2)) ** (1 / 3) * n ** (1 / 3)
    b_max = math.ceil(min(3 * math.sqrt(n), n / 3))
    return int(max(1, min(b_max, math.ceil(b))))


def ar1(rng, n, phi):
    e = np.empty(n)
    e[0] = rng.normal()
    for t in range(1, n):
        e[t] = phi * e[t - 1] + math.sqrt(1 - phi * phi) * rng.normal()
    return e


def main():
    rng = np.random.default_rng(20260611)
    out = {"generatedBy": f"scripts/compare-reference.py, scipy {scipy.__version__}, numpy {np.__version__}, "
                          f"mpmath {mpmath.__version__}"}
    out["mannWhitney"] = mann_whitney_cases(rng)
    zs = [-8, -3, -1.5, -0.3, 0, 1e-8, 0.2, 0.7, 1.2, 1.9, 1.99, 2, 2.01, 2.5, 3, 4.5, 6, 8.3, 10, 20, 37]
    # mpmath at 40 digits rather than scipy.special.ndtr, which is off by ~1e-13 relative at z = 37.
    mpmath.mp.dps = 40
    out["normalUpperTail"] = [{"z": z, "q": float(mpmath.ncdf(-z))} for z in zs]
    series = []
    for n, phi in [(200, 0.0), (500, 0.3), (1000, 0.5), (2000, 0.8), (3000, -0.4)]:
        xs = np.round(ar1(rng, n, phi), 6)
        series.append({"n": n, "phi": phi, "xs": as_list(xs), "blockLength": politis_white(xs)})
    out["circularBlockLength"] = series
    json.dump(out, sys.stdout, indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
