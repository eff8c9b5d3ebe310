/**
 * Student's t distribution function, for p-values of t statistics with non-integer degrees of
 * freedom (Welch, moderated t). distributions.ts has the inverse; this is its forward half.
 */
import { normalUpperTail } from "./normal-tail.js";
import { regularizedBeta } from "./special.js";

/**
 * P(T > t) for Student's t with `df` > 0 degrees of freedom (Infinity: the normal), by
 * P(|T| > t) = I_{ν/(ν+t²)}(ν/2, ½) (Abramowitz & Stegun 26.7.1 with 26.5.27).
 */
export function tUpperTail(t: number, df: number): number {
  if (!(df > 0)) throw new RangeError(`tUpperTail: df must be > 0, got ${df}`);
  if (Number.isNaN(t)) return NaN;
  if (df === Infinity) return normalUpperTail(t);
  if (t < 0) return 1 - tUpperTail(-t, df);
  if (t === Infinity) return 0;
  const t2 = t * t;
  return 0.5 * regularizedBeta(df / (df + t2), df / 2, 0.5, t2 / (df + t2));
}

/** Two-sided p-value of a t statistic: P(|T| >= |t|). */
export function tTwoSidedPValue(t: number, df: number): number {
  return Math.min(1, 2 * tUpperTail(Math.abs(t), df));
}
