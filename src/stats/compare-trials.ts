/**
 * Comparisons from per-trial values (trials.ts): the change of a cell's metric between base and
 * head, its interval and p-value on the log scale, then Holm over all cells × metrics and the
 * verdict, as rows of the `bench diff --json` contract (compare.ts `Comparison`).
 *
 * - Unpaired (two runs): Welch's t on the log values (B. L. Welch, "The generalization of
 *   'Student's' problem when several different population variances are involved", Biometrika
 *   34, 1947), each side's variance moderated by its run's prior (Smyth 2004), the
 *   Welch–Satterthwaite df from the moderated dfs.
 * - Paired (A/B inside one run: trial k of base and head share a process): the one-sample t on
 *   d_k = log head_k − log base_k, its variance moderated by the prior of the run's d-variances.
 *
 * The p-value is the two-sided t test of the very estimate, standard error and df that build the
 * interval, so p < 1 − confidence exactly when the interval excludes no change.
 */
import type { Comparison } from "./compare.js";
import { tQuantile } from "./distributions.js";
import { holm } from "./holm.js";
import { moderateVariance, sampleVariance, type VariancePrior, estimateVariancePrior } from "./moderated.js";
import { tTwoSidedPValue } from "./t-tail.js";
import { METRICS, type Metric } from "./metrics.js";
import { logValues, type TrialStatistics } from "./trials.js";
import { decideVerdict } from "./verdict.js";

/** For an unpaired comparison, each run's own prior; one prior serves both sides. */
export interface SidePriors {
  base: VariancePrior | null;
  head: VariancePrior | null;
}

export interface CompareTrialsOptions {
  paired: boolean;
  /** Paired: the prior of d-variances. Unpaired: each side's prior (or one for both). */
  prior?: VariancePrior | SidePriors | null;
  /** Throughput: a drop is the bad direction. Only the sensitivity's sign depends on it. */
  higherIsBetter?: boolean;
  /** Default 0.95. */
  confidence?: number;
}

export type TrialComparison =
  | {
      /** exp(estimate) − 1: head/base − 1 of the geometric means (of the ratios, when paired). */
      change: number;
      ci: [number, number];
      pValue: number;
      df: number;
      /** On the log scale: the estimated log ratio and its standard error. */
      estimate: number;
      se: number;
      reason?: undefined;
    }
  | { change: number; ci: null; pValue: null; df: 0; estimate: number; se: null; reason: string };

const mean = (xs: Float64Array): number => xs.reduce((a, x) => a + x, 0) / xs.length;

function sidePriors(prior: CompareTrialsOptions["prior"]): SidePriors {
  if (prior === undefined || prior === null) return { base: null, head: null };
  return "base" in prior ? prior : { base: prior, head: prior };
}

/** Estimate, se and df of the log ratio head/base, or why there are none. */
function logRatio(
  base: readonly number[],
  head: readonly number[],
  options: CompareTrialsOptions,
): { estimate: number; se: number; df: number } | { estimate: number; reason: string } {
  const b = logValues(base, "compareTrials: base");
  const h = logValues(head, "compareTrials: head");
  if (b.length === 0 || h.length === 0) throw new RangeError("compareTrials: each side needs at least one trial");
  if (options.paired) {
    if (b.length !== h.length) {
      throw new RangeError(`compareTrials: paired sides need as many trials each, got ${b.length} and ${h.length}`);
    }
    const d = h.map((x, k) => x - (b[k] as number));
    const estimate = mean(d);
    const prior = options.prior === undefined || options.prior === null || "base" in options.prior ? null : options.prior;
    const v = moderateVariance(sampleVariance(d), prior);
    if (v.variance === null) return { estimate, reason: v.reason };
    return { estimate, se: Math.sqrt(v.variance / d.length), df: v.df };
  }
  const estimate = mean(h) - mean(b);
  const priors = sidePriors(options.prior);
  const vb = moderateVariance(sampleVariance(b), priors.base);
  const vh = moderateVariance(sampleVariance(h), priors.head);
  if (vb.variance === null) return { estimate, reason: `base: ${vb.reason}` };
  if (vh.variance === null) return { estimate, reason: `head: ${vh.reason}` };
  const wb = vb.variance / b.length;
  const wh = vh.variance / h.length;
  const se2 = wb + wh;
  // Welch–Satterthwaite; a side with infinite df contributes no uncertainty about its variance.
  const denominator = (vb.df === Infinity ? 0 : (wb * wb) / vb.df) + (vh.df === Infinity ? 0 : (wh * wh) / vh.df);
  const df = denominator === 0 ? Infinity : (se2 * se2) / denominator;
  return { estimate, se: Math.sqrt(se2), df };
}

/**
 * The change of one metric, head against base, from per-trial values (ms, or items/s for
 * throughput: the same formula gives head/base − 1, so a throughput drop is negative, as in
 * compare.ts). Interval exp(est ± t_{1−α/2, df}·se) − 1; p-value 2·P(T_df > |est|/se).
 */
export function compareTrials(base: readonly number[], head: readonly number[], options: CompareTrialsOptions): TrialComparison {
  const { confidence = 0.95 } = options;
  if (!(confidence > 0 && confidence < 1)) throw new RangeError(`compareTrials: confidence must be in (0, 1), got ${confidence}`);
  const r = logRatio(base, head, options);
  if (!("se" in r)) return { change: Math.expm1(r.estimate), ci: null, pValue: null, df: 0, estimate: r.estimate, se: null, reason: r.reason };
  const { estimate, se, df } = r;
  const half = tQuantile(1 - (1 - confidence) / 2, df) * se;
  const pValue = se === 0 ? (estimate === 0 ? 1 : 0) : tTwoSidedPValue(estimate / se, df);
  return { change: Math.expm1(estimate), ci: [Math.expm1(estimate - half), Math.expm1(estimate + half)], pValue, df, estimate, se };
}

/**
 * The smallest true change (relative, in the bad direction) that a comparison with standard error
 * `se` (log scale) and `df` flags with probability `power` at two-sided level `alpha`, when the
 * verdict also needs the whole interval beyond `threshold`:
 * exp(log(1 + threshold) + (t_{1−α/2} + t_{power})·se) − 1 (the usual shift approximation to the
 * noncentral t). With threshold 0 it is the plain detectable effect of the t test.
 */
export function minimumDetectableChange(se: number, df: number, alpha: number, power = 0.8, threshold = 0): number {
  if (!(se >= 0 && se < Infinity)) throw new RangeError(`minimumDetectableChange: se must be >= 0, got ${se}`);
  if (!(alpha > 0 && alpha < 1)) throw new RangeError(`minimumDetectableChange: alpha must be in (0, 1), got ${alpha}`);
  if (!(power > 0 && power < 1)) throw new RangeError(`minimumDetectableChange: power must be in (0, 1), got ${power}`);
  if (!(threshold >= 0)) throw new RangeError(`minimumDetectableChange: threshold must be >= 0, got ${threshold}`);
  return Math.expm1(Math.log1p(threshold) + (tQuantile(1 - alpha / 2, df) + tQuantile(power, df)) * se);
}

/** One cell: its per-trial statistics on each side (trial k of base and head paired when paired). */
export interface TrialCellPair {
  cell: string;
  base: readonly TrialStatistics[];
  head: readonly TrialStatistics[];
}

export interface CompareTrialCellsOptions {
  paired: boolean;
  metrics?: readonly Metric[];
  /** Practical threshold per metric, relative; default 0.05 each. */
  thresholds?: Partial<Record<Metric, number>>;
  confidence?: number;
  /** Family-wise error rate of Holm's adjustment; default 0.05. */
  alpha?: number;
  /** Power for `sensitivity`; default 0.8. */
  power?: number;
}

/** How sensitive a row was: the smallest change it would flag with the asked power. */
export interface TrialSensitivity {
  cell: string;
  metric: Metric;
  se: number;
  df: number;
  /** At level alpha/m (a lone regression among m comparisons, Holm's first step) and the threshold. */
  minimumDetectable: number;
}

export interface TrialComparisons {
  comparisons: Comparison[];
  sensitivity: TrialSensitivity[];
  /** Rows without an interval (one trial, identical trials), left out of Holm and the verdicts. */
  unavailable: { cell: string; metric: Metric; change: number; reason: string }[];
}

const column = (side: readonly TrialStatistics[], metric: Metric): number[] => side.map((s) => s[metric]);

/** Per metric: the prior(s) over every cell of the call. */
function priorsFor(pairs: readonly TrialCellPair[], metric: Metric, paired: boolean): CompareTrialsOptions["prior"] {
  const ofSide = (side: "base" | "head") =>
    estimateVariancePrior(pairs.map((p) => sampleVariance(logValues(column(p[side], metric), `cell ${p.cell}, ${side}`))));
  if (!paired) return { base: ofSide("base"), head: ofSide("head") };
  return estimateVariancePrior(
    pairs.map((p) => {
      const b = logValues(column(p.base, metric), `cell ${p.cell}, base`);
      const h = logValues(column(p.head, metric), `cell ${p.cell}, head`);
      if (b.length !== h.length) throw new RangeError(`compareTrialCells: cell ${p.cell}: paired sides need as many trials each`);
      return sampleVariance(h.map((x, k) => x - (b[k] as number)));
    }),
  );
}

/**
 * Every cell × metric: compareTrials with the priors estimated per metric over all cells of the
 * call, Holm over the rows that have an interval, the verdict by `rule`. base/head in the rows
 * are the geometric means of the trials.
 */
export function compareTrialCells(pairs: readonly TrialCellPair[], options: CompareTrialCellsOptions): TrialComparisons {
  const { paired, metrics = METRICS, confidence = 0.95, alpha = 0.05, power = 0.8 } = options;
  if (!(alpha > 0 && alpha < 1)) throw new RangeError(`compareTrialCells: alpha must be in (0, 1), got ${alpha}`);
  const geometricMean = (xs: number[]): number => Math.exp(mean(logValues(xs)));
  const rows: (Omit<Comparison, "pAdjusted" | "verdict"> & { se: number; df: number })[] = [];
  const unavailable: TrialComparisons["unavailable"] = [];
  for (const metric of metrics) {
    const prior = priorsFor(pairs, metric, paired);
    for (const pair of pairs) {
      const base = column(pair.base, metric);
      const head = column(pair.head, metric);
      const r = compareTrials(base, head, { paired, prior, confidence, higherIsBetter: metric === "throughput" });
      if (r.ci === null) {
        unavailable.push({ cell: pair.cell, metric, change: r.change, reason: r.reason });
        continue;
      }
      const threshold = options.thresholds?.[metric] ?? 0.05;
      const { change, ci, pValue, se, df } = r;
      rows.push({ cell: pair.cell, metric, base: geometricMean(base), head: geometricMean(head), change, ci, pValue, threshold, se, df });
    }
  }
  const adjusted = holm(rows.map((r) => r.pValue));
  const m = rows.length;
  const comparisons = rows.map(({ se: _se, df: _df, ...row }, i): Comparison => {
    const pAdjusted = adjusted[i] as number;
    const verdict = decideVerdict({ change: row.change, ci: row.ci, pAdjusted, threshold: row.threshold, alpha, higherIsBetter: row.metric === "throughput" });
    return {
      cell: row.cell,
      metric: row.metric,
      base: row.base,
      head: row.head,
      change: row.change,
      ci: row.ci,
      pValue: row.pValue,
      pAdjusted,
      threshold: row.threshold,
      verdict,
    };
  });
  // A regression needs significance at Holm's first step (alpha/m for a lone one) and an estimate past the threshold.
  const sensitivity = rows.map(({ cell, metric, se, df, threshold }) => ({
    cell,
    metric,
    se,
    df,
    minimumDetectable: Math.max(threshold, minimumDetectableChange(se, df, alpha / m, power)),
  }));
  return { comparisons, sensitivity, unavailable };
}
