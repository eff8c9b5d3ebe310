/** Interval and p-value from bootstrap replicates of a log ratio. */
import { quantileSorted } from "simple-statistics";
import { median } from "./descriptive.js";
import { normalQuantile } from "./distributions.js";
import { normalUpperTail } from "./normal-tail.js";

/**
 * ln of each replicate, spread about their median by 1/√(1 − varianceBias): the first-order
 * correction of the block bootstrap's variance shortfall (BlockBootstrap.varianceBias). It keeps
 * the shape of the bootstrap distribution and changes only its scale; in simulations it brings
 * the coverage of 95% intervals under AR(1) from 93–94% to 95% (φ = 0.8, n = 1000) and leaves
 * independent series alone.
 */
export function logReplicates(replicates: Float64Array, varianceBias: number): Float64Array {
  const logs = replicates.map((x) => Math.log(x));
  if (!(varianceBias > 0)) return logs;
  const centre = median(logs);
  const spread = 1 / Math.sqrt(1 - varianceBias);
  for (let i = 0; i < logs.length; i++) logs[i] = centre + ((logs[i] as number) - centre) * spread;
  return logs;
}

/**
 * Percentile interval (Efron & Tibshirani, "An Introduction to the Bootstrap", 1993, §13.3): the
 * (1 − c)/2 and (1 + c)/2 type-7 quantiles of the replicates. Sorts `replicates` in place.
 * Percentile intervals respect monotone transformations, so the interval of the log ratio maps
 * exactly onto the interval of the relative change by exp(·) − 1. Not BCa: its acceleration
 * constant comes from a jackknife, which serial dependence would bias as well.
 */
export function percentileInterval(replicates: Float64Array, confidence: number): [number, number] {
  const sorted = Array.from(replicates.sort());
  return [quantileSorted(sorted, (1 - confidence) / 2), quantileSorted(sorted, (1 + confidence) / 2)];
}

/**
 * Two-sided p-value for "log ratio = 0" from its percentile interval [lo, hi] at `confidence`:
 * the bootstrap distribution is summarised by a normal with centre (lo + hi)/2 and standard
 * deviation (hi − lo)/(2 z), z = Φ⁻¹((1 + c)/2), and p = 2 Q(|centre| / sd). So p < 1 − c exactly
 * when the interval excludes 0, and p is the smallest α at which a (normal-shaped) interval of
 * level 1 − α would. Counting replicates beyond 0 instead cannot go below ~2/B, which is too
 * coarse for Holm's correction over a few hundred comparisons (it needs p < α/m).
 */
export function bootstrapPValue(interval: readonly [number, number], confidence: number): number {
  const [lo, hi] = interval;
  const centre = (lo + hi) / 2;
  const sd = (hi - lo) / (2 * normalQuantile((1 + confidence) / 2));
  if (!(sd > 0)) return centre === 0 ? 1 : 0;
  return Math.min(1, 2 * normalUpperTail(Math.abs(centre) / sd));
}
