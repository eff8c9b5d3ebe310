import { describe, expect, it } from "vitest";
import { findChangePoints } from "../src/stats/changepoint.js";
import { createRng, type Rng } from "../src/util/rng.js";

/**
 * A history of run-level p50s as benchmarks produce them: every run has its own offset (what
 * differs between fresh processes and machines: heavy-tailed, a Student t with 3 degrees of freedom
 * at 3%), now and then a run on a disturbed machine (5% of runs, 30% slower), and the run's own
 * small measurement error. `level(i)` is the true p50 of run i.
 */
function history(rng: Rng, runs: number, level: (i: number) => number): number[] {
  return Array.from({ length: runs }, (_, i) => {
    const chi2 = (rng.normal() ** 2 + rng.normal() ** 2 + rng.normal() ** 2) / 3;
    const offset = 0.03 * (rng.normal() / Math.sqrt(chi2));
    const disturbed = rng.next() < 0.05 ? 1.3 : 1;
    return level(i) * Math.exp(offset) * disturbed * (1 + 0.005 * rng.normal());
  });
}

const SERIES = 200;
const RUNS = 30;

/** Over SERIES simulated histories: the share with any change point, and the share with one where `hit` says. */
function rates(seed: number, level: (i: number) => number, hit: (index: number) => boolean) {
  const rng = createRng(seed);
  let any = 0;
  let found = 0;
  for (let s = 0; s < SERIES; s++) {
    const cps = findChangePoints(history(rng, RUNS, level), { seed: s + 1 });
    if (cps.length > 0) any++;
    if (cps.some((c) => hit(c.index))) found++;
  }
  return { any: any / SERIES, found: found / SERIES };
}

describe("change points (binary segmentation, permutation test)", () => {
  it("finds nothing in flat noisy histories: false positives at most 5% (family-wise error 1%)", () => {
    const { any } = rates(
      11,
      () => 10,
      () => true,
    );
    console.log(`change points, flat: ${(any * 100).toFixed(1)}% of ${SERIES} series of ${RUNS} runs have one`);
    expect(any).toBeLessThanOrEqual(0.05);
  });

  it("finds a 10% step where it happened (within 2 runs) in most histories", () => {
    const { found, any } = rates(
      12,
      (i) => (i >= 15 ? 11 : 10),
      (index) => Math.abs(index - 15) <= 2,
    );
    console.log(`change points, 10% step at run 15: ${(any * 100).toFixed(1)}% found one, ${(found * 100).toFixed(1)}% within 2 runs of it`);
    expect(any).toBeGreaterThanOrEqual(0.8);
    expect(found).toBeGreaterThanOrEqual(0.7);
  });

  it("finds a regression that crept in over four 3% steps as a change point inside the ramp", () => {
    const steps = [10, 14, 18, 22];
    const { found } = rates(
      13,
      (i) => 10 * 1.03 ** steps.filter((s) => i >= s).length,
      (index) => index >= 8 && index <= 24,
    );
    console.log(`change points, creeping +3% ×4 over runs 10-22: ${(found * 100).toFixed(1)}% found one inside the ramp`);
    expect(found).toBeGreaterThanOrEqual(0.8);
  });

  it("reports the levels around a step, its relative change and a p-value below the level", () => {
    const values = [...Array.from({ length: 10 }, (_, i) => 10 + (i % 3) * 0.1), ...Array.from({ length: 10 }, (_, i) => 12 + (i % 3) * 0.1)];
    const [cp, ...rest] = findChangePoints(values);
    expect(rest).toEqual([]);
    expect(cp?.index).toBe(10);
    expect(cp?.before).toBeCloseTo(10.1, 9);
    expect(cp?.after).toBeCloseTo(12.1, 9);
    expect(cp?.change).toBeCloseTo(12.1 / 10.1 - 1, 9);
    expect(cp?.pValue).toBeLessThan(0.01);
  });

  it("finds two steps in a series that went up and came back", () => {
    const rng = createRng(5);
    const values = Array.from({ length: 36 }, (_, i) => (i >= 12 && i < 24 ? 12 : 10) * (1 + 0.01 * rng.normal()));
    expect(findChangePoints(values).map((c) => c.index)).toEqual([12, 24]);
  });

  it("needs minSegment points on each side, and splits nothing without variation", () => {
    expect(findChangePoints([1, 1, 1, 9, 9])).toEqual([]);
    expect(findChangePoints(Array.from({ length: 20 }, () => 3))).toEqual([]);
    expect(findChangePoints([])).toEqual([]);
    expect(() => findChangePoints([1, Number.NaN, 2])).toThrow(RangeError);
  });

  it("is the same every time for the same seed", () => {
    const values = history(createRng(9), 24, (i) => (i >= 12 ? 10.6 : 10));
    expect(findChangePoints(values, { seed: 4 })).toEqual(findChangePoints(values, { seed: 4 }));
  });
});
