/**
 * src/stats takes its descriptive basics from simple-statistics (descriptive.ts, quantile.ts).
 * These tests hold each to a naive reference written from the definition, so that a change of
 * definition upstream (e.g. a different quantile type, or population variance) fails here.
 */
import * as ss from "simple-statistics";
import { describe, expect, it } from "vitest";
import { percentileInterval } from "../src/stats/bootstrap-interval.js";
import { mean, meanAndStddev, median, medianAbsoluteDeviation } from "../src/stats/descriptive.js";
import { MAD_NORMAL_SCALE, normalQuantile, quantile, sortSamples } from "../src/stats/index.js";
import { createRng } from "../src/util/rng.js";
import { latencySeries } from "./helpers/latency-series.js";

const SIZES = [1, 2, 3, 4, 5, 10, 11, 100, 1001];

const samples = (n: number, seed: number): number[] => Array.from(latencySeries(createRng(seed), { n, sigma: 0.4 }));

const naiveSorted = (xs: readonly number[]): number[] => [...xs].sort((a, b) => a - b);

function naiveType7(sorted: readonly number[], p: number): number {
  const h = (sorted.length - 1) * p;
  const i = Math.floor(h);
  const below = sorted[i] as number;
  return i + 1 < sorted.length ? below + (h - i) * ((sorted[i + 1] as number) - below) : below;
}

function naiveMedian(xs: readonly number[]): number {
  const s = naiveSorted(xs);
  return ((s[Math.floor((s.length - 1) / 2)] as number) + (s[Math.ceil((s.length - 1) / 2)] as number)) / 2;
}

function naiveMeanAndStddev(xs: readonly number[]): { mean: number; stddev: number } {
  let sum = 0;
  for (const x of xs) sum += x;
  const m = sum / xs.length;
  let squares = 0;
  for (const x of xs) squares += (x - m) ** 2;
  return { mean: m, stddev: xs.length > 1 ? Math.sqrt(squares / (xs.length - 1)) : 0 };
}

const expectRelative = (actual: number, expected: number, tolerance: number, what: string): void => {
  expect(Math.abs(actual - expected), `${what}: ${actual} vs ${expected}`).toBeLessThanOrEqual(tolerance * Math.abs(expected));
};

describe("quantile is Hyndman–Fan type 7, as simple-statistics' quantileSorted", () => {
  it("equals the type-7 formula and quantileSorted to the last bit", () => {
    SIZES.forEach((n, seed) => {
      const sorted = sortSamples(samples(n, seed));
      for (const p of [0, 0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 0.999, 1]) {
        expect(quantile(sorted, p), `n=${n} p=${p}`).toBe(naiveType7(sorted, p));
        expect(quantile(sorted, p), `n=${n} p=${p}`).toBe(ss.quantileSorted(sorted, p));
      }
    });
  });

  it("gives the percentile interval of bootstrap replicates by the same rule", () => {
    const replicates = Float64Array.from(samples(999, 42));
    const sorted = naiveSorted(Array.from(replicates));
    const [lo, hi] = [(1 - 0.95) / 2, (1 + 0.95) / 2];
    expect(percentileInterval(replicates, 0.95)).toEqual([naiveType7(sorted, lo), naiveType7(sorted, hi)]);
  });
});

describe("mean and sample standard deviation", () => {
  it("equal the two-pass definition (divisor n − 1) on random data", () => {
    SIZES.forEach((n, seed) => {
      const xs = samples(n, 100 + seed);
      const ours = meanAndStddev(Float64Array.from(xs));
      const naive = naiveMeanAndStddev(xs);
      expectRelative(ours.mean, naive.mean, 1e-14, `mean n=${n}`);
      expectRelative(ours.stddev, naive.stddev, 1e-12, `stddev n=${n}`);
      expect(mean(xs)).toBe(ours.mean);
    });
  });

  it("use the sample (n − 1), not the population, variance", () => {
    expect(meanAndStddev([1, 2, 3, 4]).stddev).toBeCloseTo(Math.sqrt(5 / 3), 15);
    expect(meanAndStddev([7])).toEqual({ mean: 7, stddev: 0 });
  });
});

describe("median and median absolute deviation", () => {
  it("equal the definitions on random data", () => {
    SIZES.forEach((n, seed) => {
      const xs = samples(n, 200 + seed);
      const m = naiveMedian(xs);
      expectRelative(median(Float64Array.from(xs)), m, 1e-15, `median n=${n}`);
      expectRelative(medianAbsoluteDeviation(xs), naiveMedian(xs.map((x) => Math.abs(x - m))), 1e-14, `MAD n=${n}`);
    });
  });

  it("leave the MAD unscaled; MAD_NORMAL_SCALE = 1/Φ⁻¹(3/4) turns it into a σ estimate", () => {
    // Median 2; deviations 1, 1, 0, 0, 2, 4, 7 have median 1.
    expect(medianAbsoluteDeviation([1, 1, 2, 2, 4, 6, 9])).toBe(1);
    expect(MAD_NORMAL_SCALE).toBeCloseTo(1.4826, 4);
  });
});

describe("simple-statistics' probit", () => {
  it("is still too coarse to replace normalQuantile (AS 241) for interval endpoints", () => {
    // Winitzki's closed-form inverse erf: off by 2.8e-3 at 0.975, 6.7e-3 at 0.995, 1.3e-2 at 1e-6.
    for (const p of [0.975, 0.995, 1e-6]) {
      expect(Math.abs(ss.probit(p) - normalQuantile(p)), `p=${p}`).toBeGreaterThan(1e-3);
    }
    expect(normalQuantile(0.975)).toBeCloseTo(1.959963984540054, 14);
  });
});
