/** Sorted copies and binary searches shared by the rank test and the bootstrap. */

/** Ascending Float64Array copy; throws naming `what` on an empty input or a non-finite value. */
export function sortedCopy(xs: ArrayLike<number>, what: string): Float64Array {
  if (xs.length === 0) throw new RangeError(`${what}: no samples`);
  const copy = Float64Array.from(xs);
  for (let i = 0; i < copy.length; i++) {
    const x = copy[i] as number;
    if (!Number.isFinite(x)) throw new RangeError(`${what}: sample ${i} is ${x}, not a finite number`);
  }
  // A typed-array sort is numeric and much faster than Array#sort with a comparator.
  return copy.sort();
}

/** Number of elements of `sorted` that are < x. */
export function lowerBound(sorted: Float64Array, x: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((sorted[mid] as number) < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Number of elements of `sorted` that are <= x. */
export function upperBound(sorted: Float64Array, x: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((sorted[mid] as number) <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Mid-ranks (1-based, ties averaged) of each x in `sorted`, kept in the order of `xs`. */
export function midRanks(sorted: Float64Array, xs: ArrayLike<number>): Float64Array {
  const ranks = new Float64Array(xs.length);
  for (let i = 0; i < xs.length; i++) {
    const x = xs[i] as number;
    ranks[i] = (lowerBound(sorted, x) + upperBound(sorted, x) + 1) / 2;
  }
  return ranks;
}
