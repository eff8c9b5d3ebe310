import { randomBytes } from "node:crypto";
import path from "node:path";
import { collectFingerprint } from "../fingerprint/index.js";
import type { RunInfo, RunResult, RunStatus } from "../results.js";
import type { Runner } from "../runners/runner.js";
import type { Store } from "../store/db.js";
import type { PlannedCell } from "../suite/expand.js";
import { modelFiles, redactSuite, type ResolvedSuite } from "../suite/resolve.js";
import { flagNoise, measuredLoadCell } from "./cell-result.js";
import { type Clock, monotonicClock } from "../util/clock.js";
import { CellLifecycle, type LiveCell, type ProgressEvent } from "./lifecycle.js";
import { peakRssKb, resetPeakRss } from "./memory.js";
import { NoiseMonitor } from "./noise.js";
import { roundShuffler, sliceBudgetNs } from "./schedule.js";

export type { ProgressEvent } from "./lifecycle.js";
export type Order = "interleaved" | "sequential";

export interface ExecuteOptions {
  store: Store;
  runner: Runner;
  cells: PlannedCell[];
  order?: Order;
  onProgress?: (e: ProgressEvent) => void;
  interrupted?: () => boolean;
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
  const clock = options.clock ?? monotonicClock;
  const interrupted = options.interrupted ?? (() => false);
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
  };
  store.createRun({ ...run, resolvedSuite: redactSuite(suite) });

  const monitor = new NoiseMonitor(clock);
  monitor.begin();
  resetPeakRss();
  const life = new CellLifecycle({ runId: run.id, cells, store, runner: options.runner, seed: suite.seed, monitor, clock, interrupted, onProgress: options.onProgress });
  const timed = [...cells.keys()].filter((i) => !isLoadCell(cells[i] as PlannedCell));
  const loaded = [...cells.keys()].filter((i) => isLoadCell(cells[i] as PlannedCell));
  try {
    if (order === "sequential") await runSequential(life, timed, monitor, interrupted);
    else await runInterleaved(life, timed, monitor, interrupted, suite.seed);
    await runLoadCells(life, loaded, monitor, interrupted, suite.seed);
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
  const status: RunStatus = interrupted() ? "interrupted" : results.some((c) => c.status === "failed") ? "failed" : "completed";
  const finishedAt = now().toISOString();
  store.finishRun(run.id, status, finishedAt, noise);
  return { run: { ...run, status, finishedAt, noise }, cells: results };
}

/** One cell after another, each from cold start to stop; peak RSS is each cell's own. */
async function runSequential(life: CellLifecycle, indexes: number[], monitor: NoiseMonitor, interrupted: () => boolean): Promise<void> {
  for (const index of indexes) {
    if (interrupted()) return;
    resetPeakRss();
    const live = await life.start(index);
    if (!live) continue;
    try {
      await live.loop.runSlice();
    } catch (err) {
      await life.fail(live, err);
      continue;
    }
    if (interrupted()) {
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
async function runInterleaved(life: CellLifecycle, indexes: number[], monitor: NoiseMonitor, interrupted: () => boolean, seed: number): Promise<void> {
  let active: LiveCell[] = [];
  for (const index of indexes) {
    if (interrupted()) break;
    const live = await life.start(index);
    if (live) active.push(live);
  }
  const shuffle = roundShuffler(seed);
  while (active.length > 0 && !interrupted()) {
    for (const live of shuffle(active)) {
      if (interrupted()) break;
      try {
        if (await live.loop.runSlice(sliceBudgetNs(live.cell.targetSpec.measure.maxTimeMs), 1)) {
          if (!interrupted()) await life.conclude(live);
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

async function runLoadCells(life: CellLifecycle, indexes: number[], monitor: NoiseMonitor, interrupted: () => boolean, seed: number): Promise<void> {
  for (const index of indexes) {
    if (interrupted()) return;
    resetPeakRss();
    const live = await life.start(index);
    if (!live) continue;
    const { cell, prepared } = live;
    const plan = cell.targetSpec.load;
    const point = cell.concurrency !== null ? { concurrency: cell.concurrency, rate: null } : { concurrency: null, rate: cell.rate as number };
    const abort = new AbortController();
    const poll = setInterval(() => {
      if (interrupted()) abort.abort();
    }, 100);
    try {
      // The HTTP generators send their own warm-up requests; in process, they go first here.
      if (cell.kind === "onnx") for (let i = 0; i < plan.warmupRequests; i++) await prepared.runOnce();
      const r = await prepared.runLoad(point, plan, seed, abort.signal);
      if (interrupted()) {
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
        maxErrorRate: plan.maxErrorRate,
      });
      await life.record(live, result, r.latenciesNs);
    } catch (err) {
      await life.fail(live, err);
    } finally {
      clearInterval(poll);
    }
    monitor.sample();
  }
}

function isLoadCell(cell: PlannedCell): boolean {
  return cell.concurrency !== null || cell.rate !== null;
}
