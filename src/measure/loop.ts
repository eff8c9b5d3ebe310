import type { MeasurePlan } from "../suite/resolve.js";
import { relativeHalfWidth, sortSamples } from "../stats/index.js";
import { type Clock, monotonicClock } from "./clock.js";

export type StopReason = "converged" | "max-iterations" | "max-time" | "interrupted";

export interface Measurement {
  /** Latency of the first call on a fresh session (cold start), ns. Not part of `latenciesNs`. */
  firstCallNs: number;
  warmupIterations: number;
  /** Steady-state latencies in measurement order, ns. */
  latenciesNs: Float64Array;
  /** Wall time of the timed phase, ns (sum of latencies plus the loop's own overhead). */
  elapsedNs: number;
  stopReason: StopReason;
  /** Relative half-width of the headline statistic's 95% interval when the loop stopped. */
  relativeCI: number;
}

export interface LoopOptions {
  clock?: Clock;
  /** Checked between iterations; when it returns true the loop stops with 'interrupted'. */
  interrupted?: () => boolean;
}

const HEADLINE_P = { p50: 0.5, p90: 0.9, p95: 0.95, p99: 0.99 } as const;

/** How much the sample must grow between convergence checks: keeps the sorting cost O(n log n) overall. */
const CHECK_GROWTH = 1.1;

/**
 * Cold start, warm-up, then the timed loop with adaptive stopping: stop as soon as the 95%
 * interval of the headline percentile is narrower than the target (after the minimum iterations
 * and time), or at the maximum iterations or time. Between two clock reads there is only the call.
 */
export async function measure(
  call: () => Promise<unknown>,
  plan: MeasurePlan,
  options: LoopOptions = {},
): Promise<Measurement> {
  const now = options.clock ?? monotonicClock;
  const interrupted = options.interrupted ?? (() => false);
  const p = HEADLINE_P[plan.headline];

  let t0 = now();
  await call();
  const firstCallNs = Number(now() - t0);

  let warmup = 0;
  while (warmup < plan.warmupIterations && !interrupted()) {
    await call();
    warmup++;
  }

  const latencies = new Float64Array(plan.maxIterations);
  const minTimeNs = plan.minTimeMs * 1e6;
  const maxTimeNs = plan.maxTimeMs * 1e6;
  let n = 0;
  let nextCheck = plan.minIterations;
  let relativeCI = Number.POSITIVE_INFINITY;
  let stopReason: StopReason = "max-iterations";
  const started = now();
  for (;;) {
    if (interrupted()) {
      stopReason = "interrupted";
      break;
    }
    t0 = now();
    await call();
    const t1 = now();
    latencies[n++] = Number(t1 - t0);

    const elapsedNs = Number(t1 - started);
    if (n >= nextCheck && elapsedNs >= minTimeNs) {
      relativeCI = relativeHalfWidth(sortSamples(latencies.subarray(0, n)), p);
      if (relativeCI <= plan.targetRelativeCI) {
        stopReason = "converged";
        break;
      }
      nextCheck = Math.ceil(n * CHECK_GROWTH);
    }
    if (n >= plan.maxIterations) {
      stopReason = "max-iterations";
      break;
    }
    if (elapsedNs >= maxTimeNs) {
      stopReason = "max-time";
      break;
    }
  }
  const elapsedNs = Number(now() - started);
  const latenciesNs = latencies.slice(0, n);
  if (stopReason !== "converged" && n > 0) relativeCI = relativeHalfWidth(sortSamples(latenciesNs), p);
  return { firstCallNs, warmupIterations: warmup, latenciesNs, elapsedNs, stopReason, relativeCI };
}
