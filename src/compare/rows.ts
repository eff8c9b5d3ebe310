/**
 * The rows of a diff, each cell compared at the level where its data are independent, and one
 * Holm family over all of them.
 *
 * - Cells measured in trials (fresh processes) on both sides: stats/compare-trials.ts, between
 *   trials, paired trial by trial inside one run, unpaired across runs; each cell's variance
 *   moderated by a prior pooled over the cells of the same metric (empirical Bayes).
 * - Other cells (load cells, runs and baselines stored before trials): stats/compare.ts, from the
 *   samples of each side, widened by a calibrated run-to-run noise when one is given.
 *
 * Both paths yield unadjusted p-values; Holm's adjustment and the verdict (stats/verdict.ts) then
 * run once over every row, so a diff has one family whichever path its rows took.
 */
import { adjustComparisons, type CellPair, type Comparison, compareCell, type UnadjustedComparison } from "../stats/compare.js";
import { compareTrialCells, minimumDetectableChange, type TrialCellPair } from "../stats/compare-trials.js";
import { normalQuantile } from "../stats/distributions.js";
import type { Metric } from "../stats/metrics.js";

/** Family-wise error rate of Holm's adjustment over a diff's rows. */
export const ALPHA = 0.05;
/** The power at which a row's `minimumDetectable` is stated. */
export const POWER = 0.8;

/** How a row was compared: between trials (paired inside one run, else unpaired) or from samples. */
export type CompareMethod = "trials-paired" | "trials" | "samples";

export interface DiffComparison extends Comparison {
  method: CompareMethod;
  /**
   * The smallest change (relative, in the bad direction) this row would flag as a regression with
   * 80% power: Holm's first step (alpha/m over the m rows of the diff) and the threshold.
   */
  minimumDetectable: number;
}

/** A cell × metric the trial path could not give an interval (one trial, identical trials). */
export interface Unavailable {
  cell: string;
  metric: Metric;
  change: number;
  reason: string;
}

export interface RowInputs {
  /** Cells with trials on both sides, each with its metrics. */
  trialPairs: readonly (TrialCellPair & { metrics: readonly Metric[] })[];
  /** Trial k of base and head share a process (an A/B inside one run). */
  paired: boolean;
  /** Cells compared from their samples (their `metrics`, else `metrics`). */
  samplePairs: readonly CellPair[];
  metrics: readonly Metric[];
  thresholds: Partial<Record<Metric, number>>;
  /** Cell names in the order rows are listed. */
  cellOrder: readonly string[];
  seed: number;
  resamples?: number;
}

interface Row {
  row: UnadjustedComparison;
  method: CompareMethod;
  /** Standard error of the log ratio and its degrees of freedom. */
  se: number;
  df: number;
}

export function compareRows(input: RowInputs): { comparisons: DiffComparison[]; unavailable: Unavailable[] } {
  const rows: Row[] = [];
  const unavailable: Unavailable[] = [];
  // Pairs with the same metrics share a call, so each metric's prior pools over all of them.
  const groups = new Map<string, (typeof input.trialPairs)[number][]>();
  for (const pair of input.trialPairs) {
    const key = pair.metrics.join(",");
    groups.set(key, [...(groups.get(key) ?? []), pair]);
  }
  for (const pairs of groups.values()) {
    const metrics = pairs[0]?.metrics ?? input.metrics;
    const r = compareTrialCells(pairs, { paired: input.paired, metrics, thresholds: input.thresholds, alpha: ALPHA, power: POWER });
    r.comparisons.forEach(({ pAdjusted: _p, verdict: _v, ...row }, i) => {
      const s = r.sensitivity[i];
      if (s) rows.push({ row, method: input.paired ? "trials-paired" : "trials", se: s.se, df: s.df });
    });
    unavailable.push(...r.unavailable);
  }
  // A sample row's standard error read off its interval (normal approximation of the bootstrap).
  const z = normalQuantile(0.975);
  for (const pair of input.samplePairs) {
    const options = { metrics: input.metrics, thresholds: input.thresholds, seed: input.seed, ...(input.resamples ? { resamples: input.resamples } : {}) };
    for (const row of compareCell(pair, options)) {
      rows.push({ row, method: "samples", se: (Math.log1p(row.ci[1]) - Math.log1p(row.ci[0])) / (2 * z), df: Infinity });
    }
  }

  const m = rows.length;
  const adjusted = adjustComparisons(
    rows.map((r) => r.row),
    ALPHA,
  );
  const comparisons = adjusted.map((c, i): DiffComparison => {
    const { method, se, df } = rows[i] as Row;
    return { ...c, method, minimumDetectable: Math.max(c.threshold, minimumDetectableChange(se, df, ALPHA / m, POWER)) };
  });
  const cellRank = new Map(input.cellOrder.map((c, i) => [c, i]));
  const metricRank = new Map(input.metrics.map((x, i) => [x, i]));
  const order = (a: { cell: string; metric: Metric }, b: { cell: string; metric: Metric }) =>
    (cellRank.get(a.cell) ?? 0) - (cellRank.get(b.cell) ?? 0) || (metricRank.get(a.metric) ?? 0) - (metricRank.get(b.metric) ?? 0);
  return { comparisons: comparisons.sort(order), unavailable: unavailable.sort(order) };
}
