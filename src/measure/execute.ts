import { randomBytes } from "node:crypto";
import path from "node:path";
import { errorMessage } from "../errors.js";
import { collectFingerprint } from "../fingerprint/index.js";
import type { CellResult, RunResult, RunStatus } from "../results.js";
import { ProviderUnavailableError, type Runner } from "../runners/runner.js";
import type { Store } from "../store/db.js";
import type { PlannedCell } from "../suite/expand.js";
import type { ResolvedSuite } from "../suite/resolve.js";
import { failedCell, measuredCell, skippedCell } from "./cell-result.js";
import { type Clock, monotonicClock } from "./clock.js";
import { measure } from "./loop.js";
import { peakRssKb, resetPeakRss } from "./memory.js";

export type ProgressEvent =
  | { type: "cell-start"; index: number; total: number; cell: PlannedCell }
  | { type: "cell-end"; index: number; total: number; cell: PlannedCell; result: CellResult };

export interface ExecuteOptions {
  store: Store;
  runner: Runner;
  cells: PlannedCell[];
  onProgress?: (e: ProgressEvent) => void;
  interrupted?: () => boolean;
  clock?: Clock;
  now?: () => Date;
}

export function newRunId(): string {
  return randomBytes(6).toString("hex");
}

/**
 * Run every cell of a suite, one after another, storing each as soon as it is done: a failure in
 * one cell is recorded and the next cell runs; an interrupt keeps what was finished.
 */
export async function executeSuite(suite: ResolvedSuite, options: ExecuteOptions): Promise<RunResult> {
  const { store, runner, cells } = options;
  const now = options.now ?? (() => new Date());
  const interrupted = options.interrupted ?? (() => false);
  const suiteDir = path.dirname(suite.file);
  const models = Object.fromEntries(
    suite.targets.flatMap((t) => t.variants.map((v) => [v.model, v.modelPath] as const)),
  );
  const fingerprint = await collectFingerprint(models, suiteDir);
  const run = {
    id: newRunId(),
    suite: suite.name,
    suiteFile: suite.file,
    status: "running" as RunStatus,
    startedAt: now().toISOString(),
    finishedAt: null,
    seed: suite.seed,
    benchVersion: fingerprint.runtime.bench,
    fingerprint,
  };
  store.createRun({ ...run, resolvedSuite: suite });

  const results: CellResult[] = [];
  for (const [index, cell] of cells.entries()) {
    if (interrupted()) break;
    options.onProgress?.({ type: "cell-start", index, total: cells.length, cell });
    const result = await runCell(cell, suite, runner, options.clock ?? monotonicClock, interrupted);
    if (result === "interrupted") break;
    store.saveCell(run.id, index, result.cell, cell.variantSpec.modelPath, result.latencyNs);
    results.push(result.cell);
    options.onProgress?.({ type: "cell-end", index, total: cells.length, cell, result: result.cell });
  }

  const status: RunStatus = interrupted()
    ? "interrupted"
    : results.some((c) => c.status === "failed")
      ? "failed"
      : "completed";
  const finishedAt = now().toISOString();
  store.finishRun(run.id, status, finishedAt);
  return { run: { ...run, status, finishedAt }, cells: results };
}

async function runCell(
  cell: PlannedCell,
  suite: ResolvedSuite,
  runner: Runner,
  clock: Clock,
  interrupted: () => boolean,
): Promise<{ cell: CellResult; latencyNs?: Float64Array } | "interrupted"> {
  const reason = runner.unavailable(cell);
  if (reason) return { cell: skippedCell(cell, reason) };
  let prepared;
  try {
    resetPeakRss();
    prepared = await runner.prepare(cell, suite.seed);
  } catch (err) {
    if (err instanceof ProviderUnavailableError) return { cell: skippedCell(cell, err.message) };
    return { cell: failedCell(cell, `could not prepare the cell: ${firstLine(err)}`) };
  }
  try {
    const m = await measure(prepared.runOnce, cell.targetSpec.measure, { clock, interrupted });
    if (m.stopReason === "interrupted") return "interrupted";
    const result = measuredCell(cell, m, {
      sessionCreateMs: prepared.sessionCreateMs,
      itemsPerCall: prepared.itemsPerCall,
      peakRssKb: peakRssKb(),
    });
    return { cell: result, latencyNs: m.latenciesNs };
  } catch (err) {
    return {
      cell: failedCell(cell, `inference failed: ${firstLine(err)}`, {
        coldStart: null,
        peakRssKb: peakRssKb(),
      }),
    };
  } finally {
    await prepared.release().catch(() => undefined);
  }
}

function firstLine(err: unknown): string {
  return errorMessage(err).split("\n")[0] ?? "";
}
