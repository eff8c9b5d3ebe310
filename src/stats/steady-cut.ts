/**
 * Steady state only when the data ask for it. MSER-5 (steady-state.ts) always finds some cut: on
 * series with no warm-up at all it drops 30–37% of the time, because a stretch of slow samples at
 * the start of a stationary but dependent series (an AR process, a sticky regime) lowers its
 * statistic as much as a transient does. So its cut is a candidate, kept only when the prefix is
 * detectably slower than the rest, by two checks on log latency that must both reject:
 *
 * 1. A one-sided t test of mean(prefix) − mean(rest) with a dependence-aware standard error:
 *    the variance of a c-sample mean from the overlapping batch means of length c over the rest
 *    (Meketon & Schmeiser 1984, df ≈ 1.5(K − 1) with K = (n − c)/c batches), plus the rest
 *    mean's variance from non-overlapping batch means of the same length.
 * 2. A subsampling check (Politis, Romano & Wolf, "Subsampling", 1999): under stationarity the
 *    prefix is just one more window of c samples, so its mean must lie above all but a share
 *    alpha of the rest's windows of c samples. This is what stops a sticky regime: a slow
 *    episode at the start looks like the slow episodes later in the series.
 */
import { MAD_NORMAL_SCALE } from "./outliers.js";
import { mser5 } from "./steady-state.js";
import { tUpperTail } from "./t-tail.js";

export interface SteadyStateTest {
  /** MSER-5's cut, in samples (a multiple of 5). */
  candidate: number;
  /** MSER-5's verdict on the whole series (false: no steady state within the first half). */
  reliable: boolean;
  /** Mean log latency of the candidate prefix and of the rest. */
  prefixMeanLog: number;
  restMeanLog: number;
  /** Standard error of the difference and the df of the t test. */
  se: number;
  df: number;
  /** One-sided p-value of "the prefix is slower" (check 1). */
  pValue: number;
  /** Share of the rest's c-sample windows whose mean is at least the prefix's (check 2). */
  windowShare: number;
}

export interface SteadyStateCut {
  /** Samples to discard: MSER-5's cut when both checks reject at level alpha, else 0. */
  truncate: number;
  /** Null when MSER-5 proposes no cut or the rest is too short to test against. */
  tested: SteadyStateTest | null;
}

function logMeans(logs: Float64Array, from: number, to: number, width: number, step: number): Float64Array {
  const count = Math.floor((to - from - width) / step) + 1;
  const means = new Float64Array(Math.max(0, count));
  let sum = 0;
  for (let i = from; i < from + width; i++) sum += logs[i] as number;
  let next = 0;
  for (let start = from; start + width <= to; start++) {
    if ((start - from) % step === 0) means[next++] = sum / width;
    sum += (logs[start + width] ?? 0) - (logs[start] as number);
  }
  return means;
}

function variance(xs: Float64Array): number {
  const m = xs.reduce((a, x) => a + x, 0) / xs.length;
  return xs.reduce((a, x) => a + (x - m) ** 2, 0) / (xs.length - 1);
}

/** Spikes are capped at this many (normal-scaled) MADs above the median before MSER-5 judges the series. */
const SPIKE_CAP_MADS = 5;

/**
 * The series with every value above median + SPIKE_CAP_MADS·MAD (normal-scaled) set to that bound.
 * MSER-5 works on batch means, which a single 3–10× spike (a preemption, a GC) dominates: on
 * stationary AR(1) latencies with 1% of such spikes its minimiser fell in the second half ("no
 * steady state") in 69 of 100 series, and its cut of a 10% step at call 150 was within 25 calls
 * in 5 of 40; capped, 0 of 100 and 28 of 40 (test/stats-steady-state.test.ts). A transient's
 * first calls stay well above the steady values once capped, so it is still cut.
 */
function capSpikes(series: ArrayLike<number>): Float64Array {
  const xs = Float64Array.from(series);
  const sorted = Float64Array.from(xs).sort();
  const median = sorted[sorted.length >> 1] ?? 0;
  const deviations = Float64Array.from(xs, (x) => Math.abs(x - median)).sort();
  const mad = MAD_NORMAL_SCALE * (deviations[deviations.length >> 1] ?? 0);
  if (!(mad > 0)) return xs;
  const cap = median + SPIKE_CAP_MADS * mad;
  return xs.map((x) => Math.min(x, cap));
}

/** MSER-5's cut, kept only when the prefix is detectably slower than the rest (both checks at alpha). */
export function steadyStateCut(series: ArrayLike<number>, alpha = 0.001): SteadyStateCut {
  if (!(alpha > 0 && alpha < 1)) throw new RangeError(`steadyStateCut: alpha must be in (0, 1), got ${alpha}`);
  const n = series.length;
  const logs = Float64Array.from({ length: n }, (_, i) => {
    const x = series[i] as number;
    if (!(x > 0 && x < Infinity)) throw new RangeError(`steadyStateCut: sample ${i} is ${x}, not a positive latency`);
    return Math.log(x);
  });
  const { truncate: c, reliable } = mser5(capSpikes(series));
  // Two rest windows at least, so that their spread says something.
  if (c === 0 || n - c < 2 * c + 1) return { truncate: 0, tested: null };
  let prefix = 0;
  for (let i = 0; i < c; i++) prefix += logs[i] as number;
  const prefixMeanLog = prefix / c;
  let rest = 0;
  for (let i = c; i < n; i++) rest += logs[i] as number;
  const restMeanLog = rest / (n - c);

  const overlapping = logMeans(logs, c, n, c, 1);
  const windowVariance = variance(overlapping);
  const batches = logMeans(logs, c, n, c, c);
  // The rest's mean: K batch means of length c; with fewer than 2 batches, their variance scaled.
  const restVariance = batches.length >= 2 ? variance(batches) / batches.length : windowVariance * (c / (n - c));
  const se = Math.sqrt(windowVariance + restVariance);
  const df = Math.max(1, 1.5 * ((n - c) / c - 1));
  const difference = prefixMeanLog - restMeanLog;
  const pValue = se === 0 ? (difference > 0 ? 0 : 1) : tUpperTail(difference / se, df);
  let atLeast = 0;
  for (const m of overlapping) if (m >= prefixMeanLog) atLeast++;
  const windowShare = atLeast / overlapping.length;
  const tested = { candidate: c, reliable, prefixMeanLog, restMeanLog, se, df, pValue, windowShare };
  return { truncate: pValue < alpha && windowShare < alpha ? c : 0, tested };
}
