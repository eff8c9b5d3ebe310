/**
 * Whether a warm-up's latencies have settled: one rule for the timed loop's warm-up
 * (measure/loop.ts, on the calls' durations) and the load generator's (load/warmup.ts, on the
 * medians of its ~100 ms windows of responses), and the fall of a timed series that outlasted its
 * warm-up (measure/cell-result.ts, with intervals).
 *
 * The series is cut into `parts` parts of equal length (by floor(k·n/parts)); the median of the
 * last part is compared with the median of each part from `from` to `to` (exclusive). Settled when
 * the last part is not lower than any of them by more than `tolerance` (relative) or `absolute`
 * (the series' unit), whichever is larger; with `twoSided`, not higher either. Leaving the first
 * part out of the comparison (from ≥ 1) drops the steepest part of a transient; a part between the
 * compared ones (to < parts − 1) gives a slow decay room to show: adjacent windows of a slow decay
 * differ too little to see.
 */
import { quantileCIDependent } from "./dependent.js";
import type { Interval } from "./intervals.js";
import { quantile, sortSamples } from "./quantile.js";

export interface SettleRule {
  parts: number;
  from: number;
  to: number;
  tolerance: number;
  absolute?: number;
  twoSided?: boolean;
}

function medianOf(xs: ArrayLike<number>, from: number, to: number): number {
  const s = new Float64Array(to - from);
  for (let i = from; i < to; i++) s[i - from] = xs[i] as number;
  s.sort();
  const h = (s.length - 1) / 2;
  return ((s[Math.floor(h)] as number) + (s[Math.ceil(h)] as number)) / 2;
}

/** Part k of a series of n values cut into `parts`: [floor(k·n/parts), floor((k+1)·n/parts)). */
function bounds(n: number, parts: number, k: number): [number, number] {
  return [Math.floor((k * n) / parts), Math.floor(((k + 1) * n) / parts)];
}

function checkRule(rule: SettleRule): void {
  const { parts, from, to } = rule;
  if (!(Number.isInteger(parts) && Number.isInteger(from) && Number.isInteger(to) && from >= 0 && from < to && to <= parts - 1)) {
    throw new RangeError(`settled: parts ${parts}, from ${from}, to ${to}: need integers with 0 <= from < to <= parts - 1`);
  }
  if (!(rule.tolerance >= 0)) throw new RangeError(`settled: tolerance must be >= 0, got ${rule.tolerance}`);
}

/** The medians of the compared parts and of the last part; null when the series is shorter than `parts`. */
function partMedians(series: ArrayLike<number>, rule: SettleRule): { earlier: number[]; later: number } | null {
  checkRule(rule);
  const n = series.length;
  if (n < rule.parts) return null;
  const earlier: number[] = [];
  for (let k = rule.from; k < rule.to; k++) earlier.push(medianOf(series, ...bounds(n, rule.parts, k)));
  return { earlier, later: medianOf(series, bounds(n, rule.parts, rule.parts - 1)[0], n) };
}

/** The rule above; false too when the series is shorter than `parts`. */
export function settled(series: ArrayLike<number>, rule: SettleRule): boolean {
  const m = partMedians(series, rule);
  if (m === null) return false;
  return m.earlier.every((e) => {
    const slack = Math.max(rule.tolerance * e, rule.absolute ?? 0);
    return m.later >= e - slack && (rule.twoSided !== true || m.later <= e + slack);
  });
}

/**
 * A timed series that outlasted its warm-up: how much lower the median of its last `1/parts` is
 * than the median of its first, relative to the first, when by more than `limit` with their
 * dependence-aware 95% intervals (quantileCIDependent) apart; else null. The same parts as the
 * rule above with a significance test added, for a series whose samples are all kept: a
 * stationary series, even a strongly dependent one with spikes, is not flagged; a decay of a few
 * percent over the series is.
 */
export function significantFall(series: ArrayLike<number>, limit: number, parts = 3): number | null {
  const n = series.length;
  const [, firstTo] = bounds(n, parts, 0);
  const [lastFrom] = bounds(n, parts, parts - 1);
  const all = Float64Array.from(series);
  const first = all.subarray(0, firstTo);
  const last = all.subarray(lastFrom);
  if (first.length < 2 || last.length < 2) return null;
  const a = medianInterval(first);
  const b = medianInterval(last);
  if (a === null || b === null || a.ci.lo <= b.ci.hi) return null;
  const fall = 1 - b.median / a.median;
  return fall > limit ? fall : null;
}

function medianInterval(part: Float64Array): { median: number; ci: Interval } | null {
  const sorted = sortSamples(part);
  const ci = quantileCIDependent(part, sorted, 0.5);
  return ci === null ? null : { median: quantile(sorted, 0.5), ci };
}
