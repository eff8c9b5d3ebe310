/**
 * Serial dependence estimators: hand values, a naive O(n²) reference for the FFT path, NumPy
 * values (scripts/stats-reference-dependence.py), and the known τ = (1 + φ)/(1 − φ) of AR(1).
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { autocorrelations, effectiveSampleSize, integratedAutocorrelationTime, lag1Autocorrelation } from "../src/stats/index.js";
import { createRng } from "../src/util/rng.js";
import { ar1 } from "./helpers/latency-series.js";

interface Fixture {
  autocorrelation: { xs: number[]; rho: number[]; tau: number }[];
}
const fixture = JSON.parse(readFileSync(new URL("fixtures/stats/dependence.json", import.meta.url), "utf8")) as Fixture;

/** Straight from the definition: Σ_{i} d_i d_{i+k} / Σ d_i², every lag by a full sum. */
function naiveAutocorrelations(xs: ArrayLike<number>, maxLag: number): number[] {
  const n = xs.length;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += (xs[i] ?? 0) / n;
  const d = Array.from(xs, (x) => x - mean);
  const c = (k: number): number => d.slice(0, n - k).reduce((s, v, i) => s + v * (d[i + k] ?? 0), 0);
  return Array.from({ length: maxLag + 1 }, (_, k) => c(k) / c(0));
}

describe("autocorrelations", () => {
  it("matches hand values for 1..5", () => {
    // d = (−2, −1, 0, 1, 2), Σd² = 10; lag sums 4, −1, −4, −4.
    const rho = autocorrelations([1, 2, 3, 4, 5], 10);
    expect(rho.length).toBe(5); // lags beyond n − 1 are dropped
    for (const [k, r] of [1, 0.4, -0.1, -0.4, -0.4].entries()) expect(rho[k]).toBeCloseTo(r, 15);
    expect(lag1Autocorrelation([1, 2, 3, 4, 5])).toBeCloseTo(0.4, 15);
  });

  it("is −(n−1)/n at lag 1 for an alternating series and 0 for a constant one", () => {
    expect(lag1Autocorrelation([1, -1, 1, -1, 1, -1])).toBeCloseTo(-5 / 6, 15);
    expect(Array.from(autocorrelations([3, 3, 3, 3], 3))).toEqual([1, 0, 0, 0]);
    expect(Array.from(autocorrelations([], 3))).toEqual([]);
  });

  it("gives the same lags through the FFT (many lags) as by direct sums", () => {
    const xs = ar1(createRng(11), 777, 0.6);
    const viaFft = autocorrelations(xs, 400);
    const naive = naiveAutocorrelations(xs, 400);
    for (const [k, r] of naive.entries()) expect(Math.abs((viaFft[k] ?? NaN) - r), `lag ${k}`).toBeLessThan(1e-12);
  });

  it("matches numpy.correlate on the reference series", () => {
    for (const { xs, rho } of fixture.autocorrelation) {
      const actual = autocorrelations(xs, rho.length - 1);
      for (const [k, r] of rho.entries()) expect(Math.abs((actual[k] ?? NaN) - r), `n=${xs.length} lag ${k}`).toBeLessThan(1e-12);
    }
  });
});

describe("integratedAutocorrelationTime (Geyer's initial positive sequence)", () => {
  it("sums the positive pairs: 1.8 for 1..5", () => {
    // Lags 0..2 (n/2): Γ_0 = 1 + 0.4; no complete second pair. τ = −1 + 2 · 1.4.
    expect(integratedAutocorrelationTime([1, 2, 3, 4, 5])).toBeCloseTo(1.8, 15);
  });

  it("is 1 for tiny, constant and anti-correlated series", () => {
    expect(integratedAutocorrelationTime([5, 1, 2])).toBe(1);
    expect(integratedAutocorrelationTime([2, 2, 2, 2, 2, 2])).toBe(1);
    expect(integratedAutocorrelationTime(Array.from({ length: 100 }, (_, i) => i % 2))).toBe(1);
  });

  it("matches a naive implementation over numpy autocorrelations", () => {
    for (const { xs, tau } of fixture.autocorrelation) {
      expect(Math.abs(integratedAutocorrelationTime(xs) - tau), `n=${xs.length}`).toBeLessThan(1e-9);
    }
  });

  it("is about 1 for independent samples", () => {
    const rng = createRng(21);
    const tau = integratedAutocorrelationTime(Float64Array.from({ length: 20_000 }, () => rng.normal()));
    expect(tau).toBeGreaterThanOrEqual(1);
    expect(tau).toBeLessThan(1.1);
  });

  it("is about (1 + φ)/(1 − φ) = 3 for AR(1) with φ = 0.5 at n = 20000", () => {
    // The estimator's sd is about 0.12 here; each of 5 seeds must land within ±0.4 and their mean
    // within ±0.2.
    const tau = (seed: number): number => integratedAutocorrelationTime(ar1(createRng(seed), 20_000, 0.5));
    const taus = [1, 2, 3, 4, 5].map(tau);
    for (const tau of taus) expect(Math.abs(tau - 3)).toBeLessThan(0.4);
    expect(Math.abs(taus.reduce((a, b) => a + b) / taus.length - 3)).toBeLessThan(0.2);
  });

  it("is about 9 for AR(1) with φ = 0.8, and n/τ is the effective sample size", () => {
    const xs = ar1(createRng(31), 20_000, 0.8);
    const tau = integratedAutocorrelationTime(xs);
    expect(Math.abs(tau - 9)).toBeLessThan(2);
    expect(effectiveSampleSize(xs)).toBeCloseTo(20_000 / tau, 9);
  });

  it("looks past 64 lags when the correlation persists (a trend), to at most n/2", () => {
    const rng = createRng(41);
    const xs = Float64Array.from({ length: 4000 }, (_, i) => i / 400 + rng.normal());
    const tau = integratedAutocorrelationTime(xs);
    expect(tau).toBeGreaterThan(2 * 64);
    expect(tau).toBeLessThanOrEqual(4000);
  });
});
