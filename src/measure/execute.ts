import { randomBytes } from "node:crypto";
import path from "node:path";
import { collectFingerprint } from "../fingerprint/index.js";
import type { Order, RunInfo, RunResult, RunSink, RunStatus } from "../results.js";
import type { Runner } from "../runners/runner.js";
import type { PlannedCell } from "../suite/expand.js";
import { modelFiles, redactSuite, type ResolvedSuite } from "../suite/resolve.js";
import { flagNoise, measuredLoadCell } from "./cell-result.js";
import { type Clock, monotonicClock } from "../util/clock.js";
import { CellLifecycle, type LiveCell, type ProgressEvent } from "./lifecycle.js";
import { peakRssKb, resetPeakRss } from "./memory.js";
import { NoiseMonitor } from "./noise.js";
import { roundShuffler, sliceBudgetNs } from "./schedule.js";

export type { ProgressEvent } from "./lifecycle.js";

export interface ExecuteOptions {
  store: RunSink;
  runner: Runner;
  cells: PlannedCell[];
  order?: Order;
  onProgress?: (e: ProgressEvent) => void;
  /** Aborted on an interrupt: what is finished is stored and the run is marked interrupted. */
  signal?: AbortSignal;
  clock?: Clock;
  now?: () => Date;
}

export function newRunId(): string {
  return randomBytes(6).toString("hex");
}

/**
 * Run the cells of a suite and store each as soon as it is finished: a failure in one cell is
 * recorded and the others go on; an interrupt keeps what was finished; an error that ends the
 * run early releases every session and marks the run failed. Cells timed one call at a time run
 * interleaved (default: all sessions created and warmed first, then rounds give each unfinished
 * cell a slice of timed calls in a shuffled order) or sequentially; load cells follow, one after
 * another, since a load test owns the machine and an open loop's schedule cannot be cut in slices.
 */
export async function executeSuite(suite: ResolvedSuite, options: ExecuteOptions): Promise<RunResult> {
  const { store, cells } = options;
  const order = options.order ?? "interleaved";
  const now = options.now ?? (() => new Date());
  const clock = options.clock ?? options.runner.clock ?? monotonicClock;
  const signal = options.signal ?? new AbortController().signal;
  const fingerprint = await collectFingerprint(modelFiles(suite), path.dirname(suite.file));
  const run: RunInfo = {
    id: newRunId(),
    suite: suite.name,
    suiteFile: suite.file,
    status: "running",
    startedAt: now().toISOString(),
    finishedAt: null,
    seed: suite.seed,
    order,
    benchVersion: fingerprint.runtime.bench,
    fingerprint,
    noise: null,
    trials: null,
  };
  store.createRun({ ...run, resolvedSuite: redactSuite(suite) });

  const monitor = new NoiseMonitor(clock);
  monitor.begin();
  resetPeakRss();
  const life = new CellLifecycle({
    runId: run.id,
    cells,
    store,
    runner: options.runner,
    seed: suite.seed,
    monitor,
    clock,
    signal,
    onProgress: options.onProgress,
  });
  const timed = [...cells.keys()].filter((i) => cells[i]?.load.mode === "single");
  const loaded = [...cells.keys()].filter((i) => cells[i]?.load.mode !== "single");
  try {
    if (order === "sequential") await runSequential(life, timed);
    else await runInterleaved(life, timed);
    await runLoadCells(life, loaded);
  } catch (err) {
    await life.releaseAll();
    store.finishRun(run.id, "failed", now().toISOString(), null);
    throw err;
  }

  const noise = monitor.end();
  const results = [...life.finished.entries()]
    .sort(([a], [b]) => a - b)
    .map(([, f]) => {
      const flagged = flagNoise(f.result, noise.samples, f.fromMs, f.toMs);
      if (flagged !== f.result) store.updateCell(run.id, flagged);
      return flagged;
    });
  const status: RunStatus = signal.aborted ? "interrupted" : results.some((c) => c.status === "failed") ? "failed" : "completed";
  const finishedAt = now().toISOString();
  store.finishRun(run.id, status, finishedAt, noise);
  return { run: { ...run, status, finishedAt, noise }, cells: results };
}

/** One cell after another, each from cold start to stop; peak RSS is each cell's own. */
async function runSequential(life: CellLifecycle, indexes: number[]): Promise<void> {
  const { monitor } = life;
  const stopped = () => life.signal.aborted;
  for (const index of indexes) {
    if (stopped()) return;
    resetPeakRss();
    const live = await life.start(index);
    if (!live) continue;
    try {
      await live.loop.runSlice();
    } catch (err) {
      await life.fail(live, err);
      continue;
    }
    if (stopped()) {
      await life.discard(live);
      return;
    }
    await life.conclude(live);
    monitor.sample();
  }
}

/**
 * Shuffled rounds (Mytkowicz et al. 2009 on measurement bias from fixed orders; see schedule.ts).
 * All sessions live at once, so each cell's peak RSS is the process's.
 */
async function runInterleaved(life: CellLifecycle, indexes: number[]): Promise<void> {
  const { monitor } = life;
  const stopped = () => life.signal.aborted;
  let active: LiveCell[] = [];
  for (const index of indexes) {
    if (stopped()) break;
    const live = await life.start(index);
    if (live) active.push(live);
  }
  const shuffle = roundShuffler(life.seed);
  while (active.length > 0 && !stopped()) {
    for (const live of shuffle(active)) {
      if (stopped()) break;
      try {
        if (await live.loop.runSlice(sliceBudgetNs(live.cell.targetSpec.measure.maxTimeMs), 1)) {
          if (!stopped()) await life.conclude(live);
        }
      } catch (err) {
        await life.fail(live, err);
      }
    }
    active = active.filter((l) => !life.finished.has(l.index));
    monitor.sample();
  }
  await Promise.all(active.map((l) => life.discard(l)));
}

async function runLoadCells(life: CellLifecycle, indexes: number[]): Promise<void> {
  const { monitor } = life;
  const stopped = () => life.signal.aborted;
  for (const index of indexes) {
    if (stopped()) return;
    resetPeakRss();
    const live = await life.start(index);
    if (!live) continue;
    const { cell, prepared } = live;
    try {
      const r = await prepared.runLoad(life.signal);
      if (stopped()) {
        await life.discard(live);
        return;
      }
      const m = live.loop.result();
      const result = measuredLoadCell(cell, r, {
        sessionCreateMs: prepared.sessionCreateMs,
        itemsPerCall: prepared.itemsPerCall,
        firstCallNs: m.firstCallNs,
        warmupIterations: m.warmupIterations,
        peakRssKb: peakRssKb(),
        maxErrorRate: cell.targetSpec.load.maxErrorRate,
      });
      await life.record(live, result, r.latenciesNs);
    } catch (err) {
      await life.fail(live, err);
    }
    monitor.sample();
  }
}
