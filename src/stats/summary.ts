/** Latency and throughput summaries with their intervals, ready for the reporters. */
import {
  checkConfidence,
  meanAndStddev,
  meanCI,
  minSamplesForQuantileCI,
  quantileCI,
  type Interval,
} from "./intervals.js";
import { at, quantile, sortSamples } from "./quantile.js";

export interface Estimate {
  value: number;
  ci: [number, number] | null;
}

export interface LatencySummary {
  n: number;
  p50: Estimate;
  p90: Estimate;
  p95: Estimate;
  p99: Estimate;
  p999: Estimate;
  mean: Estimate;
  stddev: number;
  min: number;
  max: number;
  /**
   * Why an interval is missing, one line each, e.g.
   * "p99: 120 samples are too few for a 95% interval (needs at least 368)".
   */
  notes: string[];
}

const QUANTILES = [
  ["p50", 0.5],
  ["p90", 0.9],
  ["p95", 0.95],
  ["p99", 0.99],
  ["p999", 0.999],
] as const;

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

/**
 * Quantiles (Hyndman–Fan type 7) with distribution-free intervals, the mean with a Student t
 * interval, and the spread. Latencies in any unit; the unit is preserved. Throws on an empty
 * array or a non-finite value.
 */
export function summarizeLatency(latencies: ArrayLike<number>, confidence = 0.95): LatencySummary {
  checkConfidence(confidence, "summarizeLatency");
  const sorted = sortSamples(latencies);
  const n = sorted.length;
  const notes: string[] = [];
  const estimate = (name: string, p: number): Estimate => {
    const ci = quantileCI(sorted, p, confidence);
    if (ci === null) notes.push(tooFew(name, n, confidence, minSamplesForQuantileCI(p, confidence)));
    return { value: quantile(sorted, p), ci: pair(ci) };
  };
  const [p50, p90, p95, p99, p999] = QUANTILES.map(([name, p]) => estimate(name, p)) as [
    Estimate, Estimate, Estimate, Estimate, Estimate,
  ];
  // Summing the sorted copy adds small values first, which loses slightly less to rounding.
  const { mean, stddev } = meanAndStddev(sorted);
  const meanInterval = meanCI(sorted, confidence);
  if (meanInterval === null) notes.push(tooFew("mean", n, confidence, 2));
  return {
    n,
    p50, p90, p95, p99, p999,
    mean: { value: mean, ci: pair(meanInterval) },
    stddev,
    min: at(sorted, 0),
    max: at(sorted, n - 1),
    notes,
  };
}

/**
 * Throughput in items/s from per-iteration latencies in ms: batch · n / Σ latency(s), i.e. the
 * batch over the mean latency. The interval inverts the mean latency's t interval; x ↦ batch/x is
 * monotone decreasing on x > 0, so [batch/hi, batch/lo] has exactly the same coverage. It is null
 * when n < 2, or when the mean's interval reaches down to 0 ms (the upper bound would be infinite).
 */
export function throughput(
  latenciesMs: ArrayLike<number>,
  itemsPerIteration: number,
  confidence = 0.95,
): Estimate {
  checkConfidence(confidence, "throughput");
  if (!(Number.isFinite(itemsPerIteration) && itemsPerIteration > 0)) {
    throw new RangeError(`throughput: itemsPerIteration must be a positive number, got ${itemsPerIteration}`);
  }
  const { mean } = meanAndStddev(latenciesMs);
  for (let i = 0; i < latenciesMs.length; i++) {
    if ((latenciesMs[i] ?? 0) < 0) throw new RangeError(`throughput: latency ${i} is negative`);
  }
  if (!(mean > 0)) throw new RangeError("throughput: total latency is 0 ms, so throughput is unbounded");
  const perSecond = (ms: number): number => (itemsPerIteration * 1000) / ms;
  const ci = meanCI(latenciesMs, confidence);
  return {
    value: perSecond(mean),
    ci: ci === null || !(ci.lo > 0) ? null : [perSecond(ci.hi), perSecond(ci.lo)],
  };
}
