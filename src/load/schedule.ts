import { createRng } from "../util/rng.js";

export type Arrival = "fixed" | "poisson";

/**
 * Offsets (ns from the start of the run) at which an open-loop generator sends its requests.
 * fixed: t_i = i / rate. poisson: t_0 = 0, then independent exponential gaps of mean 1 / rate
 * (inverse-CDF draws from the seeded generator, so a seed fixes the schedule). Unbounded: the
 * caller stops pulling.
 */
export function* arrivalOffsetsNs(ratePerS: number, arrival: Arrival, seed: number): Generator<number, never> {
  if (!(ratePerS > 0) || !Number.isFinite(ratePerS)) throw new RangeError(`ratePerS must be a positive number, got ${ratePerS}`);
  const gapNs = 1e9 / ratePerS;
  if (arrival === "fixed") {
    for (let i = 0; ; i++) yield i * gapNs;
  }
  const rng = createRng(seed);
  let t = 0;
  for (;;) {
    yield t;
    // 1 - U is in (0, 1], so the log is finite.
    t += -Math.log(1 - rng.next()) * gapNs;
  }
}

/** A schedule given in full (a trace's offsets, ns, non-decreasing), then +Infinity for ever: the open loop stops there. */
export function* listedOffsetsNs(offsetsNs: ArrayLike<number>): Generator<number, never> {
  for (let i = 0; i < offsetsNs.length; i++) yield offsetsNs[i] as number;
  for (;;) yield Number.POSITIVE_INFINITY;
}
