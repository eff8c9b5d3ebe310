import { mkdirSync } from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import { UserError } from "../errors.js";
import type { Fingerprint } from "../fingerprint/index.js";
import type { CellResult, NoiseReport, Order, RunInfo, RunResult, RunSink, RunStatus, RunTrials, TrialInfo } from "../results.js";
import { migrate } from "./schema.js";

export interface RunRow extends RunInfo {
  resolvedSuite: unknown;
}

/** The SQLite store. Every write is its own short transaction, made between cells. */
export class Store implements RunSink {
  private constructor(
    private readonly db: Database.Database,
    readonly file: string,
  ) {}

  static open(file: string, { create = true }: { create?: boolean } = {}): Store {
    if (create) mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
    let db: Database.Database;
    try {
      db = new Database(file, { fileMustExist: !create });
      db.pragma("journal_mode = WAL");
      db.pragma("foreign_keys = ON");
      migrate(db, file);
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      if (!create && /unable to open|does not exist/i.test(reason)) {
        throw new UserError(`${file}: no results database here yet; run 'bench run' first or pass --db PATH`);
      }
      throw new UserError(`${file}: not a usable bench database (${reason})`);
    }
    return new Store(db, file);
  }

  close(): void {
    this.db.close();
  }

  createRun(run: RunRow): void {
    this.db
      .prepare(
        `INSERT INTO runs (id, suite, suite_file, resolved_suite, seed, status, started_at, finished_at, fingerprint, bench_version, order_mode, noise, trials)
         VALUES (@id, @suite, @suiteFile, @resolvedSuite, @seed, @status, @startedAt, @finishedAt, @fingerprint, @benchVersion, @order, @noise, @trials)`,
      )
      .run({
        ...run,
        resolvedSuite: JSON.stringify(run.resolvedSuite),
        fingerprint: JSON.stringify(run.fingerprint),
        noise: run.noise ? JSON.stringify(run.noise) : null,
        trials: run.trials ? JSON.stringify(run.trials) : null,
      });
  }

  finishRun(id: string, status: RunStatus, finishedAt: string, noise: NoiseReport | null = null, trials: RunTrials | null = null): void {
    this.db
      .prepare("UPDATE runs SET status = ?, finished_at = ?, noise = ?, trials = ? WHERE id = ?")
      .run(status, finishedAt, noise ? JSON.stringify(noise) : null, trials ? JSON.stringify(trials) : null, id);
  }

  /** One trial's result of one cell and its timed samples, stored as soon as the trial has it. */
  saveTrialCell(runId: string, trial: number, ordinal: number, cell: CellResult, latencyNs?: Float64Array): void {
    const bytes = latencyNs && latencyNs.length > 0 ? Buffer.from(latencyNs.buffer, latencyNs.byteOffset, latencyNs.byteLength) : null;
    this.db
      .prepare("INSERT OR REPLACE INTO trial_cells (run_id, trial, cell_id, ordinal, summary, latency_ns) VALUES (?, ?, ?, ?, ?, ?)")
      .run(runId, trial, cell.id, ordinal, JSON.stringify(cell), bytes);
  }

  saveTrialInfo(runId: string, info: TrialInfo): void {
    this.db.prepare("INSERT OR REPLACE INTO trial_info (run_id, trial, info) VALUES (?, ?, ?)").run(runId, info.trial, JSON.stringify(info));
  }

  /** Every trial of a run so far: their infos by trial, and each trial's result of each cell with its samples. */
  loadTrials(runId: string): { infos: TrialInfo[]; cells: StoredTrialCell[] } {
    const infos = (this.db.prepare("SELECT info FROM trial_info WHERE run_id = ? ORDER BY trial").all(runId) as { info: string }[]).map(
      (r) => JSON.parse(r.info) as TrialInfo,
    );
    const rows = this.db.prepare("SELECT trial, ordinal, summary, latency_ns FROM trial_cells WHERE run_id = ? ORDER BY ordinal, trial").all(runId) as {
      trial: number;
      ordinal: number;
      summary: string;
      latency_ns: Buffer | null;
    }[];
    const cells = rows.map((r) => ({
      trial: r.trial,
      ordinal: r.ordinal,
      result: JSON.parse(r.summary) as CellResult,
      latencyNs: r.latency_ns ? float64s(r.latency_ns) : undefined,
    }));
    return { infos, cells };
  }

  /** Replace a stored cell's summary (e.g. once the run's noise check has flagged it). */
  updateCell(runId: string, cell: CellResult): void {
    this.db.prepare("UPDATE cells SET status = ?, summary = ? WHERE run_id = ? AND cell_id = ?").run(cell.status, JSON.stringify(cell), runId, cell.id);
  }

  /** One cell, its summary and its raw samples (ns, in measurement order), in one transaction. */
  saveCell(runId: string, ordinal: number, cell: CellResult, latencyNs?: Float64Array): void {
    const insertCell = this.db.prepare("INSERT INTO cells (run_id, cell_id, ordinal, status, summary) VALUES (?, ?, ?, ?, ?)");
    const insertSamples = this.db.prepare("INSERT INTO samples (run_id, cell_id, count, latency_ns) VALUES (?, ?, ?, ?)");
    this.db.transaction(() => {
      insertCell.run(runId, cell.id, ordinal, cell.status, JSON.stringify(cell));
      if (latencyNs && latencyNs.length > 0) {
        const bytes = Buffer.from(latencyNs.buffer, latencyNs.byteOffset, latencyNs.byteLength);
        insertSamples.run(runId, cell.id, latencyNs.length, bytes);
      }
    })();
  }

  listRuns(limit = 20): RunInfo[] {
    const rows = this.db.prepare("SELECT * FROM runs ORDER BY started_at DESC, rowid DESC LIMIT ?").all(limit);
    return rows.map((r) => toRunInfo(r as RawRun));
  }

  countCells(runId: string): Record<string, number> {
    const rows = this.db.prepare("SELECT status, COUNT(*) AS n FROM cells WHERE run_id = ? GROUP BY status").all(runId) as { status: string; n: number }[];
    return Object.fromEntries(rows.map((r) => [r.status, r.n]));
  }

  /**
   * A run reference: a full id, an unambiguous id prefix, `latest` or `latest~N` (N runs before
   * the latest). Unknown or ambiguous references are user errors.
   */
  resolveRun(ref: string): string {
    const back = /^latest(?:~(\d+))?$/.exec(ref);
    if (back) {
      const n = Number(back[1] ?? 0);
      const row = this.db.prepare("SELECT id FROM runs ORDER BY started_at DESC, rowid DESC LIMIT 1 OFFSET ?").get(n) as { id: string } | undefined;
      if (!row) throw new UserError(`${ref}: there ${n === 0 ? "are no runs" : `are fewer than ${n + 1} runs`} in ${this.file}`);
      return row.id;
    }
    const matches = this.db
      .prepare("SELECT id FROM runs WHERE id = ? OR id LIKE ? ESCAPE '\\' ORDER BY started_at")
      .all(ref, `${ref.replace(/[\\%_]/g, "\\$&")}%`) as { id: string }[];
    const exact = matches.find((m) => m.id === ref);
    if (exact) return exact.id;
    if (matches.length === 0) throw new UserError(`${ref}: no run with this id in ${this.file} (see 'bench list')`);
    if (matches.length > 1) {
      throw new UserError(`${ref}: ambiguous run id prefix; it matches ${matches.map((m) => m.id).join(", ")}`);
    }
    return (matches[0] as { id: string }).id;
  }

  loadRun(id: string): RunResult & { resolvedSuite: unknown } {
    const row = this.db.prepare("SELECT * FROM runs WHERE id = ?").get(id) as RawRun | undefined;
    if (!row) throw new UserError(`${id}: no run with this id in ${this.file}`);
    const cells = this.db.prepare("SELECT summary FROM cells WHERE run_id = ? ORDER BY ordinal").all(id) as { summary: string }[];
    return {
      run: toRunInfo(row),
      cells: cells.map((c) => JSON.parse(c.summary) as CellResult),
      resolvedSuite: JSON.parse(row.resolved_suite) as unknown,
    };
  }

  loadSamples(runId: string, cellId: string): Float64Array | undefined {
    const row = this.db.prepare("SELECT latency_ns FROM samples WHERE run_id = ? AND cell_id = ?").get(runId, cellId) as { latency_ns: Buffer } | undefined;
    return row ? float64s(row.latency_ns) : undefined;
  }
}

export interface StoredTrialCell {
  trial: number;
  ordinal: number;
  result: CellResult;
  latencyNs: Float64Array | undefined;
}

/** A blob of little-endian float64s, copied into an aligned buffer: SQLite's blob may start at any byte offset. */
function float64s(blob: Buffer): Float64Array {
  const copy = new Uint8Array(blob);
  return new Float64Array(copy.buffer, 0, copy.byteLength / 8);
}

interface RawRun {
  id: string;
  suite: string;
  suite_file: string;
  resolved_suite: string;
  seed: number;
  status: RunStatus;
  started_at: string;
  finished_at: string | null;
  fingerprint: string;
  bench_version: string;
  order_mode: Order;
  noise: string | null;
  trials: string | null;
}

function toRunInfo(r: RawRun): RunInfo {
  return {
    id: r.id,
    suite: r.suite,
    suiteFile: r.suite_file,
    status: r.status,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
    seed: r.seed,
    order: r.order_mode,
    benchVersion: r.bench_version,
    fingerprint: JSON.parse(r.fingerprint) as Fingerprint,
    noise: r.noise ? (JSON.parse(r.noise) as NoiseReport) : null,
    trials: r.trials ? (JSON.parse(r.trials) as RunTrials) : null,
  };
}
