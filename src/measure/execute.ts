import { randomBytes } from "node:crypto";
import path from "node:path";
import { errorMessage } from "../errors.js";
import { collectFingerprint } from "../fingerprint/index.js";
import type { CellResult, RunInfo, RunResult, RunStatus } from "../results.js";
import { ProviderUnavailableError, type PreparedCell, type Runner } from "../runners/runner.js";
import type { Store } from "../store/db.js";
import type { PlannedCell } from "../suite/expand.js";
import { modelFiles, redactSuite, type ResolvedSuite } from "../suite/resolve.js";
import { failedCell, flagNoise, measuredCell, measuredLoadCell, skippedCell } from "./cell-result.js";
import { type Clock, monotonicClock } from "./clock.js";
import { TimedLoop } from "./loop.js";
import { peakRssKb, resetPeakRss } from "./memory.js";
import { NoiseMonitor } from "./noise.js";
import { roundShuffler, sliceBudgetNs } from "./schedule.js";

export type Order = "interleaved" | "sequential";

export type ProgressEvent =
  | { type: "cell-start"; index: number; total: number; cell: PlannedCell }
  | { type: "cell-end"; index: number; total: number; done: number; cell: PlannedCell; result: CellResult };

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

/** A cell between prepare() and its last timed call. */
interface LiveCell {
  index: number;
  cell: PlannedCell;
  prepared: PreparedCell;
  loop: TimedLoop;
  fromMs: number;
}

/**
 * Run the cells of a suite and store each as soon as it is finished: a failure in one cell is
 * recorded and the others go on; an interrupt keeps what was finished. Interleaved (default):
 * every session is created and warmed first, then rounds give each unfinished cell a slice of
 * timed calls in a shuffled order. Sequential: one cell after another, from cold start to stop.
 */
export async function executeSuite(suite: ResolvedSuite, options: ExecuteOptions): Promise<RunResult> {
  const { store, runner, cells } = options;
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
  const finished = new Map<number, { result: CellResult; fromMs: number; toMs: number }>();
  const finish = (index: number, result: CellResult, fromMs: number, latencyNs?: Float64Array) => {
    const cell = cells[index] as PlannedCell;
    finished.set(index, { result, fromMs, toMs: monitor.nowMs() });
    store.saveCell(run.id, index, result, cell.variantSpec.modelPath, latencyNs);
    options.onProgress?.({ type: "cell-end", index, total: cells.length, done: finished.size, cell, result });
  };
  const conclude = async (live: LiveCell) => {
    const m = live.loop.result();
    const result = measuredCell(live.cell, m, {
      sessionCreateMs: live.prepared.sessionCreateMs,
      itemsPerCall: live.prepared.itemsPerCall,
      peakRssKb: peakRssKb(),
    });
    await live.prepared.release().catch(() => undefined);
    finish(live.index, result, live.fromMs, m.latenciesNs);
  };
  const fail = async (live: LiveCell, err: unknown) => {
    await live.prepared.release().catch(() => undefined);
    finish(live.index, failedCell(live.cell, `inference failed: ${firstLine(err)}`), live.fromMs);
  };

  const start = async (index: number): Promise<LiveCell | undefined> => {
    const cell = cells[index] as PlannedCell;
    options.onProgress?.({ type: "cell-start", index, total: cells.length, cell });
    const fromMs = monitor.nowMs();
    const reason = runner.unavailable(cell);
    if (reason) {
      finish(index, skippedCell(cell, reason), fromMs);
      return undefined;
    }
    let prepared: PreparedCell;
    try {
      if (order === "sequential") resetPeakRss();
      prepared = await runner.prepare(cell, suite.seed);
    } catch (err) {
      const result =
        err instanceof ProviderUnavailableError
          ? skippedCell(cell, err.message)
          : failedCell(cell, `could not prepare the cell: ${firstLine(err)}`);
      finish(index, result, fromMs);
      return undefined;
    }
    const live: LiveCell = { index, cell, prepared, loop: new TimedLoop(prepared.runOnce, cell.targetSpec.measure, { clock, interrupted }), fromMs };
    try {
      await live.loop.coldStart();
      await live.loop.warmup();
    } catch (err) {
      await fail(live, err);
      return undefined;
    }
    return live;
  };

  const discard = async (live: LiveCell[]) => Promise.all(live.map((l) => l.prepared.release().catch(() => undefined)));

  // A load test owns the machine for its duration (an open loop's schedule cannot be cut in
  // slices): load cells run one after another, after the cells timed one call at a time.
  const timed = [...cells.keys()].filter((i) => !isLoadCell(cells[i] as PlannedCell));
  const loaded = [...cells.keys()].filter((i) => isLoadCell(cells[i] as PlannedCell));

  if (order === "sequential") {
    for (const index of timed) {
      if (interrupted()) break;
      const live = await start(index);
      if (!live) continue;
      try {
        await live.loop.runSlice();
      } catch (err) {
        await fail(live, err);
        continue;
      }
      if (interrupted()) {
        await discard([live]);
        break;
      }
      await conclude(live);
      monitor.sample();
    }
  } else {
    let active: LiveCell[] = [];
    for (const index of timed) {
      if (interrupted()) break;
      const live = await start(index);
      if (live) active.push(live);
    }
    const shuffle = roundShuffler(suite.seed);
    while (active.length > 0 && !interrupted()) {
      for (const live of shuffle(active)) {
        if (interrupted()) break;
        try {
          if (await live.loop.runSlice(sliceBudgetNs(live.cell.targetSpec.measure.maxTimeMs), 1)) {
            if (!interrupted()) await conclude(live);
          }
        } catch (err) {
          await fail(live, err);
        }
      }
      active = active.filter((l) => !finished.has(l.index));
      monitor.sample();
    }
    await discard(active);
  }

  for (const index of loaded) {
    if (interrupted()) break;
    const live = await start(index);
    if (!live) continue;
    const { cell, prepared } = live;
    const point = cell.concurrency !== null ? { concurrency: cell.concurrency, rate: null } : { concurrency: null, rate: cell.rate as number };
    const abort = new AbortController();
    const poll = setInterval(() => interrupted() && abort.abort(), 100);
    try {
      const r = await prepared.runLoad(point, cell.targetSpec.load, suite.seed, abort.signal);
      if (interrupted()) {
        await discard([live]);
        break;
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
      await prepared.release().catch(() => undefined);
      finish(index, result, live.fromMs, r.latenciesNs);
    } catch (err) {
      await fail(live, err);
    } finally {
      clearInterval(poll);
    }
    monitor.sample();
  }

  const noise = monitor.end();
  const results = [...finished.entries()]
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

function isLoadCell(cell: PlannedCell): boolean {
  return cell.concurrency !== null || cell.rate !== null;
}

function firstLine(err: unknown): string {
  return errorMessage(err).split("\n")[0] ?? "";
}
