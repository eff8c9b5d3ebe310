/**
 * The verdict rule (DESIGN.md): regression / improvement only when significant after Holm AND the
 * estimated change is beyond the practical threshold; unchanged when the whole interval lies
 * within ±threshold; inconclusive otherwise. One row per branch, for latency (higher is worse)
 * and throughput (lower is worse).
 */
import { describe, expect, it } from "vitest";
import { decideVerdict, type Verdict } from "../src/stats/verdict.js";

const threshold = 0.05;
const alpha = 0.05;
const SIGNIFICANT = 0.001;
const NOT_SIGNIFICANT = 0.2;

// [description, change, ci, pAdjusted, verdict for latency, verdict for throughput]
const table: [string, number, [number, number], number, Verdict, Verdict][] = [
  ["whole interval above +threshold, significant", 0.09, [0.06, 0.12], SIGNIFICANT, "regression", "improvement"],
  ["whole interval below −threshold, significant", -0.09, [-0.12, -0.06], SIGNIFICANT, "improvement", "regression"],
  ["above +threshold but not significant after Holm", 0.09, [0.06, 0.12], NOT_SIGNIFICANT, "inconclusive", "inconclusive"],
  ["below −threshold but not significant after Holm", -0.09, [-0.12, -0.06], NOT_SIGNIFICANT, "inconclusive", "inconclusive"],
  ["significant, estimate past the threshold, interval straddles it", 0.06, [0.03, 0.09], SIGNIFICANT, "regression", "improvement"],
  ["significant, estimate exactly at the threshold is not beyond it", 0.05, [0.02, 0.08], SIGNIFICANT, "inconclusive", "inconclusive"],
  ["significant, estimate below the threshold, interval past it", 0.04, [0.01, 0.07], SIGNIFICANT, "inconclusive", "inconclusive"],
  ["whole interval within ±threshold, not significant", 0.005, [-0.02, 0.03], NOT_SIGNIFICANT, "unchanged", "unchanged"],
  ["whole interval within ±threshold, a small significant change", 0.025, [0.01, 0.04], SIGNIFICANT, "unchanged", "unchanged"],
  ["interval touching ±threshold counts as within", 0, [-0.05, 0.05], NOT_SIGNIFICANT, "unchanged", "unchanged"],
  ["interval wider than ±threshold on both sides", -0.005, [-0.08, 0.07], NOT_SIGNIFICANT, "inconclusive", "inconclusive"],
  ["interval from inside to beyond the threshold", 0.1, [0.0, 0.2], NOT_SIGNIFICANT, "inconclusive", "inconclusive"],
];

describe("decideVerdict", () => {
  for (const [what, change, ci, pAdjusted, latency, throughput] of table) {
    it(`${what}: ${latency} for latency, ${throughput} for throughput`, () => {
      expect(decideVerdict({ change, ci, pAdjusted, threshold, alpha, higherIsBetter: false })).toBe(latency);
      expect(decideVerdict({ change, ci, pAdjusted, threshold, alpha, higherIsBetter: true })).toBe(throughput);
    });
  }

  it("needs pAdjusted strictly below alpha", () => {
    const verdict = decideVerdict({ change: 0.15, ci: [0.1, 0.2], pAdjusted: alpha, threshold, alpha, higherIsBetter: false });
    expect(verdict).toBe("inconclusive");
  });

  it("with a zero threshold, any significant increase is a regression", () => {
    const verdict = decideVerdict({ change: 0.005, ci: [0.001, 0.01], pAdjusted: 0.01, threshold: 0, alpha, higherIsBetter: false });
    expect(verdict).toBe("regression");
  });
});
