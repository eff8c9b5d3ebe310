/** The regression decision for one comparison (DESIGN.md, "verdict"). */

export type Verdict = "regression" | "improvement" | "unchanged" | "inconclusive";

export interface VerdictInput {
  /** Confidence interval of the relative change (head / base − 1, or its throughput analogue). */
  ci: readonly [number, number];
  /** Holm-adjusted p-value over every comparison of the run. */
  pAdjusted: number;
  /** Practical threshold, relative (0.05 = 5%), >= 0. */
  threshold: number;
  alpha: number;
  /** True for throughput, where the change is negative when it gets worse. */
  higherIsBetter: boolean;
}

/**
 * - `regression` / `improvement`: significant after Holm (pAdjusted < alpha) AND the whole
 *   interval lies beyond the threshold, in the bad / good direction. Requiring the interval (not
 *   just the estimate) past the threshold is a test against a minimum effect of practical size
 *   (the "two one-sided tests" logic of Schuirmann 1987, turned around): noise near the threshold
 *   cannot trigger it.
 * - `unchanged`: the whole interval lies within [−threshold, +threshold] (an equivalence claim),
 *   whether or not a smaller change is significant.
 * - `inconclusive`: anything else; more samples would settle it.
 */
export function decideVerdict(input: VerdictInput): Verdict {
  const { pAdjusted, threshold, alpha, higherIsBetter } = input;
  const [lo, hi] = input.ci;
  const up = lo > threshold;
  const down = hi < -threshold;
  if (pAdjusted < alpha && (up || down)) {
    const worse = higherIsBetter ? down : up;
    return worse ? "regression" : "improvement";
  }
  if (lo >= -threshold && hi <= threshold) return "unchanged";
  return "inconclusive";
}
