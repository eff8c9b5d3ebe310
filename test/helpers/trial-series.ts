/**
 * Simulated trials for the trial-level statistics: each trial is an independent series of n
 * latencies (one process), multiplied by that process's offset exp(N(0, offsetSd²)). Four
 * within-trial processes, all lognormal noise σ around a median:
 * - "iid": independent;
 * - "ar1": Gaussian AR(1) in log space, φ = 0.9, stationary start;
 * - "regime": a sticky two-level regime (levels 1 and 1.3, stay probability 0.995 in each);
 * - "asymmetric": fast level 1 (stay 0.998) and slow level 1.5 (stay 0.98).
 * Regimes start from their stationary distribution, so no series has a warm-up.
 */
import { quantile, sortSamples } from "../../src/stats/quantile.js";
import { createRng, type Rng } from "../../src/util/rng.js";

export const TRIAL_PROCESSES = ["iid", "ar1", "regime", "asymmetric"] as const;
export type TrialProcess = (typeof TRIAL_PROCESSES)[number];

export interface TrialSpec {
  process: TrialProcess;
  n: number;
  /** Standard deviation of the per-trial log offset; default 0.03. */
  offsetSd?: number;
  /** Standard deviation of log latency within a regime; default 0.2. */
  sigma?: number;
  /** Median latency of the fast level, ms; default 10. */
  medianMs?: number;
}

/** [level, stay probability] of the two states of each regime process. */
const REGIMES = {
  regime: [
    [1, 0.995],
    [1.3, 0.995],
  ],
  asymmetric: [
    [1, 0.998],
    [1.5, 0.98],
  ],
} as const;

/** One trial's latencies (ms), its offset included. */
export function trialSeries(rng: Rng, spec: TrialSpec): Float64Array {
  const { process, n, offsetSd = 0.03, sigma = 0.2, medianMs = 10 } = spec;
  const xs = new Float64Array(n);
  const scale = medianMs * Math.exp(offsetSd * rng.normal());
  if (process === "iid" || process === "ar1") {
    const phi = process === "ar1" ? 0.9 : 0;
    const innovation = Math.sqrt(1 - phi * phi);
    let e = rng.normal();
    for (let t = 0; t < n; t++) {
      if (t > 0) e = phi * e + innovation * rng.normal();
      xs[t] = scale * Math.exp(sigma * e);
    }
    return xs;
  }
  const [[fast, stayFast], [slow, staySlow]] = REGIMES[process];
  // Stationary start: P(slow) = (1 − stayFast) / ((1 − stayFast) + (1 − staySlow)).
  let isSlow = rng.next() < (1 - stayFast) / (2 - stayFast - staySlow);
  for (let t = 0; t < n; t++) {
    if (t > 0 && rng.next() >= (isSlow ? staySlow : stayFast)) isSlow = !isSlow;
    xs[t] = scale * (isSlow ? slow : fast) * Math.exp(sigma * rng.normal());
  }
  return xs;
}

/**
 * What a simulation needs of one trial: its type-7 p50, p90, p99, mean, and the sum of the samples
 * above its p95, so that a shift of the upper tail alone (every sample above p95 times f) is
 * exact: p99 × f, mean + (f − 1)·tailSum/n, p50 and p90 unchanged.
 */
export interface TrialSummary {
  p50: number;
  p90: number;
  p99: number;
  mean: number;
  tailSum: number;
  n: number;
}

export function summarizeTrial(xs: Float64Array): TrialSummary {
  const sorted = sortSamples(xs);
  const p95 = quantile(sorted, 0.95);
  let sum = 0;
  let tailSum = 0;
  for (const x of sorted) {
    sum += x;
    if (x > p95) tailSum += x;
  }
  return { p50: quantile(sorted, 0.5), p90: quantile(sorted, 0.9), p99: quantile(sorted, 0.99), mean: sum / xs.length, tailSum, n: xs.length };
}

/** `count` independent trials' summaries from one seed. */
export function trialPool(spec: TrialSpec, count: number, seed: number): TrialSummary[] {
  const rng = createRng(seed);
  return Array.from({ length: count }, () => summarizeTrial(trialSeries(rng, spec)));
}
