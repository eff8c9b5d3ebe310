import { describe, expect, it } from "vitest";
import { aggregateCells, type TrialCell } from "../src/measure/aggregate.js";
import { measuredCell } from "../src/measure/cell-result.js";
import { createRng } from "../src/util/rng.js";

/** One trial's result of a cell whose latencies sit around `medianMs` (1% noise), as a trial stores it. */
function trial(trial: number, medianMs: number, noisy = false): TrialCell {
  const rng = createRng(trial);
  const latencyNs = Float64Array.from({ length: 400 }, () => medianMs * 1e6 * Math.exp(0.01 * rng.normal()));
  const key = { id: "m/v/b1/cpu/t1", target: "m", variant: "v", batch: 1, provider: "cpu", threads: 1, load: { mode: "single" } } as const;
  const m = { firstCallNs: 2e6, warmupIterations: 3, latenciesNs: latencyNs, elapsedNs: 4e8, stopReason: "converged" as const, relativeCI: 0.005 };
  const result = measuredCell(key, m, { sessionCreateMs: 1, itemsPerCall: 1, peakRssKb: 1000 });
  return { trial, result: { ...result, noisy }, latencyNs };
}

const aggregate = (trials: TrialCell[]) =>
  aggregateCells(new Map([[0, { trials, itemsPerCall: 1, disturbed: new Map<number, boolean>(), headline: "p50" as const, targetRelativeCI: 0.02 }]])).get(0)
    ?.result;

describe("aggregateCells", () => {
  it("sets a disturbed trial aside: the statistics are over the undisturbed ones, and the note says so", () => {
    const clean = [1, 2, 3, 4].map((k) => trial(k, 1));
    const withOutlier = aggregate([...clean, trial(5, 1.5, true)]);
    expect(withOutlier?.latencyMs?.p50.value).toBeCloseTo(1, 2);
    expect(withOutlier?.trials?.map((t) => t.disturbed)).toEqual([false, false, false, false, true]);
    expect(withOutlier?.notes).toContain("1 slow trial set aside (far slower than the cell's other trials: a disturbed block)");
    expect(withOutlier?.noisy).toBe(false);
    const underCanary = aggregate([...clean, trial(5, 1, true)]);
    expect(underCanary?.trials?.map((t) => t.disturbed)).toEqual([false, false, false, false, true]);
    expect(underCanary?.notes).toContain("1 disturbed trial set aside (the canary ran slow around the cell)");
    // Not marked by the canary: the cell's other trials show it slow all the same.
    const unmarked = aggregate([...clean, trial(5, 1.5)]);
    expect(unmarked?.latencyMs?.p50.value).toBeCloseTo(1, 2);
    expect(unmarked?.trials?.map((t) => t.disturbed)).toEqual([false, false, false, false, true]);
    expect(unmarked?.notes).toContain("1 slow trial set aside (far slower than the cell's other trials: a disturbed block)");
    // A trial within the cell's own spread is kept, and so is a fast one.
    const spread = [1, 2, 3, 4].map((k) => trial(k, [1, 1.05, 0.95, 1.02][k - 1] as number));
    expect(aggregate([...spread, trial(5, 1.08)])?.trials?.some((t) => t.disturbed)).toBe(false);
    expect(aggregate([...spread, trial(5, 0.6)])?.trials?.some((t) => t.disturbed)).toBe(false);
  });

  it("when the canary flags (almost) every trial, still sets the slow ones aside", () => {
    const r = aggregate([1, 2, 3, 4].map((k) => trial(k, [1, 1.05, 0.95, 1.02][k - 1] as number, true)).concat(trial(5, 1.6, true)));
    expect(r?.trials?.map((t) => t.slow === true)).toEqual([false, false, false, false, true]);
    expect(r?.latencyMs?.p50.value).toBeLessThan(1.05);
    expect(r?.notes).toContain("1 slow trial set aside (far slower than the cell's other trials: a disturbed block)");
    expect(r?.noisy).toBe(true);
  });

  it("keeps every trial when fewer than two are undisturbed, and marks the cell", () => {
    const r = aggregate([trial(1, 1, true), trial(2, 1.1, true), trial(3, 1)]);
    expect(r?.trials).toHaveLength(3);
    expect(r?.noisy).toBe(true);
  });
});
