/** Latency and throughput summaries with their intervals, ready for the reporters. */
import { integratedAutocorrelationTime, lag1Autocorrelation } from "./autocorrelation.js";
import { indicatorAutocorrelationTime, meanCIDependent, quantileCIDependent } from "./dependent.js";
import { meanAndStddev } from "./descriptive.js";
import { checkConfidence, minSamplesForQuantileCI, type Interval } from "./intervals.js";
import { classifyOutliers, type OutlierCounts } from "./outliers.js";
import { itemsPerSecond, PERCENTILE_PROBABILITY, PERCENTILES, type Percentile } from "./metrics.js";
import { at, quantile, sortSamples } from "./quantile.js";

export interface Estimate {
  value: number;
  ci: [number, number] | null;
}

export interface LatencySummary extends Record<Percentile, Estimate> {
  n: number;
  mean: Estimate;
  stddev: number;
  min: number;
  max: number;
  /** Serial dependence of the series in measurement order (see autocorrelation.ts). */
  dependence: {
    lag1: number;
    /** Integrated autocorrelation time τ (Geyer), >= 1; 1 for independent samples. */
    autocorrelationTime: number;
    /** n/τ: how many independent samples the series is worth for estimating the mean. */
    effectiveN: number;
  };
  /** Counted, never removed (see outliers.ts). */
  outliers: OutlierCounts;
  /**
   * Why an interval is missing, one line each, e.g.
   * "p99: 120 samples are too few for a 95% interval (needs at least 368)", or, when the series is
   * long enough but autocorrelated, "p99: 1000 samples are worth about 300 independent ones here
   * (autocorrelation time 3.33), too few for a 95% interval (needs at least 368)".
   */
  notes: string[];
}

function pair(ci: Interval | null): [number, number] | null {
  return ci === null ? null : [ci.lo, ci.hi];
}

/** "95%", "99.9%": at most four decimals, no trailing zeros. */
function percent(confidence: number): string {
  return `${Number((confidence * 100).toFixed(4))}%`;
}

function tooFew(name: string, n: number, confidence: number, needed: number): string {
  const samples = n === 1 ? "1 sample is" : `${n} samples are`;
  return `${name}: ${samples} too few for a ${percent(confidence)} interval (needs at least ${needed})`;
}

function tooFewEffective(name: string, n: number, tau: number, confidence: number, needed: number): string {
  const worth = `${n} samples are worth about ${Math.floor(n / tau)} independent ones here`;
  const tooFewFor = `too few for a ${percent(confidence)} interval (needs at least ${needed})`;
  return `${name}: ${worth} (autocorrelation time ${tau.toFixed(2)}), ${tooFewFor}`;
}

/**
 * Summary of a latency series IN MEASUREMENT ORDER (the order carries the serial dependence):
 * quantiles (Hyndman–Fan type 7) with order-statistic intervals widened for the autocorrelation
 * of each quantile's indicator series (exactly the distribution-free intervals when there is
 * none), the mean with a batch-means interval (Student t below 100 samples), the spread, the
 * dependence and outlier counts. Latencies in any unit; the unit is preserved. Throws on an empty
 * array or a non-finite value.
 */
export function summarizeLatency(latencies: ArrayLike<number>, confidence = 0.95): LatencySummary {
  checkConfidence(confidence, "summarizeLatency");
  const sorted = sortSamples(latencies);
  const n = sorted.length;
  const notes: string[] = [];
  const estimate = (name: Percentile): Estimate => {
    const p = PERCENTILE_PROBABILITY[name];
    const ci = quantileCIDependent(latencies, sorted, p, confidence);
    const value = quantile(sorted, p);
    if (ci === null) {
      const needed = minSamplesForQuantileCI(p, confidence);
      if (n < needed) notes.push(tooFew(name, n, confidence, needed));
      else notes.push(tooFewEffective(name, n, indicatorAutocorrelationTime(latencies, value), confidence, needed));
    }
    return { value, ci: pair(ci) };
  };
  const percentiles = Object.fromEntries(PERCENTILES.map((name) => [name, estimate(name)])) as Record<Percentile, Estimate>;
  // The sorted copy makes mean and stddev independent of measurement order, to the last bit.
  const { mean, stddev } = meanAndStddev(sorted);
  const meanInterval = meanCIDependent(latencies, confidence);
  if (meanInterval === null) notes.push(tooFew("mean", n, confidence, 2));
  const autocorrelationTime = integratedAutocorrelationTime(latencies);
  const { lowSevere, lowMild, highMild, highSevere, mad } = classifyOutliers(sorted);
  return {
    n,
    ...percentiles,
    mean: { value: mean, ci: pair(meanInterval) },
    stddev,
    min: at(sorted, 0),
    max: at(sorted, n - 1),
    dependence: {
      lag1: lag1Autocorrelation(latencies),
      autocorrelationTime,
      effectiveN: n / autocorrelationTime,
    },
    outliers: { lowSevere, lowMild, highMild, highSevere, mad },
    notes,
  };
}

/**
 * Throughput in items/s from per-iteration latencies in ms, in measurement order: batch · n /
 * Σ latency(s), i.e. the batch over the mean latency. The interval inverts the mean latency's
 * interval (batch means, or Student t below 100 samples; see `meanCIDependent`); x ↦ batch/x is
 * monotone decreasing on x > 0, so [batch/hi, batch/lo] has exactly the same coverage. It is null
 * when n < 2, or when the mean's interval reaches down to 0 ms (the upper bound would be infinite).
 */
export function throughput(latenciesMs: ArrayLike<number>, itemsPerIteration: number, confidence = 0.95): Estimate {
  checkConfidence(confidence, "throughput");
  if (!(Number.isFinite(itemsPerIteration) && itemsPerIteration > 0)) {
    throw new RangeError(`throughput: itemsPerIteration must be a positive number, got ${itemsPerIteration}`);
  }
  const { mean } = meanAndStddev(latenciesMs);
  for (let i = 0; i < latenciesMs.length; i++) {
    if ((latenciesMs[i] ?? 0) < 0) throw new RangeError(`throughput: latency ${i} is negative`);
  }
  if (!(mean > 0)) throw new RangeError("throughput: total latency is 0 ms, so throughput is unbounded");
  const perSecond = (ms: number): number => itemsPerSecond(itemsPerIteration, ms);
  const ci = meanCIDependent(latenciesMs, confidence);
  return {
    value: perSecond(mean),
    ci: ci === null || !(ci.lo > 0) ? null : [perSecond(ci.hi), perSecond(ci.lo)],
  };
}
