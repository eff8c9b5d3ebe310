/** Sorted samples and the sample-quantile point estimate. */
import { quantileSorted } from "simple-statistics";

/** Ascending, non-empty, all finite. Only `sortSamples` makes one, so the brand is a proof. */
export type SortedSamples = readonly number[] & { readonly __sorted: true };

/**
 * Copies, checks and sorts ascending. Throws on an empty array or a non-finite value. Accepts a
 * typed array too, so a measuring loop can keep its Float64Array buffer.
 */
export function sortSamples(xs: ArrayLike<number>): SortedSamples {
  if (xs.length === 0) throw new RangeError("sortSamples: no samples");
  const copy = Float64Array.from(xs);
  for (let i = 0; i < copy.length; i++) {
    const x = copy[i] ?? NaN;
    if (!Number.isFinite(x)) throw new RangeError(`sortSamples: sample ${i} is ${x}, not a finite number`);
  }
  // A typed-array sort is numeric and several times faster than Array#sort with a comparator.
  copy.sort();
  return Array.from(copy) as unknown as SortedSamples;
}

/** sorted[i] with the bounds already established by the caller; keeps noUncheckedIndexedAccess honest. */
export function at(sorted: SortedSamples, i: number): number {
  const x = sorted[i];
  if (x === undefined) throw new RangeError(`index ${i} outside 0..${sorted.length - 1}`);
  return x;
}

export function checkProbability(p: number, name: string): void {
  if (!(p >= 0 && p <= 1)) throw new RangeError(`${name}: p must be in [0, 1], got ${p}`);
}

/**
 * Sample p-quantile, Hyndman & Fan (1996) definition 7: linear interpolation between order
 * statistics at h = (n - 1)p (0-based). The default of R's quantile() and numpy.quantile, so
 * numbers match what users get from those tools; simple-statistics 7.12's quantileSorted computes
 * exactly this (test/stats-simple-statistics.test.ts holds it to the formula).
 */
export function quantile(sorted: SortedSamples, p: number): number {
  checkProbability(p, "quantile");
  return quantileSorted(sorted, p);
}
