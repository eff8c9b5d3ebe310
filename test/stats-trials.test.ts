/**
 * Trial-level statistics against known values: polygamma and the t tail against SciPy, Smyth's
 * prior against a SciPy transcription of limma's fitFDist, Welch and paired t against
 * scipy.stats, and the agreement of every p-value with its interval.
 */
import { describe, expect, it } from "vitest";
import { compareTrialCells, compareTrials, minimumDetectableChange } from "../src/stats/compare-trials.js";
import { decideVerdict } from "../src/stats/verdict.js";
import { estimateVariancePrior, hypervariable, moderateVariance } from "../src/stats/moderated.js";
import { slowTrials, slowTrialsOf, trialEstimate, trialStatistics, trialVariancePrior, type TrialStatistics } from "../src/stats/trials.js";
import { normalQuantile, tQuantile } from "../src/stats/distributions.js";
import { digamma, tetragamma, trigamma, trigammaInverse } from "../src/stats/polygamma.js";
import { tUpperTail } from "../src/stats/t-tail.js";
import { createRng } from "../src/util/rng.js";

const close = (actual: number, expected: number, rel = 1e-12): void => {
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(rel * Math.abs(expected));
};

describe("polygamma functions and the t tail (SciPy 1.17 reference)", () => {
  it("digamma, trigamma, tetragamma", () => {
    const table: [number, number, number, number][] = [
      [0.1, -10.423754940411076, 101.43329915079275, -2001.8614573783439],
      [0.5, -1.9635100260214235, 4.93480220054468, -16.828796644234316],
      [1, -0.5772156649015329, 1.6449340668482266, -2.404113806319188],
      [2.5, 0.7031566406452432, 0.4903577561002349, -0.23620405164172736],
      [7, 1.872784335098467, 0.15354517795933756, -0.023530472985855234],
      [1000, 6.907255195648812, 0.001000500166666633, -1.0010004999998335e-6],
    ];
    for (const [x, psi, tri, tetra] of table) {
      close(digamma(x), psi, 1e-13);
      close(trigamma(x), tri, 1e-12);
      close(tetragamma(x), tetra, 1e-11);
      close(trigammaInverse(trigamma(x)), x, 1e-8);
    }
  });

  it("the t upper tail, and its inverse agrees with tQuantile", () => {
    const table: [number, number, number][] = [
      [2, 3, 0.06966298427942152],
      [1.5, 7.3, 0.08778154640154305],
      [4, 84, 6.788182897869619e-5],
      [0.3, 1, 0.4072264209222577],
    ];
    for (const [t, df, p] of table) close(tUpperTail(t, df), p, 1e-12);
    for (const df of [2, 4.5, 17, 200]) close(tUpperTail(tQuantile(0.975, df), df), 0.025, 1e-10);
    close(tUpperTail(normalQuantile(0.99), Infinity), 0.01, 1e-12);
  });
});

describe("Smyth's empirical-Bayes prior and the moderated variance", () => {
  const df = [4, 4, 4, 4, 2, 4, 4, 3];
  it("finite d0 matches limma's fitFDist (SciPy transcription)", () => {
    const s2 = [0.0002, 0.0031, 0.00008, 0.0021, 0.0115, 0.0044, 0.0009, 0.0017];
    const prior = estimateVariancePrior(s2.map((variance, i) => ({ variance, df: df[i] ?? 0 })));
    close(prior?.df ?? NaN, 1.7099716536983676, 1e-7);
    close(prior?.variance ?? NaN, 0.0008992200262342941, 1e-7);
    expect(prior?.pooledDf).toBe(29);
  });

  it("d0 = ∞ when the cells vary no more than sampling explains; s̃² is then s0²", () => {
    const s2 = [0.0012, 0.0031, 0.0008, 0.0021, 0.0015, 0.0044, 0.0009, 0.0017];
    const prior = estimateVariancePrior(s2.map((variance, i) => ({ variance, df: df[i] ?? 0 })));
    expect(prior?.df).toBe(Infinity);
    close(prior?.variance ?? NaN, 0.002314405473706727, 1e-12);
    const own = moderateVariance({ variance: 0.005, df: 4 }, prior);
    expect(own).toEqual({ variance: prior?.variance, df: 29 }); // capped at the pooled df
  });

  it("a cell far noisier than the prior allows keeps its own variance and df (hypervariable)", () => {
    const prior = { variance: 0.002314405473706727, df: Infinity, pooledDf: 29, cells: 8 };
    // 4 s²/s0² ~ χ²_4: 4 × 0.01/0.0023144 = 17.28, upper tail 0.0017 < 0.01; 4 × 0.005/0.0023144 = 8.64, tail 0.071.
    expect(hypervariable({ variance: 0.01, df: 4 }, prior)).toBe(true);
    expect(moderateVariance({ variance: 0.01, df: 4 }, prior)).toEqual({ variance: 0.01, df: 4 });
    expect(hypervariable({ variance: 0.005, df: 4 }, prior)).toBe(false);
    // Finite d0: s²/s0² ~ F(4, 10); F = 7 has upper tail 0.0059, F = 5 has 0.0177.
    const finite = { variance: 0.001, df: 10, pooledDf: 29, cells: 8 };
    expect(hypervariable({ variance: 0.007, df: 4 }, finite)).toBe(true);
    expect(hypervariable({ variance: 0.005, df: 4 }, finite)).toBe(false);
    // Never below the prior.
    expect(hypervariable({ variance: 0.0001, df: 4 }, finite)).toBe(false);
  });

  it("shrinks toward s0² with weights d0 and d", () => {
    const prior = { variance: 0.001, df: 6, pooledDf: 100, cells: 25 };
    expect(moderateVariance({ variance: 0.004, df: 4 }, prior)).toEqual({ variance: (6 * 0.001 + 4 * 0.004) / 10, df: 10 });
  });

  it("recovers a known prior from 2000 simulated cells", () => {
    // σ_c² = s0² d0 / χ²_{d0} with s0² = 0.002, d0 = 8; s_c² = σ_c² χ²_4 / 4.
    const rng = createRng(3);
    const chi2 = (k: number): number => Array.from({ length: k }, () => rng.normal() ** 2).reduce((a, x) => a + x, 0);
    const cells = Array.from({ length: 2000 }, () => {
      const sigma2 = (0.002 * 8) / chi2(8);
      return { variance: (sigma2 * chi2(4)) / 4, df: 4 };
    });
    const prior = estimateVariancePrior(cells);
    expect(prior?.df).toBeGreaterThan(5);
    expect(prior?.df).toBeLessThan(13);
    expect(prior?.variance).toBeGreaterThan(0.0018);
    expect(prior?.variance).toBeLessThan(0.0022);
  });

  it("degenerate cases: one cell, all variances zero, one trial", () => {
    expect(estimateVariancePrior([{ variance: 0.01, df: 4 }])).toBeNull();
    expect(
      trialVariancePrior([
        [5, 5, 5],
        [7, 7, 7],
      ]),
    ).toBeNull();
    expect(trialEstimate([5, 5, 5], null)).toMatchObject({ value: 5, interval: null, reason: "every trial gave the same value" });
    expect(trialEstimate([5], null)).toMatchObject({ value: 5, interval: null, reason: "one trial: no between-trial variance" });
    const prior = { variance: 0.001, df: 10, pooledDf: 40, cells: 10 };
    expect(trialEstimate([5], prior).interval).toBeNull();
  });
});

describe("one trial's statistics and one cell's interval", () => {
  it("type-7 quantiles, mean and throughput", () => {
    const xs = Array.from({ length: 101 }, (_, i) => i + 1);
    expect(trialStatistics(xs, 4)).toEqual({ p50: 51, p90: 91, p99: 100, mean: 51, throughput: 4000 / 51 });
    expect(() => trialStatistics([1, 0, 2], 1)).toThrow(/must be > 0/);
  });

  it("geometric mean and the t interval of the logs (no prior: T − 1 df)", () => {
    const values = [10, 11, 10.5, 9.8];
    const logs = values.map(Math.log);
    const m = logs.reduce((a, x) => a + x, 0) / 4;
    const s = Math.sqrt(logs.reduce((a, x) => a + (x - m) ** 2, 0) / 3);
    const half = (tQuantile(0.975, 3) * s) / 2;
    const e = trialEstimate(values, null);
    close(e.value, Math.exp(m));
    close(e.interval?.lo ?? NaN, Math.exp(m - half));
    close(e.interval?.hi ?? NaN, Math.exp(m + half));
    expect(e.df).toBe(3);
  });
});

describe("compareTrials", () => {
  const base = [10.1, 10.4, 9.9, 10.2, 10.0];
  const head = [10.9, 11.2, 10.7, 11.4, 11.0];
  it("unpaired without a prior is Welch's t on the logs (scipy.stats.ttest_ind)", () => {
    const r = compareTrials(base, head, { paired: false });
    close(r.df, 7.531085370105664, 1e-10);
    close(r.pValue ?? NaN, 0.0003046534194517234, 1e-8);
    close(r.estimate / (r.se ?? NaN), 6.283257001780581, 1e-12);
  });

  it("paired without a prior is the one-sample t on log ratios (scipy.stats.ttest_rel)", () => {
    const r = compareTrials(base, head, { paired: true });
    expect(r.df).toBe(4);
    close(r.pValue ?? NaN, 0.0002638269871056291, 1e-8);
    close(r.estimate / (r.se ?? NaN), 12.144024900775673, 1e-12);
  });

  it("change is head/base − 1 of the geometric means; a throughput drop is negative", () => {
    const gm = (xs: number[]): number => Math.exp(xs.reduce((a, x) => a + Math.log(x), 0) / xs.length);
    close(compareTrials(base, head, { paired: false }).change, gm(head) / gm(base) - 1);
    const thr = compareTrials([100, 98, 101], [90, 91, 89], { paired: false, higherIsBetter: true });
    expect(thr.change).toBeLessThan(0);
  });

  it("p < 1 − confidence exactly when the interval excludes 0", () => {
    const rng = createRng(17);
    for (let i = 0; i < 500; i++) {
      const t = 2 + rng.int(0, 6);
      const shift = 0.03 * rng.normal();
      const b = Array.from({ length: t }, () => Math.exp(0.03 * rng.normal()));
      const h = Array.from({ length: t }, () => Math.exp(shift + 0.03 * rng.normal()));
      const prior = rng.next() < 0.5 ? null : { variance: 0.0009, df: 1 + 20 * rng.next(), pooledDf: 60, cells: 20 };
      for (const paired of [false, true]) {
        for (const confidence of [0.9, 0.95, 0.99]) {
          const r = compareTrials(b, h, { paired, prior, confidence });
          if (r.ci === null) throw new Error("no interval");
          const excludes = r.ci[0] > 0 || r.ci[1] < 0;
          expect(excludes, `${i} ${paired} ${confidence}`).toBe((r.pValue ?? 1) < 1 - confidence);
        }
      }
    }
  });

  it("the minimum detectable change is exp(log(1 + thr) + (t_{1−α/2} + t_power)·se) − 1", () => {
    close(minimumDetectableChange(0.02, Infinity, 0.05), Math.expm1((normalQuantile(0.975) + normalQuantile(0.8)) * 0.02));
    close(minimumDetectableChange(0.02, 8, 0.01, 0.9, 0.05), Math.expm1(Math.log(1.05) + (tQuantile(0.995, 8) + tQuantile(0.9, 8)) * 0.02));
  });
});

describe("compareTrialCells", () => {
  const stats = (scale: number, k: number): TrialStatistics => {
    const m = scale * (1 + 0.01 * Math.sin(k * 7.3));
    return { p50: m, p90: 1.5 * m, p99: 2 * m, mean: 1.1 * m, throughput: 1000 / (1.1 * m) };
  };
  const pairs = Array.from({ length: 6 }, (_, c) => ({
    cell: `c${c}`,
    base: Array.from({ length: 5 }, (_, k) => stats(10 * (1 + 0.01 * Math.cos(c * k)), k)),
    head: Array.from({ length: 5 }, (_, k) => stats((c === 0 ? 13 : 10) * (1 + 0.01 * Math.sin(c + k)), k + 1)),
  }));

  it("rows of the diff --json contract, Holm over all of them, a +30% cell a regression", () => {
    const { comparisons, sensitivity, unavailable } = compareTrialCells(pairs, { paired: false });
    expect(comparisons).toHaveLength(30);
    expect(sensitivity).toHaveLength(30);
    expect(unavailable).toEqual([]);
    expect(Object.keys(comparisons[0] ?? {})).toEqual(["cell", "metric", "base", "head", "change", "ci", "pValue", "pAdjusted", "threshold", "verdict"]);
    for (const row of comparisons) {
      expect(row.verdict, `${row.cell} ${row.metric}`).toBe(row.cell === "c0" ? "regression" : "unchanged");
      expect(row.pAdjusted).toBeGreaterThanOrEqual(row.pValue);
    }
  });

  it("one-trial cells are listed as unavailable, not given an interval", () => {
    const one = pairs.map((p) => ({ ...p, base: p.base.slice(0, 1), head: p.head.slice(0, 1) }));
    const { comparisons, unavailable } = compareTrialCells(one, { paired: false, metrics: ["p50"] });
    expect(comparisons).toEqual([]);
    expect(unavailable).toHaveLength(6);
    expect(unavailable[0]?.reason).toMatch(/one trial/);
  });

  it("the estimate rule flags a significant change whose interval still reaches below the threshold", () => {
    const input = { ci: [0.03, 0.1] as [number, number], pAdjusted: 0.001, threshold: 0.05, alpha: 0.05, higherIsBetter: false };
    expect(decideVerdict({ ...input, change: 0.065 })).toBe("regression");
    expect(decideVerdict({ ...input, change: 0.04 })).toBe("inconclusive");
    expect(decideVerdict({ ...input, higherIsBetter: true, change: -0.065, ci: [-0.1, -0.03] })).toBe("regression");
  });
});

describe("slowTrials: a block a neighbour's burst slowed", () => {
  // Trial values of the MLP at batch 1 measured on this machine (ms): blocks 36% and 25% slower than
  // the median; the cell's robust sd is 6.1% on the log scale, so they lie 5.0 and 3.6 of them above it.
  const measured = [0.0723, 0.0513, 0.0524, 0.0511, 0.0528, 0.0555, 0.0535, 0.0662, 0.0507, 0.056];
  it("flags trials far above the cell's median in robust units, never fast ones", () => {
    const [flags] = slowTrials([measured]);
    expect(flags).toEqual(measured.map((v) => v === 0.0723));
    // A trial as far below the median is not a disturbance: nothing makes a block faster.
    expect(slowTrials([measured.map((v) => (v > 0.06 ? 0.04 : v))])[0]?.some(Boolean)).toBe(false);
  });

  it("judges against the run's typical spread when a cell's own is smaller, and needs 4 trials", () => {
    const calm = [1, 1.001, 0.999, 1.0005, 1.02]; // own MAD tiny: 1.02 would be 20 robust sd out
    expect(slowTrials([calm])[0]?.[4]).toBe(true);
    const noisy = [
      [1, 1.05, 0.95, 1.03, 0.97],
      [2, 2.1, 1.9, 2.06, 1.94],
    ];
    expect(slowTrials([calm, ...noisy])[0]?.[4]).toBe(false);
    expect(slowTrials([[1, 1, 3]])[0]).toEqual([false, false, false]);
  });

  it("slowTrialsOf: slow in the median or in the mean", () => {
    const cell = (p50: number[], mean: number[]) => p50.map((p, k) => ({ p50: p, mean: mean[k] as number }));
    const base = [1, 1.01, 0.99, 1.02, 0.98, 1];
    const flags = slowTrialsOf([cell(base, [...base.slice(0, 5), 1.5]), cell([...base.slice(0, 5), 1.5], base), cell(base, base)]);
    expect(flags.map((f) => f[5])).toEqual([true, true, false]);
  });
});
