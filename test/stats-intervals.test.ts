import { describe, expect, it } from "vitest";
import { meanCI, minSamplesForQuantileCI, orderStatisticRanks, quantileCI, relativeHalfWidth, sortSamples } from "../src/stats/index.js";
import { createRng } from "../src/util/rng.js";

const oneTo = (n: number): number[] => Array.from({ length: n }, (_, i) => i + 1);

describe("orderStatisticRanks", () => {
  it("gives ranks 6 and 15 for the median of 20 samples at 95%", () => {
    // B ~ Binomial(20, 1/2); 2^20 = 1048576. P(B <= 5) = (1 + 20 + 190 + 1140 + 4845 + 15504) / 2^20
    // = 21700 / 2^20 = 0.02069 <= 0.025, but P(B <= 6) = (21700 + 38760) / 2^20 = 0.05766 > 0.025,
    // so l = 6; by symmetry P(B >= 15) = 0.02069 and u = 15. Moving either rank inwards would push
    // the total miss to 0.0784 > 0.05. Coverage 1 - 2 · 21700 / 2^20.
    const r = orderStatisticRanks(20, 0.5);
    expect(r).toMatchObject({ lower: 6, upper: 15 });
    expect(r?.coverage).toBeCloseTo(1 - (2 * 21700) / 1048576, 12);
  });

  it("uses the extremes when that is all n allows", () => {
    // n = 6: P(B = 0) = P(B = 6) = 1/64 <= 0.025 but P(B <= 1) = 7/64 > 0.025.
    const r = orderStatisticRanks(6, 0.5);
    expect(r).toMatchObject({ lower: 1, upper: 6 });
    expect(r?.coverage).toBeCloseTo(1 - 2 / 64, 12);
    expect(orderStatisticRanks(5, 0.5)).toBeNull(); // 1/32 > 0.025
  });

  it("moves one endpoint inwards when both tails get closer to α/2 (p99, n = 1000)", () => {
    // Textbook ranks (983, 997) cover 0.976; (983, 996) still covers >= 0.95 with tails nearer 0.025.
    const r = orderStatisticRanks(1000, 0.99);
    expect(r).toMatchObject({ lower: 983, upper: 996 });
    expect(r?.coverage).toBeGreaterThanOrEqual(0.95);
    expect(r?.coverage).toBeCloseTo(0.95748, 5);
  });

  it("needs 368 samples for p99 at 95%: 0.99^367 = 0.02502 > 0.025 >= 0.99^368", () => {
    expect(orderStatisticRanks(367, 0.99)).toBeNull();
    expect(orderStatisticRanks(368, 0.99)).toMatchObject({ lower: 360, upper: 368 });
    expect(minSamplesForQuantileCI(0.99)).toBe(368);
    expect(minSamplesForQuantileCI(0.999)).toBe(3688);
    expect(minSamplesForQuantileCI(0.5)).toBe(6);
  });

  it("never has coverage below the confidence, for any n", () => {
    for (const p of [0.5, 0.9, 0.95, 0.99]) {
      for (let n = 1; n <= 1500; n++) {
        const r = orderStatisticRanks(n, p, 0.95);
        if (r === null) continue;
        expect(r.coverage).toBeGreaterThanOrEqual(0.95);
        expect(r.lower).toBeGreaterThanOrEqual(1);
        expect(r.upper).toBeLessThanOrEqual(n);
        expect(r.lower).toBeLessThan(r.upper);
      }
    }
  });

  it("is null exactly below minSamplesForQuantileCI", () => {
    for (const confidence of [0.8, 0.9, 0.95, 0.99, 0.999]) {
      for (const p of [0.01, 0.1, 0.5, 0.75, 0.9, 0.95, 0.99, 0.999]) {
        const n = minSamplesForQuantileCI(p, confidence);
        expect(orderStatisticRanks(n, p, confidence)).not.toBeNull();
        if (n > 1) expect(orderStatisticRanks(n - 1, p, confidence)).toBeNull();
      }
    }
  });

  it("handles a million samples", () => {
    for (const p of [0.5, 0.9, 0.95, 0.99, 0.999]) {
      const r = orderStatisticRanks(1_000_000, p);
      expect(r?.lower).toBeLessThan(p * 1_000_000);
      expect(r?.upper).toBeGreaterThan(p * 1_000_000);
    }
  });

  it("rejects bad arguments", () => {
    expect(() => orderStatisticRanks(10.5, 0.5)).toThrow(/positive integer/);
    expect(() => orderStatisticRanks(10, 0.5, 1)).toThrow(/confidence must be in \(0, 1\)/);
    expect(() => orderStatisticRanks(10, 0.5, 95)).toThrow(RangeError);
    expect(orderStatisticRanks(1000, 0)).toBeNull();
    expect(orderStatisticRanks(1000, 1)).toBeNull();
  });
});

describe("quantileCI", () => {
  it("returns the order statistics at the chosen ranks", () => {
    // Samples 1..20 so X_(k) = k.
    expect(quantileCI(sortSamples(oneTo(20).reverse()), 0.5)).toEqual({ lo: 6, hi: 15 });
    expect(quantileCI(sortSamples(oneTo(1000)), 0.99)).toEqual({ lo: 983, hi: 996 });
  });

  it("is null when n is too small for the confidence, and appears at the threshold", () => {
    expect(quantileCI(sortSamples(oneTo(100)), 0.99)).toBeNull();
    expect(quantileCI(sortSamples(oneTo(367)), 0.99)).toBeNull();
    expect(quantileCI(sortSamples(oneTo(400)), 0.99)).toEqual({ lo: 392, hi: 400 });
    expect(quantileCI(sortSamples(oneTo(400)), 0.99, 0.9)).not.toBeNull();
  });

  it("widens as the confidence rises", () => {
    const xs = sortSamples(oneTo(2000));
    const width = (c: number): number => {
      const ci = quantileCI(xs, 0.9, c);
      return ci === null ? Infinity : ci.hi - ci.lo;
    };
    expect(width(0.8)).toBeLessThan(width(0.95));
    expect(width(0.95)).toBeLessThan(width(0.999));
  });
});

describe("meanCI", () => {
  it("matches a hand-computed t interval", () => {
    // xs = 1..5: mean 3, s² = 10/4 = 2.5, s/√n = √0.5 = 0.707107; t(0.975, 4) = 2.776445,
    // half-width 1.963243 → [1.036757, 4.963243].
    const ci = meanCI([1, 2, 3, 4, 5]);
    expect(ci?.lo).toBeCloseTo(1.036757, 5);
    expect(ci?.hi).toBeCloseTo(4.963243, 5);
    // 90%: t(0.95, 4) = 2.131847 → half-width 1.507443.
    const ci90 = meanCI([1, 2, 3, 4, 5], 0.9);
    expect(ci90?.hi).toBeCloseTo(4.507443, 5);
  });

  it("is null below two samples and a point for constant data", () => {
    expect(meanCI([3])).toBeNull();
    expect(meanCI([])).toBeNull();
    expect(meanCI([2, 2, 2])).toEqual({ lo: 2, hi: 2 });
  });

  it("rejects non-finite samples", () => {
    expect(() => meanCI([1, NaN, 3])).toThrow(/not a finite number/);
  });
});

describe("relativeHalfWidth", () => {
  it("is (hi - lo) / 2 / value", () => {
    const xs = sortSamples(oneTo(20));
    // Median 10.5 with interval [6, 15]: 4.5 / 10.5.
    expect(relativeHalfWidth(xs, 0.5)).toBeCloseTo(4.5 / 10.5, 12);
  });

  it("is Infinity without an interval and 0 for constant data", () => {
    expect(relativeHalfWidth(sortSamples(oneTo(100)), 0.99)).toBe(Infinity);
    expect(relativeHalfWidth(sortSamples(Array<number>(500).fill(4)), 0.99)).toBe(0);
  });

  it("shrinks roughly as 1/√n as samples accumulate", () => {
    const rng = createRng(7);
    const latencies = Array.from({ length: 8000 }, () => 10 - Math.log1p(-rng.next()));
    const at = (n: number): number => relativeHalfWidth(sortSamples(latencies.slice(0, n)), 0.9);
    const ratio = at(500) / at(8000); // √16 = 4 in expectation
    expect(ratio).toBeGreaterThan(2.5);
    expect(ratio).toBeLessThan(6);
  });
});
