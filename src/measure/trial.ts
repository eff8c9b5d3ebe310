import type { CellResult, Order, TrialInfo } from "../results.js";
import type { Runner } from "../runners/runner.js";
import type { PlannedCell } from "../suite/expand.js";
import type { MeasurePlan, TrialPlan } from "../suite/resolve.js";
import type { Slo } from "../suite/slo.js";
import { type Clock, monotonicClock } from "../util/clock.js";
import { deriveSeed } from "../util/rng.js";
import { flagNoise, measuredLoadCell } from "./cell-result.js";
import { CellLifecycle, type ProgressEvent } from "./lifecycle.js";
import { peakRssKb, resetPeakRss } from "./memory.js";
import { calibrate, NoiseMonitor } from "./noise.js";
import { groupedOrder, roundShuffler } from "./schedule.js";

/** The per-cell canary: 3 timings of about half a millisecond each. */
const MINI_CANARY_ITERATIONS = 250_000;
/** A cell's block is disturbed when the canary around it ran this much slower than the trial's calmest. */
const BLOCK_CANARY_LIMIT = 0.15;

/** Where a trial's results go: the store implements it. */
export interface TrialSink {
  saveTrialCell(runId: string, trial: number, ordinal: number, cell: CellResult, latencyNs?: Float64Array): void;
  saveTrialInfo(runId: string, info: TrialInfo): void;
}

export interface TrialOptions {
  runId: string;
  /** 1-based. */
  trial: number;
  seed: number;
  order: Order;
  plan: TrialPlan;
  /** The suite's SLOs: each load cell reports their verdicts and its goodput (measure/slo.ts). */
  slo?: readonly Slo[];
  sink: TrialSink;
  runner: Runner;
  signal: AbortSignal;
  clock?: Clock;
  now?: () => Date;
  onProgress?: (e: ProgressEvent) => void;
}

/**
 * One trial, in the process it runs in (a fresh one per trial: `bench trial`, started by the run):
 * every cell once, each in one contiguous block from cold start to stop, so that what is measured
 * is the cell's own steady state and not caches refilled by other cells; the cells in a new seeded
 * order per trial (the variants of one cell back to back, schedule.ts groupedOrder), so that slow drift of the machine and the order's own effects spread over every
 * cell alike (randomized multiple interleaved trials: Abedi & Brecht, ICPE 2017; Mytkowicz et al.,
 * ASPLOS 2009). Each cell is stored as soon as it is finished. Load cells run in the first trial
 * only: a load test is long, and its generator has a warm-up of its own. A fixed CPU-bound canary
 * (noise.ts's calibration workload) is timed before and after: the run compares it between its
 * trials, and between runs, since a neighbour's load is invisible from inside many VMs.
 */
export async function measureTrial(cells: readonly PlannedCell[], o: TrialOptions): Promise<TrialInfo> {
  const now = o.now ?? (() => new Date());
  const virtual = o.runner.clock !== undefined;
  const clock = o.clock ?? o.runner.clock ?? monotonicClock;
  const startedAt = now().toISOString();
  // On a runner's virtual clock the canary would take no time: there is no machine to watch.
  const canaryBefore = virtual ? null : calibrate(monotonicClock);
  const monitor = new NoiseMonitor(clock);
  const life = new CellLifecycle({
    cells,
    save: (index, result, latencyNs) => o.sink.saveTrialCell(o.runId, o.trial, index, result, latencyNs),
    plan: (cell) => trialShare(cell.targetSpec.measure, o.plan.max),
    runner: o.runner,
    seed: o.seed,
    monitor,
    clock,
    signal: o.signal,
    onProgress: o.onProgress,
  });
  const stopped = () => o.signal.aborted;
  const timed = [...cells.keys()].filter((i) => cells[i]?.load.mode === "single");
  const loaded = o.trial === 1 ? [...cells.keys()].filter((i) => cells[i]?.load.mode !== "single") : [];
  // The variants of one cell (same target, batch, provider, threads) side by side, in a new order each trial.
  const sameCell = (i: number) => {
    const c = cells[i] as PlannedCell;
    return JSON.stringify([c.target, c.batch, c.provider, c.threads]);
  };
  const order = o.order === "interleaved" ? groupedOrder(timed, sameCell, roundShuffler(deriveSeed(o.seed, `trial ${o.trial}`))) : timed;
  // A short canary right before and after each cell's block, against the calmest one of the
  // trial: a neighbour's burst during a block slows it as it slows the cell.
  const blockCanary = new Map<number, number>();
  const miniCanary = () => (virtual ? null : calibrate(monotonicClock, 3, MINI_CANARY_ITERATIONS));
  try {
    for (const index of order) {
      if (stopped()) break;
      resetPeakRss();
      const before = miniCanary();
      const live = await life.start(index);
      if (!live) continue;
      try {
        await live.loop.run();
      } catch (err) {
        await life.fail(live, err);
        continue;
      }
      // Interrupted inside the block: what it measured is kept, marked by its stop reason; a block
      // interrupted before its first timed call has nothing to keep.
      if (stopped() && live.loop.result().latenciesNs.length === 0) {
        await life.discard(live);
        break;
      }
      await life.conclude(live);
      const after = miniCanary();
      if (before !== null && after !== null) blockCanary.set(index, Math.max(before, after));
      monitor.sample();
    }
    for (const index of loaded) {
      if (stopped()) break;
      resetPeakRss();
      const live = await life.start(index);
      if (!live) continue;
      const { cell, prepared } = live;
      try {
        const r = await prepared.runLoad(o.signal);
        const m = live.loop.result();
        const result = measuredLoadCell(cell, r, {
          sessionCreateMs: prepared.sessionCreateMs,
          itemsPerCall: prepared.itemsPerCall,
          firstCallNs: m.firstCallNs,
          warmupIterations: m.warmupIterations,
          peakRssKb: peakRssKb(),
          maxErrorRate: cell.targetSpec.load.maxErrorRate,
          slo: o.slo,
        });
        await life.record(live, result, r.latenciesNs);
      } catch (err) {
        await life.fail(live, err);
      }
      monitor.sample();
    }
  } finally {
    await life.releaseAll();
  }

  const noise = monitor.samples;
  monitor.sample();
  // A cell measured while the machine was disturbed is marked in its trial's result.
  const calm = Math.min(...blockCanary.values());
  const noiseNotes = new Set<string>();
  let slowCanaryCells = 0;
  for (const [index, f] of life.finished) {
    let flagged = flagNoise(f.result, noise, f.fromMs, f.toMs);
    for (const n of flagged.notes) if (n.startsWith("noisy: ") && !f.result.notes.includes(n)) noiseNotes.add(n.slice("noisy: ".length));
    const canary = blockCanary.get(index);
    if (flagged.status === "ok" && canary !== undefined && canary > calm * (1 + BLOCK_CANARY_LIMIT)) {
      const note = `noisy: the canary ran ${((canary / calm - 1) * 100).toFixed(0)}% slow around this cell`;
      flagged = { ...flagged, noisy: true, notes: [...flagged.notes, note] };
      slowCanaryCells++;
    }
    if (flagged !== f.result) o.sink.saveTrialCell(o.runId, o.trial, index, flagged, f.latencyNs);
  }
  const canaryAfter = virtual ? null : calibrate(monotonicClock);
  const info: TrialInfo = {
    trial: o.trial,
    status: stopped() ? "interrupted" : "completed",
    startedAt,
    finishedAt: now().toISOString(),
    canaryMs: canaryBefore !== null && canaryAfter !== null ? [canaryBefore, canaryAfter] : null,
    disturbed: false,
    notes: [...noiseNotes, ...(slowCanaryCells > 0 ? [`the canary ran slow around ${slowCanaryCells} cell${slowCanaryCells > 1 ? "s" : ""}`] : [])],
  };
  o.sink.saveTrialInfo(o.runId, info);
  return info;
}

/**
 * A trial's share of a cell's measurement plan: the time limits and the iteration cap divided over
 * the most trials the run may take, so that even a run of `max` trials takes about as long as the
 * plan says; at least `minIterations` timed calls per trial, and the warm-up in full, since every
 * trial is a fresh process.
 */
export function trialShare(plan: MeasurePlan, trials: number): MeasurePlan {
  return {
    ...plan,
    minTimeMs: plan.minTimeMs / trials,
    maxTimeMs: plan.maxTimeMs / trials,
    maxIterations: Math.max(plan.minIterations, Math.ceil(plan.maxIterations / trials)),
  };
}
