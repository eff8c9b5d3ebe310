/**
 * Trial-level inference. A run measures every cell in T independent trials, each a fresh process:
 * what differs between processes (memory layout, thread placement, the machine's state) moves a
 * cell by several percent, and no analysis of one process's samples can see it. So each trial is
 * reduced to its statistics, and inference is between trials, the top level of the hierarchical
 * design of Kalibera & Jones, "Rigorous Benchmarking in Reasonable Time" (ISMM 2013): the
 * variance between processes is what the interval must contain, and the samples within a trial
 * only make each trial's value more precise.
 *
 * On the log scale: per-trial effects are multiplicative, and a ratio of two metrics is a
 * difference of logs. Point = geometric mean of the trials; interval = exp(mean ± t·s̃/√T) with
 * s̃² the moderated variance of moderated.ts.
 */
import { tQuantile } from "./distributions.js";
import type { Metric } from "./metrics.js";
import { estimateVariancePrior, moderateVariance, sampleVariance, type VariancePrior } from "./moderated.js";
import { median, medianAbsoluteDeviation } from "./descriptive.js";
import { quantile, sortSamples } from "./quantile.js";

/** One trial's statistics of one cell: latencies in ms, throughput in items/s. */
export type TrialStatistics = Record<Metric, number>;

/**
 * Type-7 quantiles and the arithmetic mean of the trial's steady-state latencies (ms), and
 * throughput = itemsPerCall · 1000 / mean (items/s). Throws on an empty series or a latency that
 * is not positive and finite.
 */
export function trialStatistics(steadySamplesMs: ArrayLike<number>, itemsPerCall: number): TrialStatistics {
  if (!(itemsPerCall > 0 && itemsPerCall < Infinity)) {
    throw new RangeError(`trialStatistics: itemsPerCall must be > 0, got ${itemsPerCall}`);
  }
  const sorted = sortSamples(steadySamplesMs);
  if (!((sorted[0] ?? 0) > 0)) throw new RangeError(`trialStatistics: latencies must be > 0, got ${sorted[0]}`);
  let sum = 0;
  for (const x of sorted) sum += x;
  const mean = sum / sorted.length;
  return {
    p50: quantile(sorted, 0.5),
    p90: quantile(sorted, 0.9),
    p99: quantile(sorted, 0.99),
    mean,
    throughput: (itemsPerCall * 1000) / mean,
  };
}

/** Natural logs of positive values; throws naming the trial otherwise. */
export function logValues(values: readonly number[], where = "logValues"): Float64Array {
  return Float64Array.from(values, (v, i) => {
    if (!(v > 0 && v < Infinity)) throw new RangeError(`${where}: trial ${i} is ${v}, not a positive finite value`);
    return Math.log(v);
  });
}

/**
 * The prior of one metric's between-trial log variance, pooled over the cells of a run (each
 * element: one cell's per-trial values). Null when fewer than two cells have two distinct trials.
 */
export function trialVariancePrior(cells: readonly (readonly number[])[]): VariancePrior | null {
  return estimateVariancePrior(cells.map((values, i) => sampleVariance(logValues(values, `trialVariancePrior: cell ${i}`))));
}

export type TrialEstimate =
  | {
      /** Geometric mean of the trials. */
      value: number;
      interval: { lo: number; hi: number };
      /** Moderated standard deviation of one trial's log value, and its degrees of freedom. */
      sdLog: number;
      df: number;
      trials: number;
      reason?: undefined;
    }
  | { value: number; interval: null; sdLog: null; df: 0; trials: number; reason: string };

/**
 * One cell and metric from its per-trial values: the geometric mean and
 * exp(mean(log v) ± t_{1−α/2, df} · s̃/√T), s̃² moderated by the run's prior (or the cell's own s²
 * with T − 1 df when there is none). The interval is null, with the reason, for one trial or for
 * identical trials without a prior.
 */
export function trialEstimate(values: readonly number[], prior: VariancePrior | null, confidence = 0.95): TrialEstimate {
  if (!(confidence > 0 && confidence < 1)) throw new RangeError(`trialEstimate: confidence must be in (0, 1), got ${confidence}`);
  if (values.length === 0) throw new RangeError("trialEstimate: no trials");
  const logs = logValues(values, "trialEstimate");
  const t = logs.length;
  const meanLog = logs.reduce((a, x) => a + x, 0) / t;
  const value = Math.exp(meanLog);
  const moderated = moderateVariance(sampleVariance(logs), prior);
  if (moderated.variance === null) return { value, interval: null, sdLog: null, df: 0, trials: t, reason: moderated.reason };
  const sdLog = Math.sqrt(moderated.variance);
  const half = tQuantile(1 - (1 - confidence) / 2, moderated.df) * (sdLog / Math.sqrt(t));
  return { value, interval: { lo: Math.exp(meanLog - half), hi: Math.exp(meanLog + half) }, sdLog, df: moderated.df, trials: t };
}

/**
 * The trials a cell's statistics and comparisons use: those not marked disturbed (their canary ran
 * slow around them, or they ran far slower than the cell's other trials), as long as at least two
 * remain; else those not slow, when at least two are (a canary that flags every trial tells nothing
 * about which to trust, the cell's own trials still do); otherwise all, whose disturbance the report
 * then shows. A disturbed trial is set aside, not compared as if the machine had been itself.
 */
export function undisturbed<T extends { disturbed: boolean; slow?: boolean }>(trials: readonly T[]): readonly T[] {
  const clean = trials.filter((t) => !t.disturbed);
  if (clean.length >= 2) return clean;
  const notSlow = trials.filter((t) => t.slow !== true);
  return notSlow.length >= 2 ? notSlow : trials;
}

/** A trial is slow when its log value is this many robust standard deviations above its cell's median. */
export const SLOW_TRIAL_Z = 5;
/** Fewest trials a cell needs before one of them can be called slow against the others. */
const SLOW_TRIAL_MIN_TRIALS = 4;
/** σ from the median absolute deviation of normal data. */
const MAD_NORMAL_SCALE = 1.482602218505602;

/**
 * Trials that ran much slower than the other trials of the same cell: on a shared machine a
 * neighbour's burst now and then slows one cell's whole block by 20–80%, and the canary around the
 * block does not always see it. Each series (one cell's per-trial values of one latency statistic,
 * higher is slower) is judged on the log scale against its own median, in units of a robust
 * standard deviation: the larger of the cell's own (1.4826 · MAD) and the median of those of every
 * series given (the run's typical trial-to-trial spread, which a few slow trials do not move). A
 * trial is slow when it lies more than `z` of those above the median; only the slow side, since a
 * disturbance only adds time. A cell with fewer than 4 trials has none called slow. Since the MAD
 * of a few trials is itself uncertain, normal trial-to-trial variation (lognormal, no disturbance)
 * has some trials called slow at z = 5: per trial 1.45% for one cell of 5 trials, 0.19% for 4 cells,
 * 0.05% for 20, and 0.23%, 0.01%, < 0.01% at 10 trials (simulated, sd 3%, 20,000 cells each). z = 4
 * would set aside more of the disturbed blocks but also real slow trials of a regime process,
 * whose p50 interval coverage fell to 93.0% (docs/STATISTICS.md §6).
 */
export function slowTrials(series: readonly (readonly number[])[], z = SLOW_TRIAL_Z): boolean[][] {
  if (!(z > 0)) throw new RangeError(`slowTrials: z must be > 0, got ${z}`);
  const logs = series.map((values, i) => Array.from(logValues(values, `slowTrials: series ${i}`)));
  const centre = logs.map((xs) => (xs.length > 0 ? median(xs) : 0));
  const spread = logs.map((xs) => (xs.length >= SLOW_TRIAL_MIN_TRIALS ? MAD_NORMAL_SCALE * medianAbsoluteDeviation(xs) : null));
  const known = spread.filter((s): s is number => s !== null);
  const typical = known.length > 0 ? median(known) : 0;
  return logs.map((xs, i) => {
    const own = spread[i];
    if (own === null || own === undefined) return xs.map(() => false);
    const scale = Math.max(own, typical);
    return xs.map((x) => scale > 0 && x - (centre[i] as number) > z * scale);
  });
}

/** The statistics a slow trial shows in: the median (a block mostly slowed) and the mean (a burst in part of it). */
const SLOW_TRIAL_STATISTICS = ["p50", "mean"] as const;

/** slowTrials over several cells' per-trial statistics: a trial is slow when its p50 or its mean is. */
export function slowTrialsOf(cells: readonly (readonly Pick<TrialStatistics, "p50" | "mean">[])[], z = SLOW_TRIAL_Z): boolean[][] {
  const flags = SLOW_TRIAL_STATISTICS.map((s) =>
    slowTrials(
      cells.map((trials) => trials.map((t) => t[s])),
      z,
    ),
  );
  return cells.map((trials, c) => trials.map((_, k) => flags.some((f) => f[c]?.[k] === true)));
}
