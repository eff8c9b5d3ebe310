/**
 * Gate simulations from a pool of simulated trials (trial-series.ts). A simulated run draws each
 * cell's trials with replacement from a pool of offset-free trial summaries and multiplies each
 * trial by its own process offset exp(N(0, offsetSd²)); in a paired (one-run A/B) comparison,
 * trial k of base and head share that offset, as two variants measured in one process do. Drawing
 * from a pool of 10,000–20,000 trials stands for drawing from the process itself (repeats are rare and
 * the pool's distribution is the process's up to Monte Carlo error), at a fraction of the cost.
 */
import { compareTrialCells, type TrialComparisons } from "../../src/stats/compare-trials.js";
import type { TrialStatistics } from "../../src/stats/trials.js";
import type { Rng } from "../../src/util/rng.js";
import type { TrialSummary } from "./trial-series.js";

/** A change applied to one side: every latency × factor, or only those above each trial's p95. */
export interface Shift {
  kind: "all" | "tail";
  factor: number;
}

export function trialStats(summary: TrialSummary, offset: number, shift?: Shift): TrialStatistics {
  let { p50, p90, p99, mean } = summary;
  if (shift?.kind === "all") {
    p50 *= shift.factor;
    p90 *= shift.factor;
    p99 *= shift.factor;
    mean *= shift.factor;
  } else if (shift?.kind === "tail") {
    // p99 lies above p95 (n >= 100), so type 7 interpolates between two shifted samples.
    p99 *= shift.factor;
    mean += ((shift.factor - 1) * summary.tailSum) / summary.n;
  }
  return { p50: p50 * offset, p90: p90 * offset, p99: p99 * offset, mean: mean * offset, throughput: 1000 / (mean * offset) };
}

export interface GateSpec {
  cells: number;
  trials: number;
  paired: boolean;
  offsetSd?: number;
  /** Applied to the head side of the first `shiftedCells` cells. */
  shift?: Shift;
  shiftedCells?: number;
}

/** One gate: base and head runs of `cells` cells, compared on all five metrics with Holm. */
export function simulateGate(pool: readonly TrialSummary[], rng: Rng, spec: GateSpec): TrialComparisons {
  const { cells, trials, paired, offsetSd = 0.03, shift, shiftedCells = 1 } = spec;
  const draw = (): TrialSummary => pool[rng.int(0, pool.length)] as TrialSummary;
  const offset = (): number => Math.exp(offsetSd * rng.normal());
  const pairs = Array.from({ length: cells }, (_, c) => {
    const headShift = c < shiftedCells ? shift : undefined;
    const base: TrialStatistics[] = [];
    const head: TrialStatistics[] = [];
    for (let k = 0; k < trials; k++) {
      const o = offset();
      base.push(trialStats(draw(), o));
      head.push(trialStats(draw(), paired ? o : offset(), headShift));
    }
    return { cell: `cell${c}`, base, head };
  });
  return compareTrialCells(pairs, { paired });
}
