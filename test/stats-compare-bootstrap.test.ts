/**
 * The circular block bootstrap (src/stats/bootstrap.ts) and its block length (Politis–White,
 * src/stats/block-length.ts): exact values where the resampling distribution is known, the
 * fixture from scripts/compare-reference.py, and determinism.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { circularBlockLength } from "../src/stats/block-length.js";
import { blockBootstrap } from "../src/stats/bootstrap.js";
import { bootstrapPValue, percentileInterval } from "../src/stats/bootstrap-interval.js";
import { quantile, sortSamples } from "../src/stats/quantile.js";
import { createRng } from "../src/util/rng.js";
import { latencySeries, unitAr1 } from "./helpers/latency-series.js";

interface Reference {
  circularBlockLength: { n: number; phi: number; xs: number[]; blockLength: number }[];
}

const reference = JSON.parse(readFileSync(new URL("fixtures/stats/compare-reference.json", import.meta.url), "utf8")) as Reference;

function binomialUpperTail(n: number, p: number, k: number): number {
  let total = 0;
  let coefficient = 1; // C(n, j)
  for (let j = 0; j <= n; j++) {
    if (j >= k) total += coefficient * p ** j * (1 - p) ** (n - j);
    coefficient = (coefficient * (n - j)) / (j + 1);
  }
  return total;
}

describe("circularBlockLength", () => {
  it("matches an independent NumPy transcription of Politis–White (2004/2009)", () => {
    for (const { n, phi, xs, blockLength } of reference.circularBlockLength) {
      expect(circularBlockLength(xs), `n=${n} phi=${phi}`).toBe(blockLength);
    }
  });

  it("is 1 for a constant or very short series", () => {
    expect(circularBlockLength(new Float64Array(100).fill(3))).toBe(1);
    expect(circularBlockLength([1, 2, 3])).toBe(1);
  });

  it("grows with the autocorrelation", () => {
    const lengths = [0, 0.5, 0.8].map((phi) => circularBlockLength(latencySeries(createRng(5), { n: 4000, phi })));
    expect(lengths[0]).toBeLessThanOrEqual(3);
    expect(lengths[1]).toBeGreaterThan(lengths[0] ?? Infinity);
    expect(lengths[2]).toBeGreaterThan(lengths[1] ?? Infinity);
  });
});

describe("blockBootstrap", () => {
  const probabilities = [0.1, 0.5, 0.9, 0.99];

  it("with one block as long as the series, every resample is a rotation: replicates equal the estimates", () => {
    // Ties and a wrap-around at every start: checks the counting selection against type-7 quantiles.
    const xs = [5, 3, 3, 9, 1, 7, 7, 7, 2, 8, 6, 4, 10, 3, 5, 0.5, 12];
    const boot = blockBootstrap(xs, { probabilities, resamples: 50, seed: 3, blockLength: xs.length });
    const sorted = sortSamples(xs);
    probabilities.forEach((p, q) => {
      expect(boot.quantiles[q]).toBe(quantile(sorted, p));
      for (const r of boot.quantileReplicates[q] ?? []) expect(r).toBe(quantile(sorted, p));
    });
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
    expect(boot.mean).toBeCloseTo(mean, 12);
    for (const r of boot.meanReplicates) expect(r).toBeCloseTo(mean, 12);
  });

  it("draws the plain bootstrap's median with its exact distribution (ℓ = 1, n = 11)", () => {
    // The resample median is the 6th order statistic, so P(median* <= x_(k)) =
    // P(Binomial(11, k/11) >= 6). 20,000 replicates: standard error <= 0.0036.
    const xs = [4.2, 1.1, 9.9, 3.3, 7.7, 2.2, 5.5, 8.8, 6.6, 0.5, 10.5];
    const sorted = [...xs].sort((a, b) => a - b);
    const boot = blockBootstrap(xs, { probabilities: [0.5], resamples: 20_000, seed: 11, blockLength: 1 });
    const replicates = boot.quantileReplicates[0] ?? new Float64Array();
    for (let k = 1; k <= 11; k++) {
      const atMost = replicates.filter((r) => r <= (sorted[k - 1] ?? NaN)).length / replicates.length;
      expect(Math.abs(atMost - binomialUpperTail(11, k / 11, 6)), `k=${k}`).toBeLessThan(0.015);
    }
  });

  it("widens the mean's spread for an AR(1) series to its long-run variance, where ℓ = 1 would not", () => {
    // Gaussian AR(1), φ = 0.5: Var(x̄) ≈ σ²(1 + φ)/(1 − φ)/n = 3σ²/n.
    const rng = createRng(21);
    const n = 5000;
    const xs = Float64Array.from({ length: n }, unitAr1(rng, 0.5));
    const sd = (r: Float64Array): number => {
      const m = r.reduce((s, x) => s + x, 0) / r.length;
      return Math.sqrt(r.reduce((s, x) => s + (x - m) ** 2, 0) / (r.length - 1));
    };
    const block = blockBootstrap(xs, { probabilities: [], resamples: 2000, seed: 1 });
    const plain = blockBootstrap(xs, { probabilities: [], resamples: 2000, seed: 1, blockLength: 1 });
    expect(block.blockLength).toBeGreaterThan(5);
    expect(sd(block.meanReplicates) / Math.sqrt(3 / n)).toBeGreaterThan(0.85);
    expect(sd(block.meanReplicates) / Math.sqrt(3 / n)).toBeLessThan(1.15);
    expect(sd(plain.meanReplicates) / Math.sqrt(1 / n)).toBeCloseTo(1, 0);
  });

  it("is deterministic for a seed, and the seed matters", () => {
    const xs = latencySeries(createRng(8), { n: 500, phi: 0.3 });
    const a = blockBootstrap(xs, { probabilities, resamples: 200, seed: 42 });
    const b = blockBootstrap(xs, { probabilities, resamples: 200, seed: 42 });
    const c = blockBootstrap(xs, { probabilities, resamples: 200, seed: 43 });
    expect(b).toEqual(a);
    expect(c.meanReplicates).not.toEqual(a.meanReplicates);
  });

  it("rejects descending probabilities, a bad block length and bad resamples", () => {
    expect(() => blockBootstrap([1, 2, 3], { probabilities: [0.9, 0.5], resamples: 10, seed: 1 })).toThrow(/ascend/);
    expect(() => blockBootstrap([1, 2, 3], { probabilities: [], resamples: 10, seed: 1, blockLength: 0 })).toThrow(/block length/);
    expect(() => blockBootstrap([1, 2, 3], { probabilities: [], resamples: 0, seed: 1 })).toThrow(/resamples/);
  });
});

describe("percentile interval and bootstrap p-value", () => {
  it("takes the type-7 quantiles of the replicates", () => {
    const replicates = Float64Array.from({ length: 101 }, (_, i) => (100 - i) / 100); // 0..1, shuffled order
    const [lo, hi] = percentileInterval(replicates, 0.9);
    expect(lo).toBeCloseTo(0.05, 12);
    expect(hi).toBeCloseTo(0.95, 12);
  });

  it("p < 1 − confidence exactly when the interval excludes 0", () => {
    expect(bootstrapPValue([0.001, 0.3], 0.95)).toBeLessThan(0.05);
    expect(bootstrapPValue([-0.001, 0.3], 0.95)).toBeGreaterThan(0.05);
    expect(bootstrapPValue([0, 0.2], 0.95)).toBeCloseTo(0.05, 12);
    expect(bootstrapPValue([-0.1, 0.1], 0.95)).toBe(1);
    expect(bootstrapPValue([0.2, 0.2], 0.95)).toBe(0);
    expect(bootstrapPValue([0, 0], 0.95)).toBe(1);
  });
});
