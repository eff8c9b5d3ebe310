/**
 * Holm–Bonferroni adjusted p-values. Hand example (m = 5), as statsmodels'
 * multipletests(p, method="holm")[1] computes it:
 *   sorted p:     0.001  0.008  0.012  0.04   0.3
 *   × (m − j + 1):  ×5     ×4     ×3     ×2     ×1
 *   products:     0.005  0.032  0.036  0.08   0.3
 *   running max:  0.005  0.032  0.036  0.08   0.3
 * With 0.01 and 0.011 the products 0.04, 0.033 are not monotone and the running max lifts the
 * second to 0.04.
 */
import { describe, expect, it } from "vitest";
import { holm } from "../src/stats/holm.js";

describe("holm", () => {
  it("matches the hand-computed example, in the input order", () => {
    const adjusted = holm([0.04, 0.001, 0.3, 0.012, 0.008]);
    const expected = [0.08, 0.005, 0.3, 0.036, 0.032];
    for (const [i, p] of adjusted.entries()) expect(p).toBeCloseTo(expected[i] ?? NaN, 15);
  });

  it("enforces monotonicity with the running maximum", () => {
    // Sorted: 0.01 × 4 = 0.04, 0.011 × 3 = 0.033 → 0.04, 0.02 × 2 = 0.04, 0.5 × 1 = 0.5.
    const adjusted = holm([0.5, 0.011, 0.01, 0.02]);
    for (const [i, p] of [0.5, 0.04, 0.04, 0.04].entries()) expect(adjusted[i]).toBeCloseTo(p, 15);
  });

  it("caps at 1 and leaves a single p-value alone", () => {
    expect(holm([0.4, 0.6, 0.9])).toEqual([1, 1, 1]);
    expect(holm([0.03])).toEqual([0.03]);
    expect(holm([])).toEqual([]);
  });

  it("gives tied p-values the same adjustment", () => {
    const adjusted = holm([0.01, 0.01, 0.2]);
    expect(adjusted[0]).toBe(adjusted[1]);
    expect(adjusted[0]).toBeCloseTo(0.03, 15);
  });

  it("is never below the raw p-value and never above Bonferroni", () => {
    const ps = [0.0001, 0.2, 0.03, 0.004, 0.7, 0.05, 0.011];
    holm(ps).forEach((q, i) => {
      const p = ps[i] ?? NaN;
      expect(q).toBeGreaterThanOrEqual(p);
      expect(q).toBeLessThanOrEqual(Math.min(1, ps.length * p) + 1e-15);
    });
  });

  it("throws on a p-value outside [0, 1]", () => {
    expect(() => holm([0.1, NaN])).toThrow(/p-value 1 is NaN/);
    expect(() => holm([1.5])).toThrow(/not in \[0, 1\]/);
  });
});
