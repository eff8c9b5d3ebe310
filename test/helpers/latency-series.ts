/**
 * Simulated series for the statistics tests: Gaussian AR(1) processes, and lognormal latencies
 * around a median, optionally autocorrelated (a Gaussian AR(1) in log space) and with rare
 * scheduler stalls. Each generator's order of draws is part of its contract: tests pin counts
 * that depend on it.
 */
import type { Rng } from "../../src/util/rng.js";

/**
 * Gaussian AR(1) x_t = φ x_{t−1} + ε_t, ε_t ~ N(0, 1), so Var x_t = 1/(1 − φ²) and the
 * integrated autocorrelation time is (1 + φ)/(1 − φ). Started in its stationary distribution one
 * step before x_0: n + 1 normal draws.
 */
export function ar1(rng: Rng, n: number, phi: number): Float64Array {
  const xs = new Float64Array(n);
  let v = rng.normal() / Math.sqrt(1 - phi * phi);
  for (let i = 0; i < n; i++) xs[i] = v = phi * v + rng.normal();
  return xs;
}

/**
 * The AR(1) with unit variance, e_t = φ e_{t−1} + √(1 − φ²) ε_t, e_0 ~ N(0, 1): each call returns
 * the next e_t and makes one normal draw, so other draws can be interleaved.
 */
export function unitAr1(rng: Rng, phi: number): () => number {
  const innovation = Math.sqrt(1 - phi * phi);
  let e: number | undefined;
  return () => (e = e === undefined ? rng.normal() : phi * e + innovation * rng.normal());
}

export interface SeriesSpec {
  n: number;
  /** Median latency, ms. */
  medianMs?: number;
  /** Standard deviation of log latency. */
  sigma?: number;
  /** Lag-1 autocorrelation φ of log latency (`unitAr1`, stationary start). */
  phi?: number;
  /** Probability that a sample is a stall, multiplied by a factor uniform on [3, 10]. */
  stallRate?: number;
  /** Multiplies every latency: 1.1 is a 10% slowdown. */
  scale?: number;
}

export function latencySeries(rng: Rng, spec: SeriesSpec): Float64Array {
  const { n, medianMs = 10, sigma = 0.3, phi = 0, stallRate = 0, scale = 1 } = spec;
  const logNoise = unitAr1(rng, phi);
  const xs = new Float64Array(n);
  for (let t = 0; t < n; t++) {
    let x = scale * medianMs * Math.exp(sigma * logNoise());
    if (stallRate > 0 && rng.next() < stallRate) x *= 3 + 7 * rng.next();
    xs[t] = x;
  }
  return xs;
}
