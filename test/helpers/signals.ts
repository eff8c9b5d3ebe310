import { spawn } from "node:child_process";
import { copyFileSync, existsSync, writeFileSync } from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import type { CellResult } from "../../src/results.js";
import { unpackJson } from "../../src/store/codec.js";
import { BIN, ROOT, tempDir } from "./cli.js";

export type Signal = "SIGINT" | "SIGTERM" | "SIGHUP";
export const CODE: Record<Signal, number> = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 };

/** Four cells, two trials; the fake runner's real-time waits set how long each step lasts. */
export function signalSuite(): { dir: string; suite: string; db: string } {
  const dir = tempDir("bench-signals-");
  copyFileSync(path.join(ROOT, "suites/models/mlp-fp32.onnx"), path.join(dir, "m.onnx"));
  const suite = path.join(dir, "s.yaml");
  writeFileSync(
    suite,
    `name: sig
targets:
  a: { kind: onnx, variants: { v: m.onnx }, matrix: { batch: [1, 2, 3, 4] } }
measure: { warmupIterations: 1, minIterations: 10, maxIterations: 40, minTimeMs: 0, maxTimeMs: 100000, targetRelativeCI: 0.0001 }
trials: { min: 2, max: 2 }
`,
  );
  return { dir, suite, db: path.join(dir, "r.db") };
}

export interface Interrupted {
  code: number | null;
  /** The signal that killed it, when it did not exit on its own. */
  killedBy: NodeJS.Signals | null;
  stderr: string;
  /** ms from the last signal sent to the exit. */
  afterLastSignalMs: number;
}

/**
 * Start `bench ARGS`, and when its stderr first matches `when`, wait `delayMs` and send each of
 * `signals` to it alone, `gapMs` apart. Resolves when it has exited; a process that has not exited
 * `limitMs` after the first signal is killed (a hang: the test then fails on its exit code).
 */
export function interrupt(
  args: string[],
  o: { when: RegExp | { runIn: string }; delayMs?: number; signals: Signal[]; gapMs?: number; limitMs?: number },
): Promise<Interrupted> {
  const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, NO_COLOR: "1" } });
  let stderr = "";
  let sentAt = 0;
  let started = false;
  const send = (i: number) => {
    const name = o.signals[i];
    if (name === undefined || child.exitCode !== null || child.signalCode !== null) return;
    child.kill(name);
    sentAt = Date.now();
    setTimeout(() => send(i + 1), o.gapMs ?? 100);
  };
  const start = () => {
    if (started) return;
    started = true;
    setTimeout(() => send(0), o.delayMs ?? 0);
    setTimeout(() => child.kill("SIGKILL"), (o.delayMs ?? 0) + (o.limitMs ?? 20_000)).unref();
  };
  const when = o.when;
  return new Promise((resolve) => {
    child.stderr.on("data", (d: Buffer) => {
      stderr += d.toString();
      if (when instanceof RegExp && when.test(stderr)) start();
    });
    // Or once the run is in the database.
    const poll =
      when instanceof RegExp
        ? undefined
        : setInterval(() => {
            try {
              if (!existsSync(when.runIn) || storedRuns(when.runIn).length === 0) return;
            } catch {
              return; // not yet a database with its tables
            }
            clearInterval(poll);
            start();
          }, 100);
    child.stdout.resume();
    child.on("close", (code, killedBy) => {
      clearInterval(poll);
      resolve({ code, killedBy, stderr, afterLastSignalMs: Date.now() - sentAt });
    });
  });
}

export interface StoredRun {
  id: string;
  status: string;
  cells: CellResult[];
  /** Trial results per cell id. */
  trialCells: Map<string, CellResult[]>;
  integrity: string;
}

/** Every run in the database, oldest first, read directly; with `PRAGMA integrity_check`. */
export function storedRuns(db: string): StoredRun[] {
  const conn = new Database(db, { readonly: true, fileMustExist: true });
  try {
    const integrity = String(conn.pragma("integrity_check", { simple: true }));
    const runs = conn.prepare("SELECT id, status FROM runs ORDER BY started_at, rowid").all() as { id: string; status: string }[];
    return runs.map(({ id, status }) => {
      // A run's cell may be packed against its trial's summary (schema 7), or against other summaries of the run by (trial, ordinal) (schema 8): those are read with it.
      const trialSummary = conn
        .prepare("SELECT summary FROM trial_cells WHERE run = (SELECT key FROM runs WHERE id = ?) AND trial = ? AND cell_id = ?")
        .pluck();
      const runAt = conn.prepare("SELECT cell_id, summary FROM cells WHERE run = (SELECT key FROM runs WHERE id = ?) AND ordinal = ?");
      const trialAt = conn.prepare("SELECT cell_id, summary FROM trial_cells WHERE run = (SELECT key FROM runs WHERE id = ?) AND trial = ? AND ordinal = ?");
      const read = (cellId: string, summary: Buffer): CellResult =>
        unpackJson(
          summary,
          (trial) => trialSummary.get(id, trial, cellId) as Buffer | undefined,
          (ref) => {
            const row = (ref.trial === 0 ? runAt.get(id, ref.ordinal) : trialAt.get(id, ref.trial, ref.ordinal)) as
              { cell_id: string; summary: Buffer } | undefined;
            return row ? read(row.cell_id, row.summary) : undefined;
          },
        ) as CellResult;
      const cells = (
        conn.prepare("SELECT cell_id, summary FROM cells WHERE run = (SELECT key FROM runs WHERE id = ?) ORDER BY ordinal").all(id) as {
          cell_id: string;
          summary: Buffer;
        }[]
      ).map((r) => read(r.cell_id, r.summary));
      const trialCells = new Map<string, CellResult[]>();
      for (const r of conn.prepare("SELECT cell_id, summary FROM trial_cells WHERE run = (SELECT key FROM runs WHERE id = ?) ORDER BY trial").all(id) as {
        cell_id: string;
        summary: Buffer;
      }[]) {
        const cell = read(r.cell_id, r.summary);
        trialCells.set(cell.id, [...(trialCells.get(cell.id) ?? []), cell]);
      }
      return { id, status, cells, trialCells, integrity };
    });
  } finally {
    conn.close();
  }
}

/** Lines `[trial T: I/N] ID ...` of the run's progress: the cells each trial finished (not those it cut short). */
export function finishedInProgress(stderr: string): { trial: number; id: string }[] {
  return [...stderr.matchAll(/^\[trial (\d+): +\d+\/\d+\] (\S+) (.*)$/gm)]
    .filter((m) => !(m[3] as string).includes("partial"))
    .map((m) => ({ trial: Number(m[1]), id: m[2] as string }));
}
