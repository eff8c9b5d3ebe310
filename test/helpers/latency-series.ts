/**
 * Simulated latency series for the comparison tests: lognormal around a median, optionally
 * autocorrelated (a Gaussian AR(1) in log space) and with rare scheduler stalls.
 */
import type { Rng } from "../../src/util/rng.js";

export interface SeriesSpec {
  n: number;
  /** Median latency, ms. */
  medianMs?: number;
  /** Standard deviation of log latency. */
  sigma?: number;
  /** Lag-1 autocorrelation φ of log latency (AR(1) with stationary start). */
  phi?: number;
  /** Probability that a sample is a stall, multiplied by a factor uniform on [3, 10]. */
  stallRate?: number;
  /** Multiplies every latency: 1.1 is a 10% slowdown. */
  scale?: number;
}

export function latencySeries(rng: Rng, spec: SeriesSpec): Float64Array {
  const { n, medianMs = 10, sigma = 0.3, phi = 0, stallRate = 0, scale = 1 } = spec;
  const innovation = Math.sqrt(1 - phi * phi);
  const xs = new Float64Array(n);
  let e = rng.normal();
  for (let t = 0; t < n; t++) {
    if (t > 0) e = phi * e + innovation * rng.normal();
    let x = scale * medianMs * Math.exp(sigma * e);
    if (stallRate > 0 && rng.next() < stallRate) x *= 3 + 7 * rng.next();
    xs[t] = x;
  }
  return xs;
}
