/**
 * Intervals that survive serial dependence. Latencies measured back to back are autocorrelated
 * (caches, GC, frequency scaling, noisy neighbours), and the intervals in intervals.ts, which
 * assume independent samples, are then too narrow. These take the series in measurement order.
 */
import { integratedAutocorrelationTime } from "./autocorrelation.js";
import { mean as meanOf, meanAndStddev } from "./descriptive.js";
import { tQuantile } from "./distributions.js";
import { checkConfidence, meanCI, minSamplesForQuantileCI, orderStatisticRanks, type Interval, type OrderStatisticRanks } from "./intervals.js";
import { at, quantile, sortSamples, type SortedSamples } from "./quantile.js";

/** Batch means needs batches of a few samples at least; below this the t interval is used. */
export const MIN_SAMPLES_FOR_BATCH_MEANS = 100;

// Schmeiser (1982) finds 10 to 30 batches a good range: fewer wastes degrees of freedom, more
// makes the batches short relative to the correlation, which biases the variance downwards.
const MIN_BATCHES = 10;
const MAX_BATCHES = 30;
/** Aim for batches at least this many autocorrelation times long. */
const BATCH_TAU_MULTIPLE = 10;

/** n / (10 τ̂) batches, kept within 10..30. */
function defaultBatchCount(series: ArrayLike<number>): number {
  const byTau = Math.floor(series.length / (BATCH_TAU_MULTIPLE * integratedAutocorrelationTime(series)));
  return Math.min(MAX_BATCHES, Math.max(MIN_BATCHES, byTau));
}

/**
 * Non-overlapping batch means (Law & Kelton, "Simulation Modeling and Analysis", ch. 9, batch means):
 * split the series into b consecutive batches; for a batch much longer than the autocorrelation
 * time the batch means are nearly independent and normal, so x̄ ± t_{1−α/2, b−1} · S/√n, with
 * S² = Σ m_j (Ȳ_j − x̄)² / (b − 1) (m_j the batch sizes, which differ by at most one), covers the
 * mean whatever the dependence within a batch. By default b = n / (10 τ̂) kept within 10..30
 * (Schmeiser 1982, "Batch size effects in the analysis of simulation output", Operations Research
 * 30(3)). Null when there are fewer than two samples per batch. Throws on non-finite input.
 */
export function batchMeansCI(series: ArrayLike<number>, confidence = 0.95, batches?: number): Interval | null {
  checkConfidence(confidence, "batchMeansCI");
  if (batches !== undefined && !(Number.isInteger(batches) && batches >= 2)) {
    throw new RangeError(`batchMeansCI: batches must be an integer >= 2, got ${batches}`);
  }
  const n = series.length;
  const { mean } = meanAndStddev(series);
  const b = batches ?? defaultBatchCount(series);
  if (n < 2 * b) return null;
  const xs = Array.from(series);
  let squares = 0;
  for (let j = 0; j < b; j++) {
    const batch = xs.slice(Math.floor((j * n) / b), Math.floor(((j + 1) * n) / b));
    squares += batch.length * (meanOf(batch) - mean) ** 2;
  }
  const half = tQuantile(1 - (1 - confidence) / 2, b - 1) * Math.sqrt(squares / (b - 1) / n);
  return { lo: mean - half, hi: mean + half };
}

/**
 * The mean's interval for a series in measurement order: batch means from
 * MIN_SAMPLES_FOR_BATCH_MEANS samples on. Below that, 10 batches would hold under 10 samples each,
 * too short to absorb any dependence, so we fall back to the Student t interval, which assumes
 * independence (and is exact for independent normal samples).
 */
export function meanCIDependent(series: ArrayLike<number>, confidence = 0.95): Interval | null {
  if (series.length < MIN_SAMPLES_FOR_BATCH_MEANS) return meanCI(series, confidence);
  return batchMeansCI(series, confidence);
}

/**
 * Integrated autocorrelation time of the indicator series 1{X_t <= threshold}: how much the
 * dependence inflates the variance of the count B of samples below a quantile.
 */
export function indicatorAutocorrelationTime(series: ArrayLike<number>, threshold: number): number {
  const indicator = new Float64Array(series.length);
  for (let i = 0; i < series.length; i++) indicator[i] = (series[i] as number) <= threshold ? 1 : 0;
  return integratedAutocorrelationTime(indicator);
}

/**
 * Order-statistic ranks widened for dependence. Under serial dependence B, the count of samples
 * below ξ_p, still has mean np but variance ≈ τ_p · np(1−p), τ_p the integrated autocorrelation
 * time of 1{X_t <= ξ_p} (the CLT for quantiles of a stationary series; e.g. Sen 1972, "On the
 * Bahadur representation of sample quantiles for sequences of φ-mixing random variables", J.
 * Multivariate Analysis 2). We take the exact ranks of `orderStatisticRanks` for m = ⌊n/τ_p⌋
 * effective samples and scale them by s = n/m about the common mean, with continuity correction:
 * l − ½ = s(l_m − ½), u − ½ = s(u_m − ½), rounded outwards; sB_m has the mean and (at least) the
 * variance of B. At τ_p = 1 (m = n) these are the independent-sample ranks, guarantee included;
 * otherwise the coverage is asymptotic. Null when m samples are too few.
 */
export function dependentOrderStatisticRanks(n: number, p: number, autocorrelationTime: number, confidence = 0.95): OrderStatisticRanks | null {
  if (!(autocorrelationTime >= 1 && Number.isFinite(autocorrelationTime))) {
    const got = `got ${autocorrelationTime}`;
    throw new RangeError(`dependentOrderStatisticRanks: autocorrelationTime must be a finite number >= 1, ${got}`);
  }
  const m = Math.max(1, Math.floor(n / autocorrelationTime));
  const ranks = orderStatisticRanks(m, p, confidence);
  if (ranks === null || m === n) return ranks;
  const s = n / m;
  return {
    lower: Math.max(1, Math.floor(s * (ranks.lower - 0.5) + 0.5)),
    upper: Math.min(n, Math.ceil(s * (ranks.upper - 0.5) + 0.5)),
    coverage: ranks.coverage,
  };
}

/**
 * Interval for the p-quantile of a series in measurement order: [X_(l), X_(u)] with the ranks of
 * `dependentOrderStatisticRanks`, τ_p estimated (Geyer) from 1{X_t <= q̂_p}. `sorted` is the
 * series sorted (pass it in so several quantiles share one sort).
 */
export function quantileCIDependent(series: ArrayLike<number>, sorted: SortedSamples, p: number, confidence = 0.95): Interval | null {
  if (sorted.length !== series.length) {
    throw new RangeError(`quantileCIDependent: ${sorted.length} sorted samples for a series of ${series.length}`);
  }
  checkConfidence(confidence, "quantileCIDependent");
  const n = sorted.length;
  if (n < minSamplesForQuantileCI(p, confidence)) return null; // too few even if independent
  const tau = indicatorAutocorrelationTime(series, quantile(sorted, p));
  const ranks = dependentOrderStatisticRanks(n, p, tau, confidence);
  if (ranks === null) return null;
  return { lo: at(sorted, ranks.lower - 1), hi: at(sorted, ranks.upper - 1) };
}

/**
 * Relative half-width of the dependence-aware p-quantile interval, (hi − lo)/2/|q̂_p|, for the
 * adaptive stopping rule: Infinity when there is no interval yet, 0 when it has no width. One
 * sort and one autocorrelation-time estimate: O(n log n).
 */
export function headlineRelativeHalfWidth(series: ArrayLike<number>, p: number, confidence = 0.95): number {
  const sorted = sortSamples(series);
  const ci = quantileCIDependent(series, sorted, p, confidence);
  if (ci === null) return Infinity;
  const halfWidth = (ci.hi - ci.lo) / 2;
  if (halfWidth === 0) return 0;
  return halfWidth / Math.abs(quantile(sorted, p));
}
