/**
 * Coverage of the 95% interval of the p50 change (circular block bootstrap, Politis–White block
 * length, first-order variance correction, percentile interval of the log ratio): 400 trials of
 * head = base × 1.10, so the true change is exactly +10%; lognormal latencies (σ = 0.3), B = 500;
 * seeds fixed, so deterministic.
 *
 * Measured: 384/400 (96.0%) independent at n = 1000; 382/400 (95.5%) AR(1) φ = 0.5 at n = 1000;
 * 380/400 (95.0%) AR(1) at n = 2000 (binomial standard error ≈ 1.1 points). Without the variance
 * correction the AR(1) rows came out 1–2 points short (377 and 374), as the block bootstrap is
 * known to (its variance is biased down by O(1/ℓ) + O(ℓ/n); Lahiri, "Resampling Methods for
 * Dependent Data", 2003, ch. 3); longer blocks than Politis–White's did not help (×1.5–×3 gave
 * 92–94% at n = 1000). The band asserted is 92–97.5%.
 */
import { describe, expect, it } from "vitest";
import { compareCells } from "../src/stats/compare.js";
import { createRng, deriveSeed } from "../src/util/rng.js";
import { latencySeries, type SeriesSpec } from "./helpers/latency-series.js";

const TRIALS = 400;

function covered(label: string, spec: SeriesSpec): number {
  const rng = createRng(deriveSeed(31, label));
  let count = 0;
  for (let i = 0; i < TRIALS; i++) {
    const base = latencySeries(rng, spec);
    const head = latencySeries(rng, { ...spec, scale: 1.1 });
    const [row] = compareCells([{ cell: label, base, head }], { metrics: ["p50"], resamples: 500, seed: i });
    if (row !== undefined && row.ci[0] <= 0.1 && 0.1 <= row.ci[1]) count++;
  }
  return count;
}

describe("coverage of the 95% interval of the p50 change", () => {
  const variants: [string, SeriesSpec][] = [
    ["independent, n = 1000", { n: 1000 }],
    ["AR(1) φ = 0.5, n = 1000", { n: 1000, phi: 0.5 }],
    ["AR(1) φ = 0.5, n = 2000", { n: 2000, phi: 0.5 }],
  ];
  for (const [label, spec] of variants) {
    it(`${label}: 92–97.5% of ${TRIALS} intervals contain the true +10%`, () => {
      const count = covered(label, spec);
      expect(count).toBeGreaterThanOrEqual(0.92 * TRIALS);
      expect(count).toBeLessThanOrEqual(0.975 * TRIALS);
    });
  }
});
