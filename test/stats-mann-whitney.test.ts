/**
 * The Mann–Whitney U test against scipy.stats.mannwhitneyu (fixture from
 * scripts/compare-reference.py) and the normal tail its p-values rest on against
 * mpmath at 40 digits.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { mannWhitney } from "../src/stats/mann-whitney.js";
import { normalUpperTail } from "../src/stats/normal-tail.js";

interface Reference {
  mannWhitney: { name: string; a: number[]; b: number[]; u: number; p: number }[];
  normalUpperTail: { z: number; q: number }[];
}

const reference = JSON.parse(readFileSync(new URL("fixtures/stats/compare-reference.json", import.meta.url), "utf8")) as Reference;

const relativeError = (actual: number, expected: number): number => (expected === 0 ? Math.abs(actual) : Math.abs(actual - expected) / Math.abs(expected));

describe("normalUpperTail", () => {
  it("matches mpmath's ncdf(-z) to 2e-14 relative, from z = -8 to 37", () => {
    for (const { z, q } of reference.normalUpperTail) {
      expect(relativeError(normalUpperTail(z), q), `z=${z}`).toBeLessThan(2e-14);
    }
  });

  it("is ½ at 0, 0 far out and at +∞, 1 at −∞, and NaN for NaN", () => {
    expect(normalUpperTail(0)).toBe(0.5);
    expect(normalUpperTail(38.6)).toBe(0);
    expect(normalUpperTail(1e300)).toBe(0);
    expect(normalUpperTail(Infinity)).toBe(0);
    expect(normalUpperTail(-Infinity)).toBe(1);
    expect(normalUpperTail(NaN)).toBeNaN();
  });
});

describe("mannWhitney agrees with scipy.stats.mannwhitneyu", () => {
  for (const { name, a, b, u, p } of reference.mannWhitney) {
    it(name, () => {
      const result = mannWhitney(a, b);
      expect(result.u).toBe(u);
      expect(result.method).toBe(name.startsWith("exact") ? "exact" : "asymptotic");
      expect(relativeError(result.pValue, p), `p=${result.pValue} vs ${p}`).toBeLessThan(1e-12);
      expect(result.varianceInflation).toBe(1);
    });
  }
});

describe("mannWhitney properties", () => {
  const a = [3.1, 4.7, 2.2, 5.9, 4.4, 3.8, 6.1, 2.9, 5.2, 4.0];
  const b = [4.9, 6.3, 5.5, 7.2, 4.1, 6.8, 5.0, 7.7, 6.0, 5.6, 6.6];

  it("is symmetric: swapping the samples gives U' = mn − U and the same p-value", () => {
    const ab = mannWhitney(a, b);
    const ba = mannWhitney(b, a);
    expect(ab.u + ba.u).toBe(a.length * b.length);
    expect(ba.pValue).toBeCloseTo(ab.pValue, 14);
  });

  it("does not depend on the order of the values when serial dependence is off", () => {
    const shuffled = [...a].reverse();
    expect(mannWhitney(shuffled, b).pValue).toBe(mannWhitney(a, b).pValue);
  });

  it("with serialDependence, never reports a smaller p-value than the independent test", () => {
    // Trend-like series: strongly autocorrelated ranks, so the variance must widen.
    const trendA = Array.from({ length: 200 }, (_, i) => i + (i % 7));
    const trendB = Array.from({ length: 200 }, (_, i) => i + 25 + (i % 5));
    const independent = mannWhitney(trendA, trendB);
    const dependent = mannWhitney(trendA, trendB, { serialDependence: true });
    expect(dependent.u).toBe(independent.u);
    expect(dependent.method).toBe("asymptotic");
    expect(dependent.varianceInflation).toBeGreaterThan(5);
    expect(dependent.pValue).toBeGreaterThan(independent.pValue);
  });

  it("throws on an empty sample or a non-finite value", () => {
    expect(() => mannWhitney([], [1])).toThrow(/no samples/);
    expect(() => mannWhitney([1, NaN], [1])).toThrow(/sample 1 is NaN/);
  });
});
