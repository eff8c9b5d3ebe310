/**
 * Gate simulations from a pool of simulated trials (trial-series.ts). A simulated run draws each
 * cell's trials with replacement from a pool of offset-free trial summaries and multiplies each
 * trial by its own process offset exp(N(0, offsetSd²)); in a paired (one-run A/B) comparison,
 * trial k of base and head share that offset, as two variants measured in one process do. Drawing
 * from a pool of 10,000–20,000 trials stands for drawing from the process itself (repeats are rare and
 * the pool's distribution is the process's up to Monte Carlo error), at a fraction of the cost.
 */
import { compareTrialCells, type TrialComparisons } from "../../src/stats/compare-trials.js";
import { slowTrialsOf, type TrialStatistics, undisturbed } from "../../src/stats/trials.js";
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
  /**
   * A neighbour's burst over a whole block: each trial of each cell, with probability `rate`, has
   * every latency × U(min, max), independently of the other cells and of the paired side.
   */
  contamination?: { rate: number; min: number; max: number };
  /** Set slow trials aside as the run does (stats/trials.ts slowTrialsOf); default true. */
  setAsideSlow?: boolean;
}

const scale = (s: TrialStatistics, f: number): TrialStatistics => ({
  p50: s.p50 * f,
  p90: s.p90 * f,
  p99: s.p99 * f,
  mean: s.mean * f,
  throughput: s.throughput / f,
});

/** The trials of each cell a run keeps: not slow, as long as two remain (undisturbed in trials.ts). */
function keptTrials(cells: readonly TrialStatistics[][]): Set<number>[] {
  const slow = slowTrialsOf(cells);
  return cells.map((trials, c) => new Set(undisturbed(trials.map((_, k) => ({ k, disturbed: slow[c]?.[k] === true }))).map((t) => t.k)));
}

/** One gate: base and head runs of `cells` cells, compared on all five metrics with Holm. */
export function simulateGate(pool: readonly TrialSummary[], rng: Rng, spec: GateSpec): TrialComparisons {
  const { cells, trials, paired, offsetSd = 0.03, shift, shiftedCells = 1, contamination, setAsideSlow = true } = spec;
  const burst = (s: TrialStatistics): TrialStatistics =>
    contamination && rng.next() < contamination.rate ? scale(s, contamination.min + (contamination.max - contamination.min) * rng.next()) : s;
  const draw = (): TrialSummary => pool[rng.int(0, pool.length)] as TrialSummary;
  const offset = (): number => Math.exp(offsetSd * rng.normal());
  const pairs = Array.from({ length: cells }, (_, c) => {
    const headShift = c < shiftedCells ? shift : undefined;
    const base: TrialStatistics[] = [];
    const head: TrialStatistics[] = [];
    for (let k = 0; k < trials; k++) {
      const o = offset();
      base.push(burst(trialStats(draw(), o)));
      head.push(burst(trialStats(draw(), paired ? o : offset(), headShift)));
    }
    return { cell: `cell${c}`, base, head };
  });
  if (!setAsideSlow) return compareTrialCells(pairs, { paired });
  // Each run judges its own cells: base and head are one run when paired, two otherwise.
  const bases = pairs.map((p) => p.base);
  const heads = pairs.map((p) => p.head);
  const [keptBase, keptHead] = paired
    ? ((all) => [all.slice(0, cells), all.slice(cells)])(keptTrials([...bases, ...heads]))
    : [keptTrials(bases), keptTrials(heads)];
  const kept = pairs.map((p, c) => {
    const b = keptBase[c] as Set<number>;
    const h = keptHead[c] as Set<number>;
    if (!paired) return { ...p, base: p.base.filter((_, k) => b.has(k)), head: p.head.filter((_, k) => h.has(k)) };
    const both = p.base.map((_, k) => k).filter((k) => b.has(k) && h.has(k));
    const use = both.length >= 2 ? both : p.base.map((_, k) => k);
    return { ...p, base: use.map((k) => p.base[k] as TrialStatistics), head: use.map((k) => p.head[k] as TrialStatistics) };
  });
  return compareTrialCells(kept, { paired });
}
