/**
 * Whether a percentile is within a threshold, decided from counts with a stated confidence, not
 * from a point estimate: MLPerf LoadGen's early-stopping criterion (the "Early Stopping" section
 * of the MLPerf inference rules; LoadGen's early_stopping.cc), in both directions.
 *
 * Of n requests, k did not meet the threshold ("overlatency"). The p-quantile is within the
 * threshold exactly when the share of requests beyond it, θ, is at most 1 − p. With
 * K ~ Binomial(n, 1 − p) (θ at the edge):
 * - pass when P(K <= k) <= 1 − confidence: so few late requests would be unlikely if θ were
 *   as large as 1 − p (LoadGen: p99 at 99% with no late request needs n >= 459);
 * - fail when P(K >= k) <= 1 − confidence: so many would be unlikely if θ were only 1 − p;
 * - undecided otherwise: too few requests to tell, or the true percentile near the threshold.
 * The two cannot both hold, since P(K <= k) + P(K >= k) >= 1.
 */
import { binomialTails } from "./binomial.js";

export type PercentileVerdict = "pass" | "fail" | "undecided";

export interface PercentileTest {
  verdict: PercentileVerdict;
  /** Requests judged. */
  n: number;
  /** Of them, those that did not meet the threshold. */
  over: number;
  /** P(K <= over) under θ = 1 − p: below 1 − confidence, the percentile passes. */
  pPass: number;
  /** P(K >= over) under θ = 1 − p: below 1 − confidence, it fails. */
  pFail: number;
}

function check(probability: number, confidence: number): void {
  if (!(probability > 0 && probability < 1)) throw new RangeError(`probability must be in (0, 1), got ${probability}`);
  if (!(confidence > 0 && confidence < 1)) throw new RangeError(`confidence must be in (0, 1), got ${confidence}`);
}

export function testPercentile(n: number, over: number, probability: number, confidence: number): PercentileTest {
  check(probability, confidence);
  if (!(Number.isInteger(n) && n >= 0 && Number.isInteger(over) && over >= 0 && over <= n)) {
    throw new RangeError(`testPercentile: need whole numbers 0 <= over <= n, got over ${over} of ${n}`);
  }
  if (n === 0) return { verdict: "undecided", n, over, pPass: 1, pFail: 1 };
  const tails = binomialTails(n, 1 - probability);
  const pPass = tails.cdf(over);
  const pFail = tails.upper(over);
  const alpha = 1 - confidence;
  const verdict = pPass <= alpha ? "pass" : pFail <= alpha ? "fail" : "undecided";
  return { verdict, n, over, pPass, pFail };
}

/** The fewest requests that can pass the test: all of them within the threshold, p^n <= 1 − confidence. */
export function minRequestsToPass(probability: number, confidence: number): number {
  check(probability, confidence);
  // A little below 1 so that rounding in the logs cannot ask for one request more than needed.
  return Math.ceil(Math.log(1 - confidence) / Math.log(probability) - 1e-9);
}
