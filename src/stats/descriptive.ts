/**
 * Descriptive basics, taken from simple-statistics where its definition is ours: the arithmetic
 * mean (a compensated sum over n), the sample standard deviation (divisor n − 1, two-pass) and the
 * unscaled median absolute deviation about the median. test/stats-simple-statistics.test.ts holds
 * each to a naive reference, so a change of definition upstream fails a test.
 */
import { mean as ssMean, median as ssMedian, medianAbsoluteDeviation as ssMedianAbsoluteDeviation, sampleStandardDeviation } from "simple-statistics";

/** simple-statistics reads arrays only; a typed array is copied, O(n) like the statistic itself. */
function asArray(xs: ArrayLike<number>): readonly number[] {
  return Array.isArray(xs) ? (xs as readonly number[]) : Array.from(xs);
}

export function mean(xs: ArrayLike<number>): number {
  return ssMean(asArray(xs));
}

/** Type-7 median: for even n, the midpoint of the two middle values. */
export function median(xs: ArrayLike<number>): number {
  return ssMedian(asArray(xs));
}

/** Median of |x − median|, unscaled (multiply by MAD_NORMAL_SCALE to estimate σ). */
export function medianAbsoluteDeviation(xs: ArrayLike<number>): number {
  return ssMedianAbsoluteDeviation(asArray(xs));
}

/** Mean and sample standard deviation (n − 1; 0 for one sample). Throws on non-finite input. */
export function meanAndStddev(xs: ArrayLike<number>): { mean: number; stddev: number } {
  if (xs.length === 0) throw new RangeError("no samples");
  for (let i = 0; i < xs.length; i++) {
    const x = xs[i] ?? NaN;
    if (!Number.isFinite(x)) throw new RangeError(`sample ${i} is ${x}, not a finite number`);
  }
  const array = asArray(xs);
  return { mean: ssMean(array), stddev: array.length > 1 ? sampleStandardDeviation(array) : 0 };
}
