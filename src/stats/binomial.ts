/**
 * Binomial probabilities, for the distribution-free quantile intervals in intervals.ts.
 *
 * If B ~ Binomial(n, p) counts the samples below the true p-quantile ξ_p of a continuous
 * distribution, then X_(l) <= ξ_p <= X_(u) exactly when l <= B < u, so [X_(l), X_(u)] covers ξ_p
 * with probability P(l <= B <= u - 1), whatever the distribution (Conover, "Practical
 * Nonparametric Statistics", 3rd ed. §3.2; Hahn & Meeker, "Statistical Intervals", 1991, ch. 5).
 */
import { normalQuantile } from "./distributions.js";
import { LN_SQRT_2PI, logGamma } from "./special.js";

/** Stirling's error ln n! - ln(√(2πn) (n/e)^n); the series for n > 15 is Loader's. */
function stirlingError(n: number): number {
  if (n <= 15) return logGamma(n + 1) - (n + 0.5) * Math.log(n) + n - LN_SQRT_2PI;
  const nn = n * n;
  const s0 = 1 / 12;
  const s1 = 1 / 360;
  const s2 = 1 / 1260;
  const s3 = 1 / 1680;
  const s4 = 1 / 1188;
  if (n > 500) return (s0 - s1 / nn) / n;
  if (n > 80) return (s0 - (s1 - s2 / nn) / nn) / n;
  if (n > 35) return (s0 - (s1 - (s2 - s3 / nn) / nn) / nn) / n;
  return (s0 - (s1 - (s2 - (s3 - s4 / nn) / nn) / nn) / nn) / n;
}

/** Deviance term x ln(x/np) + np - x, by a series where it would cancel (Loader 2000). */
function deviance(x: number, np: number): number {
  if (Math.abs(x - np) < 0.1 * (x + np)) {
    let v = (x - np) / (x + np);
    let sum = (x - np) * v;
    let term = 2 * x * v;
    v *= v;
    for (let j = 1; j < 1000; j++) {
      term *= v;
      const next = sum + term / (2 * j + 1);
      if (next === sum) return next;
      sum = next;
    }
    return sum;
  }
  return x * Math.log(x / np) + np - x;
}

/**
 * ln P(B = k) for B ~ Binomial(n, p), 0 < p < 1, by Loader's saddle-point form (C. Loader,
 * "Fast and Accurate Computation of Binomial Probabilities", 2000; R's dbinom). Unlike a
 * difference of log-gammas it keeps full relative precision for n in the millions.
 */
export function binomialLogPmf(k: number, n: number, p: number): number {
  if (k === 0) return n * Math.log1p(-p);
  if (k === n) return n * Math.log(p);
  const q = 1 - p;
  const lc = stirlingError(n) - stirlingError(k) - stirlingError(n - k) - deviance(k, n * p) - deviance(n - k, n * q);
  return lc - LN_SQRT_2PI - 0.5 * (Math.log(k) + Math.log1p(-k / n));
}

// Terms below this are dropped: the pmf decays at least geometrically away from the mode, so the
// neglected mass is ~1e-20 · (a few sd), far below any tail probability we compare against.
const NEGLIGIBLE = 1e-22;

/** Both tails of Binomial(n, p), summed over the window around the mode where the mass is. */
export interface BinomialTails {
  /** P(B <= k) */
  cdf(k: number): number;
  /** P(B >= k) */
  upper(k: number): number;
}

/**
 * Walks the pmf outwards from the mode by the ratio recurrence P(k+1)/P(k) = (n-k)p / ((k+1)q),
 * so the cost is O(√(npq)) terms rather than O(n). Each tail is summed from its far end inwards
 * (small terms first), so a tail probability keeps its relative precision instead of being
 * computed as 1 minus something close to 1.
 */
export function binomialTails(n: number, p: number): BinomialTails {
  const q = 1 - p;
  const mode = Math.min(n, Math.floor((n + 1) * p));
  const atMode = Math.exp(binomialLogPmf(mode, n, p));
  const down: number[] = []; // pmf(mode - 1), pmf(mode - 2), ...
  for (let k = mode, pk = atMode; k > 0 && pk > NEGLIGIBLE; k--) {
    pk *= (k * q) / ((n - k + 1) * p);
    down.push(pk);
  }
  const up: number[] = []; // pmf(mode + 1), pmf(mode + 2), ...
  for (let k = mode, pk = atMode; k < n && pk > NEGLIGIBLE; k++) {
    pk *= ((n - k) * p) / ((k + 1) * q);
    up.push(pk);
  }
  const lo = mode - down.length;
  const hi = mode + up.length;
  const pmf = new Float64Array(hi - lo + 1);
  down.forEach((v, i) => {
    pmf[mode - 1 - i - lo] = v;
  });
  pmf[mode - lo] = atMode;
  up.forEach((v, i) => {
    pmf[mode + 1 + i - lo] = v;
  });
  const below = new Float64Array(pmf.length); // below[i] = P(lo <= B <= lo + i)
  const above = new Float64Array(pmf.length); // above[i] = P(lo + i <= B <= hi)
  let acc = 0;
  for (let i = 0; i < pmf.length; i++) below[i] = acc += pmf[i] ?? 0;
  acc = 0;
  for (let i = pmf.length - 1; i >= 0; i--) above[i] = acc += pmf[i] ?? 0;
  return {
    cdf: (k) => (k < lo ? 0 : k >= hi ? 1 : (below[k - lo] ?? 0)),
    upper: (k) => (k <= lo ? 1 : k > hi ? 0 : (above[k - lo] ?? 0)),
  };
}

/**
 * Wilson's score interval for a proportion k/n (E. B. Wilson, "Probable inference, the law of
 * succession, and statistical inference", JASA 22, 1927): the p whose score test at level
 * 1 − confidence does not reject, (k + z²/2 ± z·sqrt(k(n − k)/n + z²/4)) / (n + z²). Unlike
 * the Wald interval it stays inside [0, 1] and is not empty at k = 0 or k = n.
 */
export function wilsonInterval(k: number, n: number, confidence = 0.95): [number, number] {
  if (!(Number.isInteger(n) && n > 0)) throw new RangeError(`wilsonInterval: n must be a positive integer, got ${n}`);
  if (!(Number.isInteger(k) && k >= 0 && k <= n)) throw new RangeError(`wilsonInterval: k must be an integer in [0, n], got ${k}`);
  const z = normalQuantile(1 - (1 - confidence) / 2);
  const z2 = z * z;
  const centre = k + z2 / 2;
  const half = z * Math.sqrt((k * (n - k)) / n + z2 / 4);
  return [Math.max(0, (centre - half) / (n + z2)), Math.min(1, (centre + half) / (n + z2))];
}
