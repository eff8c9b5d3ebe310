/** The regression decision for one comparison (DESIGN.md, "verdict"). */

export type Verdict = "regression" | "improvement" | "unchanged" | "inconclusive";

export interface VerdictInput {
  /** The estimated relative change (head / base − 1, or its throughput analogue). */
  change: number;
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
 * - `regression` / `improvement`: significant after Holm (pAdjusted < alpha) AND the estimated
 *   change is larger than the practical threshold, in the bad / good direction (DESIGN.md's rule;
 *   asv's is the same shape: ≥ 10% and p < 0.002). Holm over every comparison of the run keeps the
 *   A/A false alarms rare; the threshold keeps a significant but negligible change from failing a
 *   gate. Requiring the whole interval past the threshold instead was measured to cost about 1.7
 *   standard errors of sensitivity (p50 power for a +10% shift at 5 trials: 62% against 93%) with
 *   no fewer A/A false alarms (test/stats-trials-gate.test.ts, docs/STATISTICS.md).
 * - `unchanged`: the whole interval lies within [−threshold, +threshold] (an equivalence claim),
 *   whether or not a smaller change is significant.
 * - `inconclusive`: anything else; more trials would settle it.
 */
export function decideVerdict(input: VerdictInput): Verdict {
  const { pAdjusted, threshold, alpha, higherIsBetter, change } = input;
  const [lo, hi] = input.ci;
  if (pAdjusted < alpha && Math.abs(change) > threshold) {
    const worse = higherIsBetter ? change < 0 : change > 0;
    return worse ? "regression" : "improvement";
  }
  if (lo >= -threshold && hi <= threshold) return "unchanged";
  return "inconclusive";
}
