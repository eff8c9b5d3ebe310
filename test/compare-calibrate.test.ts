import { describe, expect, it } from "vitest";
import { measureRunNoise, summarizeCalibration } from "../src/compare/calibrate.js";
import type { DiffResult } from "../src/compare/diff.js";
import { skippedCell } from "../src/measure/cell-result.js";
import type { CellResult } from "../src/results.js";
import type { Comparison } from "../src/stats/compare.js";

const key = { id: "m/v/b1/cpu/t1", target: "m", variant: "v", batch: 1, provider: "cpu", threads: 1, load: { mode: "single" } } as const;
const est = (value: number) => ({ value, ci: null });

function cell(p50: number, id: string = key.id): CellResult {
  return {
    ...skippedCell({ ...key, id }, ""),
    status: "ok",
    error: null,
    latencyMs: { p50: est(p50), p90: est(p50 * 2), p95: est(p50 * 3), p99: est(p50 * 4), p999: est(p50 * 5), mean: est(p50), stddev: 0, min: 0, max: 0 },
    throughput: { value: 1000 / p50, ci: null, unit: "items/s" },
  };
}

const cmp = (metric: Comparison["metric"], lo: number, hi: number, verdict: Comparison["verdict"] = "unchanged"): Comparison => ({
  cell: key.id,
  metric,
  base: 1,
  head: 1,
  change: (lo + hi) / 2,
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
  comparisons: comparisons.map((c) => ({ ...c, method: "samples", minimumDetectable: 0.05 })),
  unavailable: [],
  inconclusive: comparisons.filter((c) => c.verdict === "inconclusive").length,
  sensitivity: {},
  canary: { base: null, head: null, change: null, disturbed: false },
  trials: { base: null, head: null },
  onlyInBase: [],
  onlyInHead: [],
  notComparable: [],
  notes: [],
  noisy: { base: false, head: false },
  runNoise: { source: "none", runs: 0, metrics: {} },
});

describe("measureRunNoise", () => {
  it("is the standard deviation of the log of each metric over the runs, pooled by median", () => {
    const runs = [
      [cell(1), cell(10, "x")],
      [cell(Math.E), cell(10, "x")],
      [cell(Math.E ** 2), cell(10, "x")],
    ];
    const noise = measureRunNoise(runs, ["p50", "throughput"]);
    // logs 0, 1, 2: sd 1; the constant cell: 0; median of {1, 0} = 0.5
    expect(noise.cells[key.id]?.p50).toBeCloseTo(1, 12);
    expect(noise.cells[key.id]?.throughput).toBeCloseTo(1, 12);
    expect(noise.cells.x?.p50).toBe(0);
    expect(noise.metrics.p50).toBeCloseTo(0.5, 12);
    expect(noise.runs).toBe(3);
  });

  it("skips cells with fewer than two successful runs", () => {
    const noise = measureRunNoise([[cell(1)], [{ ...cell(2), status: "failed" }]], ["p50"]);
    expect(noise.cells).toEqual({});
    expect(noise.metrics).toEqual({});
  });
});

describe("summarizeCalibration", () => {
  const noise = { runs: 3, metrics: { p50: 0.02 }, cells: { [key.id]: { p50: 0.03 } } };
  const raw = [diff([cmp("p50", 0.06, 0.08, "regression")]), diff([cmp("p50", -0.01, 0.01)]), diff([cmp("p50", -0.02, 0.0)])];
  const modelled = [diff([cmp("p50", -0.02, 0.16, "inconclusive")]), diff([cmp("p50", -0.09, 0.09)]), diff([cmp("p50", -0.1, 0.08)])];
  const c = summarizeCalibration(["r1", "r2", "r3"], noise, raw, modelled);

  it("counts A/A false alarms with and without the run-to-run noise", () => {
    expect(c.pairs).toBe(3);
    expect(c.cells).toHaveLength(1);
    expect(c.cells[0]).toMatchObject({ metric: "p50", pairs: 3, falseAlarmsRaw: 1, falseAlarms: 0, runNoise: 0.03 });
    expect(c.falseAlarmRateRaw).toBeCloseTo(1 / 3, 12);
    expect(c.falseAlarmRate).toBe(0);
  });

  it("gives the change a two-run comparison detects with 95% power", () => {
    // se_within = median of log-interval widths / (2 · 1.96); se = √(se_within² + 2 · 0.03²)
    const z = 1.959963984540054;
    const widths = [
      [0.06, 0.08],
      [-0.01, 0.01],
      [-0.02, 0],
    ].map(([lo, hi]) => (Math.log1p(hi as number) - Math.log1p(lo as number)) / (2 * z));
    const seWithin = widths.sort((a, b) => a - b)[1] as number;
    const se = Math.sqrt(seWithin ** 2 + 2 * 0.03 ** 2);
    expect(c.cells[0]?.minimumDetectableEffect).toBeCloseTo(Math.expm1(Math.log1p(0.05) + (z + 1.6448536269514722) * se), 9);
  });
});
