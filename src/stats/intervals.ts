/** Confidence intervals: distribution-free for quantiles, Student t for the mean. */
import { binomialTails } from "./binomial.js";
import { meanAndStddev } from "./descriptive.js";
import { tQuantile } from "./distributions.js";
import { at, checkProbability, quantile, type SortedSamples } from "./quantile.js";

export interface Interval {
  lo: number;
  hi: number;
}

export interface OrderStatisticRanks {
  /** 1-based rank of the lower endpoint, X_(lower). */
  lower: number;
  /** 1-based rank of the upper endpoint, X_(upper). */
  upper: number;
  /** Exact P(lower <= B < upper): the coverage for any continuous distribution, >= confidence. */
  coverage: number;
}

export function checkConfidence(confidence: number, name: string): void {
  if (!(confidence > 0 && confidence < 1)) {
    throw new RangeError(`${name}: confidence must be in (0, 1), e.g. 0.95; got ${confidence}`);
  }
}

/** Whether ranks 1 and n leave each tail within α/2, i.e. (1-p)^n <= α/2 and p^n <= α/2. */
function bothTailsReachable(n: number, p: number, halfAlpha: number): boolean {
  const limit = Math.log(halfAlpha);
  return n * Math.log1p(-p) <= limit && n * Math.log(p) <= limit;
}

/** Smallest sample size for which `quantileCI(·, p, confidence)` is not null (368 for p99 at 95%). */
export function minSamplesForQuantileCI(p: number, confidence = 0.95): number {
  checkProbability(p, "minSamplesForQuantileCI");
  checkConfidence(confidence, "minSamplesForQuantileCI");
  if (p === 0 || p === 1) return Infinity;
  const halfAlpha = (1 - confidence) / 2;
  const limit = Math.log(halfAlpha);
  let n = Math.max(1, Math.ceil(limit / Math.log(p)), Math.ceil(limit / Math.log1p(-p)));
  // Settle rounding at the boundary with the very predicate orderStatisticRanks uses.
  while (!bothTailsReachable(n, p, halfAlpha)) n++;
  while (n > 1 && bothTailsReachable(n - 1, p, halfAlpha)) n--;
  return n;
}

/** Largest k in [lo, hi] where a true-then-false predicate holds, or lo - 1. */
function lastTrue(lo: number, hi: number, pred: (k: number) => boolean): number {
  let a = lo - 1;
  let b = hi;
  while (a < b) {
    const mid = Math.ceil((a + b) / 2);
    if (pred(mid)) a = mid;
    else b = mid - 1;
  }
  return a;
}

/** Smallest k in [lo, hi] where a false-then-true predicate holds, or hi + 1. */
function firstTrue(lo: number, hi: number, pred: (k: number) => boolean): number {
  return lastTrue(lo, hi, (k) => !pred(k)) + 1;
}

/**
 * Ranks of the distribution-free interval for the p-quantile from n samples (see binomial.ts for
 * why [X_(l), X_(u)] covers ξ_p with probability P(l <= B < u), B ~ Binomial(n, p)).
 *
 * Rule. The textbook equal-tailed choice (Conover §3.2) keeps each miss probability, P(B < l) and
 * P(B >= u), within α/2 separately. Because B is discrete that is conservative, and erratically so:
 * for p = 0.99 its exact coverage swings between 0.95 and 0.98 as n changes (0.976 at n = 1000).
 * We keep the guarantee that matters, total miss <= α, so coverage >= confidence for every n and
 * every continuous distribution, and among such rank pairs take the one whose two tails are
 * closest to α/2 (minimising max |tail - α/2|). That optimum is the textbook pair, or the textbook
 * pair with one endpoint moved one rank inwards and the other moved outwards only as far as the
 * guarantee needs: a tail above α/2 forces the other below it, and moving further only worsens
 * both terms. For n from 20 to 3000, the mean exact coverage of 95% intervals is then 0.954 (p50,
 * where the two rules coincide by symmetry), 0.953 (p90) and 0.958 (p99), against 0.954, 0.956
 * and 0.964 for the textbook rule; at small n discreteness still allows up to ~0.98.
 * Interpolating between order statistics (Hettmansperger & Sheather 1986; Nyblom 1992) would sit
 * closer to 0.95 on average but gives up the guarantee, and the adaptive stopping rule should not
 * stop on an interval that is too short.
 *
 * Returns null when n is too small for both tails (p^n > α/2 or (1-p)^n > α/2).
 */
export function orderStatisticRanks(n: number, p: number, confidence = 0.95): OrderStatisticRanks | null {
  checkProbability(p, "orderStatisticRanks");
  checkConfidence(confidence, "orderStatisticRanks");
  if (!(Number.isInteger(n) && n >= 1)) {
    throw new RangeError(`orderStatisticRanks: n must be a positive integer, got ${n}`);
  }
  const alpha = 1 - confidence;
  const halfAlpha = alpha / 2;
  if (p === 0 || p === 1 || !bothTailsReachable(n, p, halfAlpha)) return null;

  const tails = binomialTails(n, p);
  const lowerMiss = (l: number): number => tails.cdf(l - 1); // P(B < l)
  const upperMiss = (u: number): number => tails.upper(u); // P(B >= u)
  // Textbook ranks: the largest l and the smallest u that keep each tail within α/2.
  const l0 = Math.max(1, firstTrue(1, n, (l) => lowerMiss(l) > halfAlpha) - 1);
  const u0 = Math.min(
    n,
    firstTrue(1, n, (u) => upperMiss(u) <= halfAlpha),
  );
  const candidates: [number, number][] = [[l0, u0]];
  // Upper endpoint one rank in; lower endpoint as high as the total miss <= α allows.
  const lowered = lastTrue(1, l0, (l) => lowerMiss(l) + upperMiss(u0 - 1) <= alpha);
  if (lowered >= 1 && lowered < u0 - 1) candidates.push([lowered, u0 - 1]);
  // Lower endpoint one rank in; upper endpoint as low as the total allows.
  const raised = firstTrue(u0, n, (u) => lowerMiss(l0 + 1) + upperMiss(u) <= alpha);
  if (raised <= n && l0 + 1 < raised) candidates.push([l0 + 1, raised]);

  let best: OrderStatisticRanks | null = null;
  let bestScore = Infinity;
  for (const [l, u] of candidates) {
    const lm = lowerMiss(l);
    const um = upperMiss(u);
    const score = Math.max(Math.abs(lm - halfAlpha), Math.abs(um - halfAlpha));
    // Strictly better by more than rounding: ties go to the earlier candidate, the textbook pair
    // first, then the one that pulls in the upper endpoint (narrower for right-skewed latencies).
    if (score < bestScore - 1e-12) {
      best = { lower: l, upper: u, coverage: 1 - lm - um };
      bestScore = score;
    }
  }
  return best;
}

/**
 * Distribution-free confidence interval for the p-quantile: [X_(l), X_(u)] with the ranks of
 * `orderStatisticRanks`. Null when n is too small for the requested two-sided confidence (e.g.
 * p = 0.99 at 95% needs n >= 368; see `minSamplesForQuantileCI`).
 */
export function quantileCI(sorted: SortedSamples, p: number, confidence = 0.95): Interval | null {
  const ranks = orderStatisticRanks(sorted.length, p, confidence);
  if (ranks === null) return null;
  return { lo: at(sorted, ranks.lower - 1), hi: at(sorted, ranks.upper - 1) };
}

/** Student t interval for the mean: x̄ ± t_{1-α/2, n-1} · s/√n. Null when n < 2. */
export function meanCI(xs: ArrayLike<number>, confidence = 0.95): Interval | null {
  checkConfidence(confidence, "meanCI");
  if (xs.length < 2) return null;
  const { mean, stddev } = meanAndStddev(xs);
  const half = tQuantile(1 - (1 - confidence) / 2, xs.length - 1) * (stddev / Math.sqrt(xs.length));
  return { lo: mean - half, hi: mean + half };
}

/**
 * Relative half-width of the p-quantile's interval, (hi - lo) / 2 / |value|, for the adaptive
 * stopping rule. Infinity when there is no interval yet (or the estimate is 0 with a wide one).
 */
export function relativeHalfWidth(sorted: SortedSamples, p: number, confidence = 0.95): number {
  const ci = quantileCI(sorted, p, confidence);
  if (ci === null) return Infinity;
  const halfWidth = (ci.hi - ci.lo) / 2;
  if (halfWidth === 0) return 0;
  return halfWidth / Math.abs(quantile(sorted, p));
}
