import { createRequire } from "node:module";
import type { SingleBar as Bar } from "cli-progress";
import type { ProgressEvent } from "../measure/execute.js";
import { num } from "../report/format.js";
import type { TrialPlan } from "../suite/resolve.js";

/** What a trial process reports of each finished cell, one JSON line on its stdout. */
export interface CellDone {
  trial: number;
  index: number;
  done: number;
  total: number;
  id: string;
  status: string;
  error: string | null;
  p50Ms: number | null;
  samples: number;
  converged: boolean;
  /** Interrupted while it was measured: what it measured is kept, marked partial. */
  partial?: boolean;
}

export function cellDone(trial: number, e: ProgressEvent): CellDone | undefined {
  if (e.type !== "cell-end") return undefined;
  const r = e.result;
  return {
    trial,
    index: e.index,
    done: e.done,
    total: e.total,
    id: r.id,
    status: r.status,
    error: r.error,
    p50Ms: r.latencyMs?.p50.value ?? null,
    samples: r.samples,
    converged: r.converged,
    partial: r.stopReason === "interrupted",
  };
}

export interface Progress {
  trialStart(trial: number, plan: TrialPlan): void;
  cell(e: CellDone): void;
  stop(): void;
}

/**
 * Progress on stderr: on a terminal, a bar over the cells of the trial in progress; otherwise (CI
 * logs) one plain line per finished cell.
 */
export function createProgress(opts: { quiet: boolean; suite: string }): Progress {
  if (opts.quiet) return { trialStart: () => undefined, cell: () => undefined, stop: () => undefined };
  if (process.stderr.isTTY) {
    // Loaded only when a bar is drawn: a trial's process, which reports its cells as JSON lines, never pays for it.
    const { SingleBar } = createRequire(import.meta.url)("cli-progress") as { SingleBar: typeof Bar };
    const bar = new SingleBar({
      stream: process.stderr,
      format: `${opts.suite} {trial} [{bar}] {value}/{total} cells | {cell}`,
      barsize: 24,
      hideCursor: true,
      clearOnComplete: true,
    });
    let started = false;
    return {
      trialStart(trial, plan) {
        const label = `trial ${trial} (${plan.min === plan.max ? plan.min : `${plan.min}–${plan.max}`})`;
        if (started) bar.update(0, { trial: label, cell: "" });
        else bar.start(1, 0, { trial: label, cell: "" });
        started = true;
      },
      cell(e) {
        bar.setTotal(e.total);
        bar.update(e.done, { cell: e.id });
      },
      stop: () => bar.stop(),
    };
  }
  return {
    trialStart: () => undefined,
    cell(e) {
      const width = String(e.total).length;
      const detail =
        e.status === "ok" && e.p50Ms !== null
          ? `p50 ${num(e.p50Ms)} ms, n=${e.samples}${e.partial === true ? ", partial (interrupted)" : e.converged ? "" : ", not converged"}`
          : `${e.status}: ${e.error ?? ""}`;
      process.stderr.write(`[trial ${e.trial}: ${String(e.done).padStart(width)}/${e.total}] ${e.id}  ${detail}\n`);
    },
    stop: () => undefined,
  };
}
