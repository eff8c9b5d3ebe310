/**
 * compareCells: the shape of the `diff --json` comparisons, the direction of throughput, Holm
 * across every cell × metric of a call, determinism, and input errors.
 */
import { describe, expect, it } from "vitest";
import { adjustComparisons, compareCell, compareCells, type CellPair } from "../src/stats/compare.js";
import { METRICS } from "../src/stats/metrics.js";
import { holm } from "../src/stats/holm.js";
import { createRng } from "../src/util/rng.js";
import { latencySeries } from "./helpers/latency-series.js";

/** Constant-ish series: `level` ms plus noise of a millionth, so every resample agrees. */
function flat(level: number, n: number, seed: number): Float64Array {
  const rng = createRng(seed);
  return Float64Array.from({ length: n }, () => level * (1 + 1e-6 * rng.normal()));
}

describe("compareCells", () => {
  it("returns the contract's fields, in order, one row per cell × metric", () => {
    const rows = compareCells([{ cell: "a", base: flat(10, 200, 1), head: flat(10, 200, 2) }], { resamples: 100 });
    expect(rows.map((r) => r.metric)).toEqual(METRICS);
    for (const row of rows) {
      expect(Object.keys(row)).toEqual(["cell", "metric", "base", "head", "change", "ci", "pValue", "pAdjusted", "threshold", "verdict"]);
      expect(row.cell).toBe("a");
      expect(row.threshold).toBe(0.05);
    }
  });

  it("measures a 20% slowdown of constant-ish series as +20%, and throughput as −1/6", () => {
    const rows = compareCells([{ cell: "b8", base: flat(10, 400, 1), head: flat(12, 400, 2), itemsPerCall: 8 }], { resamples: 200 });
    for (const row of rows) {
      const expected = row.metric === "throughput" ? 10 / 12 - 1 : 0.2;
      expect(row.change, row.metric).toBeCloseTo(expected, 4);
      expect(row.ci[0], row.metric).toBeCloseTo(expected, 4);
      expect(row.ci[1], row.metric).toBeCloseTo(expected, 4);
      expect(row.pAdjusted, row.metric).toBeLessThan(1e-10);
      expect(row.verdict, row.metric).toBe("regression");
    }
    const throughput = rows.find((r) => r.metric === "throughput");
    expect(throughput?.base).toBeCloseTo(800, 2); // 8 items per 10 ms call
    expect(throughput?.head).toBeCloseTo(800 / 1.2, 2);
    expect(rows.find((r) => r.metric === "p50")?.base).toBeCloseTo(10, 3);
  });

  it("calls identical constant series unchanged, with p = 1", () => {
    const same = new Float64Array(100).fill(4);
    for (const row of compareCells([{ cell: "c", base: same, head: same }], { resamples: 50 })) {
      expect(row.change).toBe(0);
      expect(row.ci).toEqual([0, 0]);
      expect(row.pValue).toBe(1);
      expect(row.verdict).toBe("unchanged");
    }
  });

  it("sees a speed-up as an improvement, with throughput up", () => {
    const rows = compareCells([{ cell: "d", base: flat(10, 300, 3), head: flat(8, 300, 4) }], { resamples: 100 });
    expect(rows.every((r) => r.verdict === "improvement")).toBe(true);
    expect(rows.find((r) => r.metric === "throughput")?.change).toBeCloseTo(0.25, 4);
  });

  it("applies Holm across all cells and metrics of the call", () => {
    const rng = createRng(9);
    const pairs: CellPair[] = ["x", "y", "z"].map((cell, i) => ({
      cell,
      base: latencySeries(rng, { n: 400 }),
      head: latencySeries(rng, { n: 400, scale: 1 + 0.03 * i }),
    }));
    const rows = compareCells(pairs, { resamples: 200, metrics: ["p50", "p99"] });
    expect(rows).toHaveLength(6);
    expect(rows.map((r) => r.pAdjusted)).toEqual(holm(rows.map((r) => r.pValue)));
  });

  it("is deterministic for a seed, and a cell's interval does not depend on the other cells", () => {
    const rng = createRng(10);
    const one: CellPair = { cell: "one", base: latencySeries(rng, { n: 500, phi: 0.5 }), head: latencySeries(rng, { n: 500, phi: 0.5 }) };
    const two: CellPair = { cell: "two", base: latencySeries(rng, { n: 500 }), head: latencySeries(rng, { n: 500 }) };
    const options = { resamples: 200, seed: 77 };
    const first = compareCells([one, two], options);
    expect(compareCells([one, two], options)).toEqual(first);
    const alone = compareCells([one], options);
    expect(alone.map((r) => r.ci)).toEqual(first.slice(0, 5).map((r) => r.ci));
    const reseeded = compareCells([one], { ...options, seed: 78 });
    expect(reseeded.map((r) => r.ci)).not.toEqual(alone.map((r) => r.ci));
  });

  it("splits into compareCell per cell and adjustComparisons over all, with the same result", () => {
    const rng = createRng(12);
    const pairs: CellPair[] = ["p", "q"].map((cell) => ({
      cell,
      base: latencySeries(rng, { n: 300, phi: 0.3 }),
      head: latencySeries(rng, { n: 300, phi: 0.3, scale: 1.2 }),
    }));
    const options = { resamples: 100, seed: 5, alpha: 0.01 };
    const split = adjustComparisons(
      pairs.flatMap((pair) => compareCell(pair, options)),
      0.01,
    );
    expect(split).toEqual(compareCells(pairs, options));
  });

  it("honours metrics, per-metric thresholds, confidence and alpha", () => {
    const rng = createRng(11);
    const pair = { cell: "t", base: latencySeries(rng, { n: 1000 }), head: latencySeries(rng, { n: 1000, scale: 1.08 }) };
    const narrow = compareCells([pair], { metrics: ["mean"], thresholds: { mean: 0.01 }, resamples: 300 });
    const wide = compareCells([pair], { metrics: ["mean"], thresholds: { mean: 0.01 }, resamples: 300, confidence: 0.99 });
    expect(narrow).toHaveLength(1);
    expect(narrow[0]?.threshold).toBe(0.01);
    expect(narrow[0]?.verdict).toBe("regression");
    const width = (ci?: [number, number]): number => (ci ? ci[1] - ci[0] : NaN);
    expect(width(wide[0]?.ci)).toBeGreaterThan(width(narrow[0]?.ci));
    const strict = compareCells([pair], { metrics: ["mean"], thresholds: { mean: 0.01 }, resamples: 300, alpha: 1e-300 });
    expect(strict[0]?.verdict).toBe("inconclusive");
  });

  it("names the cell and the side of a bad series, and rejects bad options", () => {
    expect(() => compareCells([{ cell: "k", base: [1, 2, 3], head: [1, 0, 2] }])).toThrow(/cell k, head: sample 1 is 0/);
    expect(() => compareCells([{ cell: "k", base: [1], head: [1, 2] }])).toThrow(/cell k, base: needs at least 2/);
    expect(() => compareCells([{ cell: "k", base: [1, 2], head: [1, 2], itemsPerCall: 0 }])).toThrow(/itemsPerCall/);
    const pair = { cell: "k", base: [1, 2], head: [1, 2] };
    expect(() => compareCells([pair], { metrics: [] })).toThrow(/metrics/);
    expect(() => compareCells([pair], { metrics: ["p50", "p50"] })).toThrow(/metrics/);
    expect(() => compareCells([pair], { confidence: 1 })).toThrow(/confidence/);
    expect(() => compareCells([pair], { alpha: 0 })).toThrow(/alpha/);
    expect(() => compareCells([pair], { resamples: 1.5 })).toThrow(/resamples/);
    expect(() => compareCells([pair], { thresholds: { p99: -0.1 } })).toThrow(/thresholds.p99/);
    expect(compareCells([], {})).toEqual([]);
  });
});
