/**
 * Dependence-aware intervals (src/stats/dependent.ts) and how summarizeLatency and throughput use
 * them. Coverage by simulation is in stats-dependence-coverage.test.ts.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  batchMeansCI,
  dependentOrderStatisticRanks,
  headlineRelativeHalfWidth,
  indicatorAutocorrelationTime,
  integratedAutocorrelationTime,
  meanCI,
  meanCIDependent,
  orderStatisticRanks,
  quantileCI,
  quantileCIDependent,
  relativeHalfWidth,
  sortSamples,
  summarizeLatency,
  throughput,
  type Interval,
} from "../src/stats/index.js";
import { createRng, type Rng } from "../src/util/rng.js";
import { ar1 } from "./helpers/latency-series.js";

interface Fixture {
  batchMeans: { xs: number[]; batches: number; confidence: number; lo: number; hi: number }[];
  dependentRanks: {
    n: number;
    p: number;
    tau: number;
    confidence: number;
    ranks: { lower: number; upper: number } | null;
  }[];
}
const fixture = JSON.parse(readFileSync(new URL("fixtures/stats/dependence.json", import.meta.url), "utf8")) as Fixture;

/** Latencies around 5 ms whose log follows a Gaussian AR(1) with coefficient φ. */
function ar1Latencies(rng: Rng, n: number, phi: number): Float64Array {
  return ar1(rng, n, phi).map((v) => 5 * Math.exp(0.1 * v));
}

/**
 * Every 10th sample slow, the others rising slowly: the indicators of p50 and p90 are periodic,
 * and their estimated autocorrelation time is exactly 1, so the intervals must be the exact ones.
 */
const periodic = (n: number): number[] => Array.from({ length: n }, (_, i) => (i % 10 === 9 ? 100 + i : i % 2 === 0 ? 1 + i / n : 2 + i / n));

describe("dependentOrderStatisticRanks", () => {
  it("is orderStatisticRanks exactly when τ = 1", () => {
    for (const n of [20, 200, 1000, 4000]) {
      for (const p of [0.5, 0.9, 0.99]) {
        expect(dependentOrderStatisticRanks(n, p, 1), `n=${n} p=${p}`).toEqual(orderStatisticRanks(n, p));
      }
    }
  });

  it("widens the ranks about np by √τ, and has none when n/τ samples are too few", () => {
    // τ = 4: the exact ranks for m = 1000 are (469, 532); scaled by s = 4 with continuity
    // correction, l = ⌊4 · 468.5 + ½⌋ = 1874 and u = ⌈4 · 531.5 + ½⌉ = 2127. About np = 2000 the
    // half-width grows from 62 ranks (exact at n = 4000: 1938..2063) to 126, i.e. by √τ = 2.
    expect(orderStatisticRanks(1000, 0.5)).toMatchObject({ lower: 469, upper: 532 });
    expect(orderStatisticRanks(4000, 0.5)).toMatchObject({ lower: 1938, upper: 2063 });
    expect(dependentOrderStatisticRanks(4000, 0.5, 4)).toMatchObject({ lower: 1874, upper: 2127 });
    expect(dependentOrderStatisticRanks(1000, 0.99, 3)).toBeNull(); // ⌊1000/3⌋ = 333 < 368
    expect(dependentOrderStatisticRanks(1000, 0.99, 2.7)).not.toBeNull(); // 370 >= 368
    expect(() => dependentOrderStatisticRanks(100, 0.5, 0.9)).toThrow(/autocorrelationTime/);
  });

  it("matches the brute-force SciPy ranks for ⌊n/τ⌋ mapped back", () => {
    for (const { n, p, tau, confidence, ranks } of fixture.dependentRanks) {
      const actual = dependentOrderStatisticRanks(n, p, tau, confidence);
      const label = `n=${n} p=${p} τ=${tau} c=${confidence}`;
      if (ranks === null) expect(actual, label).toBeNull();
      else expect(actual, label).toMatchObject(ranks);
    }
  });
});

describe("quantileCIDependent", () => {
  it("is the exact interval when the indicator series shows no dependence", () => {
    const xs = periodic(2000);
    const sorted = sortSamples(xs);
    for (const p of [0.5, 0.9]) {
      expect(indicatorAutocorrelationTime(xs, sorted[Math.floor(p * 2000)] ?? NaN)).toBe(1);
      expect(quantileCIDependent(xs, sorted, p), `p=${p}`).toEqual(quantileCI(sorted, p));
    }
  });

  it("is wider than the exact interval, and contains it, on autocorrelated data", () => {
    const xs = ar1Latencies(createRng(5), 3000, 0.8);
    const sorted = sortSamples(xs);
    for (const p of [0.5, 0.9, 0.99]) {
      const exact = quantileCI(sorted, p);
      const wide = quantileCIDependent(xs, sorted, p);
      expect(wide, `p=${p}`).not.toBeNull();
      expect(wide?.lo ?? NaN).toBeLessThan(exact?.lo ?? NaN);
      expect(wide?.hi ?? NaN).toBeGreaterThan(exact?.hi ?? NaN);
    }
  });

  it("has no interval below the independent-sample minimum, and checks its arguments", () => {
    const xs = periodic(300);
    expect(quantileCIDependent(xs, sortSamples(xs), 0.99)).toBeNull(); // 300 < 368
    expect(() => quantileCIDependent(xs, sortSamples(xs.slice(1)), 0.5)).toThrow(/299 sorted samples/);
  });
});

describe("batchMeansCI", () => {
  it("is the t interval of the batch means (scipy.stats.t.interval on equal batches)", () => {
    for (const { xs, batches, confidence, lo, hi } of fixture.batchMeans) {
      const ci = batchMeansCI(xs, confidence, batches);
      const label = `n=${xs.length} b=${batches} c=${confidence}`;
      expect(Math.abs((ci?.lo ?? NaN) - lo) / Math.abs(lo), label).toBeLessThan(1e-12);
      expect(Math.abs((ci?.hi ?? NaN) - hi) / Math.abs(hi), label).toBeLessThan(1e-12);
    }
  });

  it("centres on the mean of all samples when batch sizes differ by one", () => {
    const xs = Array.from({ length: 103 }, (_, i) => (i * 37) % 11);
    const ci = batchMeansCI(xs, 0.95, 10);
    const mean = xs.reduce((a, b) => a + b) / xs.length;
    expect(((ci?.lo ?? NaN) + (ci?.hi ?? NaN)) / 2).toBeCloseTo(mean, 12);
  });

  it("uses 30 batches for independent data and 10 when batches would be short against τ", () => {
    const rng = createRng(6);
    const iid = Float64Array.from({ length: 3000 }, () => rng.normal());
    expect(batchMeansCI(iid)).toEqual(batchMeansCI(iid, 0.95, 30));
    const dependent = ar1Latencies(rng, 1000, 0.95); // τ ≈ 39: 1000 / 390 < 10 batches
    expect(integratedAutocorrelationTime(dependent)).toBeGreaterThan(10);
    expect(batchMeansCI(dependent)).toEqual(batchMeansCI(dependent, 0.95, 10));
  });

  it("is degenerate for a constant series, null with under two samples per batch, and checks input", () => {
    expect(batchMeansCI(Array<number>(200).fill(3))).toEqual({ lo: 3, hi: 3 });
    expect(batchMeansCI([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19])).toBeNull();
    expect(() => batchMeansCI([1, 2, 3, 4], 0.95, 1)).toThrow(/batches/);
    expect(() => batchMeansCI([1, 2, NaN, 4], 0.95, 2)).toThrow(/not a finite number/);
    expect(() => batchMeansCI([], 0.95, 2)).toThrow(/no samples/);
  });
});

describe("meanCIDependent", () => {
  it("falls back to the Student t interval below 100 samples, batch means from 100 on", () => {
    const rng = createRng(7);
    const xs = Array.from({ length: 100 }, () => rng.normal());
    expect(meanCIDependent(xs.slice(0, 99))).toEqual(meanCI(xs.slice(0, 99)));
    expect(meanCIDependent(xs)).toEqual(batchMeansCI(xs));
  });
});

describe("headlineRelativeHalfWidth", () => {
  it("equals relativeHalfWidth when there is no dependence, and exceeds it when there is", () => {
    const xs = periodic(2000);
    expect(headlineRelativeHalfWidth(xs, 0.5)).toBe(relativeHalfWidth(sortSamples(xs), 0.5));
    const dependent = ar1Latencies(createRng(8), 3000, 0.8);
    const naive = relativeHalfWidth(sortSamples(dependent), 0.9);
    expect(headlineRelativeHalfWidth(dependent, 0.9)).toBeGreaterThan(1.5 * naive);
  });

  it("is Infinity without an interval and 0 for constant latencies", () => {
    expect(headlineRelativeHalfWidth(periodic(100), 0.99)).toBe(Infinity);
    expect(headlineRelativeHalfWidth(Array<number>(500).fill(4), 0.99)).toBe(0);
    expect(headlineRelativeHalfWidth(Float64Array.from([4, 4, 4, 4, 4]), 0.5)).toBe(Infinity); // n = 5
  });
});

describe("summarizeLatency on a series in measurement order", () => {
  it("reports the dependence: τ ≈ 1 for independent samples, large for AR(1)", () => {
    const rng = createRng(9);
    const iid = summarizeLatency(Float64Array.from({ length: 2000 }, () => 5 - Math.log1p(-rng.next())));
    expect(iid.dependence.autocorrelationTime).toBeLessThan(1.3);
    expect(Math.abs(iid.dependence.lag1)).toBeLessThan(0.1);
    const dependent = summarizeLatency(ar1Latencies(rng, 2000, 0.8));
    expect(dependent.dependence.lag1).toBeGreaterThan(0.7);
    expect(dependent.dependence.autocorrelationTime).toBeGreaterThan(5);
    expect(dependent.dependence.effectiveN).toBeCloseTo(2000 / dependent.dependence.autocorrelationTime, 9);
  });

  it("uses the dependence-aware intervals", () => {
    const xs = ar1Latencies(createRng(10), 1500, 0.8);
    const sorted = sortSamples(xs);
    const s = summarizeLatency(xs);
    const pair = (ci: Interval | null): [number, number] | null => (ci === null ? null : [ci.lo, ci.hi]);
    expect(s.p90.ci).toEqual(pair(quantileCIDependent(xs, sorted, 0.9)));
    expect(s.mean.ci).toEqual(pair(batchMeansCI(xs)));
  });

  it("counts outliers without dropping them", () => {
    const xs = [...periodic(200).map((x) => x % 3), 1000, -500];
    const s = summarizeLatency(xs);
    expect(s.n).toBe(202);
    expect(s.max).toBe(1000);
    expect(s.outliers.highSevere).toBeGreaterThanOrEqual(1);
    expect(s.outliers.lowSevere).toBe(1);
    expect(Object.keys(s.outliers).sort()).toEqual(["highMild", "highSevere", "lowMild", "lowSevere", "mad"]);
  });

  it("says when autocorrelation leaves too few effective samples for an interval", () => {
    const s = summarizeLatency(ar1Latencies(createRng(11), 1000, 0.9));
    expect(s.p99.ci).toBeNull();
    const note = s.notes.find((line) => line.startsWith("p99:"));
    expect(note).toMatch(/^p99: 1000 samples are worth about \d+ independent ones here \(autocorrelation time \d+\.\d\d\), /);
    expect(note).toMatch(/, too few for a 95% interval \(needs at least 368\)$/);
  });
});

describe("throughput on a series in measurement order", () => {
  it("inverts the batch-means interval of the mean latency", () => {
    const xs = ar1Latencies(createRng(12), 500, 0.5);
    const latency = batchMeansCI(xs);
    const t = throughput(xs, 8);
    expect(t.ci?.[0]).toBeCloseTo(8000 / (latency?.hi ?? NaN), 9);
    expect(t.ci?.[1]).toBeCloseTo(8000 / (latency?.lo ?? NaN), 9);
  });
});
