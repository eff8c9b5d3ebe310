import { describe, expect, it } from "vitest";
import { summarizeCalibration } from "../src/compare/calibrate.js";
import type { DiffResult } from "../src/compare/diff.js";
import type { Comparison } from "../src/stats/compare.js";

const cmp = (metric: Comparison["metric"], change: number, lo: number, hi: number, verdict: Comparison["verdict"] = "unchanged"): Comparison => ({
  cell: "m/v/b1/cpu/t1",
  metric,
  base: 1,
  head: 1 + change,
  change,
  ci: [lo, hi],
  pValue: 0.5,
  pAdjusted: 1,
  threshold: 0.05,
  verdict,
});

const diff = (comparisons: Comparison[]): DiffResult => ({
  base: "a",
  head: "b",
  baseRun: "a",
  headRun: "b",
  environment: [],
  thresholds: { p50: 0.05 },
  comparisons,
  onlyInBase: [],
  onlyInHead: [],
  notComparable: [],
  noisy: { base: false, head: false },
});

describe("summarizeCalibration", () => {
  const c = summarizeCalibration(
    ["r1", "r2", "r3"],
    [
      diff([cmp("p50", 0.01, -0.02, 0.04), cmp("throughput", -0.01, -0.03, 0.01)]),
      diff([cmp("p50", -0.03, -0.06, 0.0), cmp("throughput", 0.02, 0.0, 0.04)]),
      diff([cmp("p50", 0.08, 0.062, 0.1, "regression"), cmp("throughput", -0.07, -0.09, -0.055, "regression")]),
    ],
  );

  it("counts false alarms over all A/A pairs", () => {
    expect(c.pairs).toBe(3);
    expect(c.cells.map((x) => [x.metric, x.falseAlarms, x.pairs])).toEqual([
      ["p50", 1, 3],
      ["throughput", 1, 3],
    ]);
    expect(c.falseAlarmRate).toBeCloseTo(2 / 6, 12);
  });

  it("takes the median |change| as the typical A/A change", () => {
    expect(c.cells[0]?.typicalChange).toBeCloseTo(0.03, 12);
  });

  it("MDE: threshold plus how far A/A intervals reach against the regression direction", () => {
    // latency: max(-lo) = 0.06; throughput (a drop is the regression): max(hi) = 0.04
    expect(c.cells[0]?.minimumDetectableEffect).toBeCloseTo(0.05 + 0.06, 12);
    expect(c.cells[1]?.minimumDetectableEffect).toBeCloseTo(0.05 + 0.04, 12);
  });

  it("suggests the smallest threshold no A/A interval cleared, with a margin, rounded up to 0.5%", () => {
    // p50: the third interval starts at +6.2%: 6.2% × 1.25 = 7.75% → 8.0%; throughput: 5.5% × 1.25 → 7.0%
    expect(c.suggested.p50).toBeCloseTo(0.08, 12);
    expect(c.suggested.throughput).toBeCloseTo(0.07, 12);
  });

  it("never suggests less than 1%", () => {
    const quiet = summarizeCalibration(["a", "b"], [diff([cmp("p50", 0, -0.001, 0.001)])]);
    expect(quiet.suggested.p50).toBe(0.01);
  });
});
