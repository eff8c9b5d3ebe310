/**
 * Agreement with SciPy/NumPy. The fixture is produced by scripts/stats-reference.py (see there for
 * versions); its order-statistic ranks come from a brute-force search over rank pairs.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { meanCI, minSamplesForQuantileCI, normalQuantile, orderStatisticRanks, quantile, sortSamples, tQuantile } from "../src/stats/index.js";

interface Reference {
  normalQuantile: { p: number; x: number }[];
  tQuantile: { p: number; df: number; x: number }[];
  orderStatisticRanks: {
    n: number;
    p: number;
    confidence: number;
    ranks: { lower: number; upper: number; coverage: number } | null;
  }[];
  minSamples: { p: number; confidence: number; n: number }[];
  quantile: { xs: number[]; p: number; q: number }[];
  meanCI: { xs: number[]; confidence: number; lo: number; hi: number }[];
}

const reference = JSON.parse(readFileSync(new URL("fixtures/stats/reference.json", import.meta.url), "utf8")) as Reference;

const relativeError = (actual: number, expected: number): number => (expected === 0 ? Math.abs(actual) : Math.abs(actual - expected) / Math.abs(expected));

describe("agreement with SciPy", () => {
  it("normalQuantile matches scipy.stats.norm.ppf to 1e-14 relative", () => {
    for (const { p, x } of reference.normalQuantile) {
      expect(relativeError(normalQuantile(p), x), `p=${p}`).toBeLessThan(1e-14);
    }
  });

  it("tQuantile matches scipy.stats.t.ppf to 1e-10 relative, integer and fractional df", () => {
    expect(reference.tQuantile.length).toBeGreaterThan(250);
    for (const { p, df, x } of reference.tQuantile) {
      expect(relativeError(tQuantile(p, df), x), `p=${p} df=${df}`).toBeLessThan(1e-10);
    }
  });

  it("orderStatisticRanks matches a brute-force search over scipy.stats.binom", () => {
    for (const { n, p, confidence, ranks } of reference.orderStatisticRanks) {
      const actual = orderStatisticRanks(n, p, confidence);
      const label = `n=${n} p=${p} confidence=${confidence}`;
      if (ranks === null) {
        expect(actual, label).toBeNull();
        continue;
      }
      expect(actual, label).toMatchObject({ lower: ranks.lower, upper: ranks.upper });
      expect(Math.abs((actual?.coverage ?? NaN) - ranks.coverage), label).toBeLessThan(1e-9);
    }
  });

  it("minSamplesForQuantileCI matches a direct search", () => {
    for (const { p, confidence, n } of reference.minSamples) {
      expect(minSamplesForQuantileCI(p, confidence), `p=${p} confidence=${confidence}`).toBe(n);
    }
  });

  it("quantile matches numpy.quantile's default (linear, type 7)", () => {
    for (const { xs, p, q } of reference.quantile) {
      expect(quantile(sortSamples(xs), p)).toBeCloseTo(q, 12);
    }
  });

  it("meanCI matches scipy.stats.t.interval", () => {
    for (const { xs, confidence, lo, hi } of reference.meanCI) {
      const ci = meanCI(xs, confidence);
      expect(relativeError(ci?.lo ?? NaN, lo), `n=${xs.length} c=${confidence}`).toBeLessThan(1e-10);
      expect(relativeError(ci?.hi ?? NaN, hi), `n=${xs.length} c=${confidence}`).toBeLessThan(1e-10);
    }
  });
});
