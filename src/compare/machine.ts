import type { CellResult } from "../results.js";
import type { Side } from "./side.js";

/**
 * The machine as a cell: a fixed CPU-bound canary is measured in every trial beside the real
 * cells (run.trials.canaryMs, its median over the trials). Steal time and a throttled clock are
 * invisible on many VMs, but they slow the canary as much as the cells.
 */

/** Two runs whose median canaries differ by more than this ran on a machine that was not the same. */
export const CANARY_LIMIT = 0.1;

export interface CanaryCheck {
  /** Median canary of each run, ms; null for a run stored before trials. */
  base: number | null;
  head: number | null;
  /** head / base − 1; null when a side has no canary. */
  change: number | null;
  /**
   * Across runs: the canaries differ by more than 10%. Inside one run: a trial of the run was
   * disturbed (its canary moved from the run's median). A disturbed comparison never passes as clean.
   */
  disturbed: boolean;
}

/** How many trials a side was measured in, and how many of them were disturbed. */
export interface TrialCount {
  count: number;
  disturbed: number;
}

export function checkCanary(base: Side, head: Side, sameRun: boolean): CanaryCheck {
  const b = base.trials?.canaryMs ?? null;
  const h = head.trials?.canaryMs ?? null;
  const change = b !== null && h !== null && b > 0 ? h / b - 1 : null;
  const disturbed = sameRun ? (head.trials?.trials.some((t) => t.disturbed) ?? false) : change !== null && Math.abs(change) > CANARY_LIMIT;
  return { base: b, head: h, change, disturbed };
}

/** From the run's trials, else from its cells' per-trial summaries; null for a side without trials. */
export function countTrials(side: Side, cells: readonly CellResult[]): TrialCount | null {
  if (side.trials && side.trials.trials.length > 0) {
    return { count: side.trials.trials.length, disturbed: side.trials.trials.filter((t) => t.disturbed).length };
  }
  const summaries = cells.flatMap((c) => c.trials ?? []);
  if (summaries.length === 0) return null;
  const numbers = new Set(summaries.map((t) => t.trial));
  const disturbed = new Set(summaries.filter((t) => t.disturbed).map((t) => t.trial));
  return { count: numbers.size, disturbed: disturbed.size };
}
