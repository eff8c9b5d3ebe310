import { createHash } from "node:crypto";
import { hostname } from "node:os";
import type Database from "better-sqlite3";
import { UserError } from "../errors.js";
import type { Fingerprint } from "../fingerprint/index.js";
import type {
  CellResult,
  CellStatus,
  NoiseReport,
  Order,
  RunInfo,
  RunListEntry,
  RunOrigin,
  RunResult,
  RunSink,
  RunStatus,
  RunTrials,
  TrialInfo,
} from "../results.js";
import { BUSY_TIMEOUT_MS, guarded } from "./failures.js";
import { currentOwner, isGone } from "./liveness.js";
import { type OpenMode, openDatabase } from "./open.js";
import { type Salvaged, salvage } from "./salvage.js";
import { suiteHash } from "./schema.js";
import {
  joinTrials,
  matchTrials,
  packSamples,
  packSummary,
  packTrialRefs,
  type SummaryRef,
  summaryReference,
  summaryRefs,
  packRunJson,
  packText,
  unpackJson,
  unpackRunJson,
  unpackText,
  unpackSamples,
} from "./codec.js";
import type { ResolvedSuite } from "../suite/resolve.js";

/** The largest resolved suite stored with a run (JSON bytes); a suite is a few kB, so this is room for 100× that. */
const MAX_SUITE_BYTES = 4 * 1024 * 1024;

const mb = (bytes: number) => `${(bytes / (1024 * 1024)).toFixed(1)} MB`;

export interface OpenOptions {
  /** create (the default): `bench run`; write: the file must exist; read: list, show, diff, read-only when the file is. */
  mode?: OpenMode;
  /** How long a write waits for another process's lock (SQLite's busy timeout). */
  busyTimeoutMs?: number;
  /** Where the open's notices go (an upgrade and its backup); stderr by default. */
  notice?: (line: string) => void;
}

export interface RunRow extends RunInfo {
  resolvedSuite: unknown;
}

/**
 * The SQLite store. Every write is its own short transaction, made between cells; a failure of
 * the machine (a full disk, a lock held too long, permissions) is one line naming the database
 * (failures.ts), never a stack trace.
 */
export class Store implements RunSink {
  /** Runs found abandoned in a database that cannot be written: shown so, not stored so. */
  private readonly abandoned = new Set<string>();
  /** Fingerprint parts read so far, by id (JSON text): a thousand runs of one machine share them. */
  private readonly parts = new Map<number, string>();
  /** Output digests read so far, by id (withDigest). */
  private readonly digests = new Map<number, CellResult["outputDigest"]>();

  private constructor(
    private readonly db: Database.Database,
    readonly file: string,
    private readonly busyTimeoutMs: number,
  ) {}

  static open(file: string, options: OpenOptions = {}): Store {
    const { mode = "create", busyTimeoutMs = BUSY_TIMEOUT_MS, notice = (line: string) => process.stderr.write(`bench: ${line}\n`) } = options;
    const { db, notices } = openDatabase(file, mode, busyTimeoutMs);
    for (const line of notices) notice(line);
    const store = new Store(db, file, busyTimeoutMs);
    try {
      store.markAbandoned();
    } catch (err) {
      db.close();
      throw err;
    }
    return store;
  }

  close(): void {
    this.db.close();
  }

  /** Runs of this host still `running` whose process is gone (see liveness.ts): marked `abandoned`, in the file when it can be written. */
  private markAbandoned(): void {
    const running = this.db.prepare("SELECT id, host, pid, process FROM runs WHERE status = 'running' AND host = ?").all(hostname()) as {
      id: string;
      host: string;
      pid: number;
      process: string | null;
    }[];
    const gone = running.filter((r) => isGone(r)).map((r) => r.id);
    if (gone.length === 0) return;
    if (this.db.readonly) {
      for (const id of gone) this.abandoned.add(id);
      return;
    }
    for (const id of gone) this.write(`marking run ${id} abandoned (its process is gone)`, () => this.db.transaction(() => this.abandon(id)).immediate());
  }

  /** Marks a run abandoned, with the cells its stored trials measured (salvage.ts). */
  private abandon(id: string): void {
    const row = this.db.prepare("SELECT status, trials, body FROM runs LEFT JOIN suites ON suites.id = runs.suite_id WHERE runs.id = ?").get(id) as
      { status: RunStatus; trials: Buffer | string | null; body: string | null } | undefined;
    if (row?.status !== "running") return;
    let found: Salvaged | null = null;
    try {
      found = salvage(this, id, this.runJson(id, row.trials) as RunTrials | null, parseOrNull(row.body) as ResolvedSuite | null);
    } catch {
      // Trials that cannot be aggregated stay stored as they are; the run is marked all the same.
    }
    const insertCell = this.db.prepare(
      "INSERT OR IGNORE INTO cells (run, cell_id, ordinal, status, summary, samples_from) VALUES ((SELECT key FROM runs WHERE id = ?), ?, ?, ?, ?, ?)",
    );
    const insertSamples = this.db.prepare(
      "INSERT OR IGNORE INTO samples (run, cell_id, count, latency_ns) VALUES ((SELECT key FROM runs WHERE id = ?), ?, ?, ?)",
    );
    for (const { ordinal, result, latencyNs } of found?.cells ?? []) {
      const samples = this.samplesBlobs(id, result.id, latencyNs);
      insertCell.run(id, result.id, ordinal, statusColumn(result.status), packSummary(result), samples.from);
      if (samples.own && latencyNs) insertSamples.run(id, result.id, latencyNs.length, samples.own);
    }
    this.db
      .prepare("UPDATE runs SET status = 'abandoned', noise = ?, trials = ? WHERE id = ?")
      .run(found?.noise ? JSON.stringify(found.noise) : null, found?.trials ? JSON.stringify(found.trials) : row.trials, id);
  }

  /**
   * Several writes as one: all of them are stored or none (an import, a merge). The store's own
   * writes inside `fn` become savepoints of this transaction.
   */
  atomically<T>(doing: string, fn: () => T): T {
    return this.write(doing, () => this.db.transaction(fn).immediate());
  }

  /** A write, its failure (a full disk, a lock held too long) told in one line. */
  private write<T>(doing: string, fn: () => T): T {
    return guarded(this.file, doing, fn, this.busyTimeoutMs);
  }

  /**
   * A new run, owned by this process (host, pid, process identity: liveness.ts). Its resolved
   * suite is stored once by content hash, however many runs share it.
   */
  createRun(run: RunRow): void {
    const body = JSON.stringify(run.resolvedSuite);
    const bytes = Buffer.byteLength(body);
    if (bytes > MAX_SUITE_BYTES) {
      throw new UserError(
        `${run.suiteFile}: the resolved suite is ${mb(bytes)}, over the ${mb(MAX_SUITE_BYTES)} bench stores with a run; ` +
          "shorten what makes it large (a request body, say)",
      );
    }
    const hash = suiteHash(body);
    const owner = currentOwner();
    const insertSuite = this.db.prepare("INSERT OR IGNORE INTO suites (hash, body) VALUES (?, ?)");
    const insertRun = this.db.prepare(
      `INSERT INTO runs (id, suite, suite_file, suite_id, seed, status, started_at, finished_at, fingerprint_id, bench_version, order_mode, noise, trials, origin, host, pid, process)
       VALUES (@id, @suite, @suiteFile, (SELECT id FROM suites WHERE hash = @hash), @seed, @status, @startedAt, @finishedAt, @fingerprint, @benchVersion, @order, @noise, @trials, @origin, @host, @pid, @process)`,
    );
    this.write("storing the new run", () =>
      this.db
        .transaction(() => {
          insertSuite.run(hash, body);
          insertRun.run({
            id: run.id,
            suite: run.suite,
            suiteFile: run.suiteFile,
            hash,
            seed: run.seed,
            status: run.status,
            startedAt: run.startedAt,
            finishedAt: run.finishedAt,
            fingerprint: this.internFingerprint(run.fingerprint),
            benchVersion: run.benchVersion,
            order: run.order,
            noise: run.noise ? JSON.stringify(run.noise) : null,
            trials: run.trials ? JSON.stringify(run.trials) : null,
            origin: run.origin ? JSON.stringify(run.origin) : null,
            ...owner,
          });
        })
        .immediate(),
    );
  }

  /**
   * Each top-level part of a fingerprint stored once by content hash (schema 7), and their list,
   * `{key: part id}`, once in `fingerprints` (schema 9): what the run keeps is that list's id. The
   * list is found by its text (no index: a store holds one list per machine, commit and suite's
   * models, and an index would double what each of them takes). Inside the caller's transaction.
   */
  private internFingerprint(fingerprint: Fingerprint): number {
    const refs = this.fingerprintRefs(fingerprint);
    const found = this.db.prepare("SELECT id FROM fingerprints WHERE refs = ? ORDER BY id DESC LIMIT 1").pluck().get(refs) as number | undefined;
    return found ?? Number(this.db.prepare("INSERT INTO fingerprints (refs) VALUES (?)").run(refs).lastInsertRowid);
  }

  /** A fingerprint's parts stored (by content hash), and `{key: part id}` as JSON. */
  private fingerprintRefs(fingerprint: Fingerprint): string {
    const insert = this.db.prepare("INSERT OR IGNORE INTO fingerprint_parts (hash, body) VALUES (?, ?)");
    const find = this.db.prepare("SELECT id FROM fingerprint_parts WHERE hash = ?").pluck();
    const refs: Record<string, number> = {};
    for (const [key, value] of Object.entries(fingerprint)) {
      const body = JSON.stringify(value ?? null);
      const hash = suiteHash(body);
      insert.run(hash, body);
      const id = find.get(hash) as number;
      this.parts.set(id, body);
      refs[key] = id;
    }
    return JSON.stringify(refs);
  }

  /** A run's fingerprint from its parts' ids (internFingerprint). */
  private fingerprintOf(refsJson: string | null): Fingerprint {
    const refs = refsJson === null ? {} : (JSON.parse(refsJson) as Record<string, number>);
    const out: Record<string, unknown> = {};
    for (const [key, id] of Object.entries(refs)) {
      let body = this.parts.get(id);
      if (body === undefined) {
        body = (this.db.prepare("SELECT body FROM fingerprint_parts WHERE id = ?").pluck().get(id) as string | undefined) ?? "null";
        this.parts.set(id, body);
      }
      out[key] = JSON.parse(body);
    }
    return out as unknown as Fingerprint;
  }

  /**
   * The run's final status; who wrote it is forgotten (liveness.ts needs it only while the run is
   * `running`). A lock held by another process is waited for (SQLite retries for up
   * to the busy timeout), then reported in one line; the cells are already stored by then.
   */
  finishRun(id: string, status: RunStatus, finishedAt: string, noise: NoiseReport | null = null, trials: RunTrials | null = null): void {
    this.write(`marking run ${id} ${status}`, () =>
      this.db
        .transaction(() => {
          const infos = this.trialInfoTexts(id);
          this.db
            .prepare("UPDATE runs SET status = ?, finished_at = ?, noise = ?, trials = ?, host = NULL, pid = NULL, process = NULL WHERE id = ?")
            .run(status, finishedAt, noise ? packRunJson(noise, infos) : null, trials ? packRunJson(trials, infos) : null, id);
        })
        .immediate(),
    );
  }

  /**
   * One trial's result of one cell and its timed samples, stored as soon as the trial has it. A
   * result stored again (the trial flags its noisy cells at its end) has the summaries packed
   * against the one it replaces packed again, against what is there now.
   */
  saveTrialCell(runId: string, trial: number, ordinal: number, cell: CellResult, latencyNs?: Float64Array): void {
    const bytes = latencyNs && latencyNs.length > 0 ? packSamples(latencyNs) : null;
    this.write(`storing cell ${cell.id} of trial ${trial}`, () =>
      this.db
        .transaction(() => {
          const old = this.db
            .prepare("SELECT ordinal, summary FROM trial_cells WHERE run = (SELECT key FROM runs WHERE id = ?) AND trial = ? AND cell_id = ?")
            .get(runId, trial, cell.id) as { ordinal: number; summary: Buffer | string } | undefined;
          // Packed again after: the summaries packed against this one, and against another cell's at the ordinal this one takes (a reference by ordinal must stay unique).
          const clashes = this.db
            .prepare("SELECT cell_id, summary FROM trial_cells WHERE run = (SELECT key FROM runs WHERE id = ?) AND trial = ? AND ordinal = ? AND cell_id <> ?")
            .all(runId, trial, ordinal, cell.id) as { cell_id: string; summary: Buffer | string }[];
          const dependents = uniqueDependents([
            ...(old ? this.dependents(runId, trial, cell.id, old.ordinal, isCenter(old.summary, trial)) : []),
            ...clashes.flatMap((c) => this.dependents(runId, trial, c.cell_id, ordinal, isCenter(c.summary, trial))),
          ]);
          // Updated in place when it is there: a row deleted and inserted again (INSERT OR REPLACE) would leave its old bytes unused in its page.
          if (old)
            this.db
              .prepare(
                "UPDATE trial_cells SET ordinal = ?, summary = ?, latency_ns = ? WHERE run = (SELECT key FROM runs WHERE id = ?) AND trial = ? AND cell_id = ?",
              )
              .run(ordinal, this.summaryBlob(runId, cell, trial, ordinal), bytes, runId, trial, cell.id);
          else
            this.db
              .prepare(
                "INSERT INTO trial_cells (run, trial, cell_id, ordinal, summary, latency_ns) VALUES ((SELECT key FROM runs WHERE id = ?), ?, ?, ?, ?, ?)",
              )
              .run(runId, trial, cell.id, ordinal, this.summaryBlob(runId, cell, trial, ordinal), bytes);
          for (const d of dependents) {
            if (d.trial === 0)
              this.db
                .prepare("UPDATE cells SET summary = ? WHERE run = (SELECT key FROM runs WHERE id = ?) AND cell_id = ?")
                .run(this.summaryBlob(runId, d.value), runId, d.value.id);
            else
              this.db
                .prepare("UPDATE trial_cells SET summary = ? WHERE run = (SELECT key FROM runs WHERE id = ?) AND trial = ? AND cell_id = ?")
                .run(this.summaryBlob(runId, d.value, d.trial), runId, d.trial, d.value.id);
          }
        })
        .immediate(),
    );
  }

  /**
   * The summaries of run `runId` packed against trial `trial`'s cell `ordinal` (format 3), read
   * back: the same cell in later trials and in the run, and, when that summary is a centre
   * (summaryBlob), the other cells of its trial.
   */
  private dependents(runId: string, trial: number, cellId: string, ordinal: number, center: boolean): { trial: number; value: CellResult }[] {
    const rows = [
      ...(this.db
        .prepare(
          `SELECT trial, cell_id, summary FROM trial_cells WHERE run = (SELECT key FROM runs WHERE id = ?) AND (cell_id = ?${center ? " OR trial = ?" : ""})`,
        )
        .all(runId, cellId, ...(center ? [trial] : [])) as { trial: number; cell_id: string; summary: Buffer | string }[]),
      ...(this.db
        .prepare("SELECT 0 AS trial, cell_id, summary FROM cells WHERE run = (SELECT key FROM runs WHERE id = ?) AND cell_id = ?")
        .all(runId, cellId) as {
        trial: number;
        cell_id: string;
        summary: Buffer | string;
      }[]),
    ];
    return rows
      .filter((r) => summaryRefs(r.summary)?.some((ref) => ref.trial === trial && ref.ordinal === ordinal))
      .map((r) => ({ trial: r.trial, value: this.storedSummary(runId, r.cell_id, r.summary) }));
  }

  saveTrialInfo(runId: string, info: TrialInfo): void {
    this.write(`storing trial ${info.trial}`, () =>
      this.db
        .prepare("INSERT OR REPLACE INTO trial_info (run, trial, info) VALUES ((SELECT key FROM runs WHERE id = ?), ?, ?)")
        .run(runId, info.trial, packText(JSON.stringify(info))),
    );
  }

  /** A run's trial infos as stored (JSON text), in trial order: what its noise and trials columns are packed against (packRunJson). */
  private trialInfoTexts(runId: string): string[] {
    return (
      this.db.prepare("SELECT info FROM trial_info WHERE run = (SELECT key FROM runs WHERE id = ?) ORDER BY trial").pluck().all(runId) as (Buffer | string)[]
    ).map(unpackText);
  }

  /** Every trial of a run so far: their infos by trial, and each trial's result of each cell with its samples. */
  loadTrials(runId: string): { infos: TrialInfo[]; cells: StoredTrialCell[] } {
    const infos = this.trialInfoTexts(runId).map((text) => JSON.parse(text) as TrialInfo);
    const rows = this.db
      .prepare("SELECT trial, cell_id, ordinal, summary, latency_ns FROM trial_cells WHERE run = (SELECT key FROM runs WHERE id = ?) ORDER BY ordinal, trial")
      .all(runId) as {
      trial: number;
      cell_id: string;
      ordinal: number;
      summary: Buffer | string;
      latency_ns: Buffer | null;
    }[];
    const cells = rows.map((r) => ({
      trial: r.trial,
      ordinal: r.ordinal,
      result: this.storedSummary(runId, r.cell_id, r.summary),
      latencyNs: r.latency_ns ? ownSamples(r.latency_ns) : undefined,
    }));
    return { infos, cells };
  }

  /** Replace a stored cell's summary (e.g. once the run's noise check has flagged it). */
  updateCell(runId: string, cell: CellResult): void {
    this.write(`storing cell ${cell.id}`, () =>
      this.db
        .transaction(() => {
          const old = this.db
            .prepare("SELECT ordinal, summary FROM cells WHERE run = (SELECT key FROM runs WHERE id = ?) AND cell_id = ?")
            .get(runId, cell.id) as { ordinal: number; summary: Buffer | string } | undefined;
          // The run's cells packed against this one (its centre, summaryBlob) are packed again, against what is there now.
          const dependents = old && isCenter(old.summary, 0) ? this.runDependents(runId, old.ordinal, cell.id) : [];
          this.db
            .prepare("UPDATE cells SET status = ?, summary = ? WHERE run = (SELECT key FROM runs WHERE id = ?) AND cell_id = ?")
            .run(statusColumn(cell.status), this.summaryBlob(runId, cell), runId, cell.id);
          for (const d of dependents)
            this.db
              .prepare("UPDATE cells SET summary = ? WHERE run = (SELECT key FROM runs WHERE id = ?) AND cell_id = ?")
              .run(this.summaryBlob(runId, d), runId, d.id);
        })
        .immediate(),
    );
  }

  /** The run's cells (but `except`) packed against the run's cell at `ordinal`, read back. */
  private runDependents(runId: string, ordinal: number, except: string): CellResult[] {
    const rows = this.db.prepare("SELECT cell_id, summary FROM cells WHERE run = (SELECT key FROM runs WHERE id = ?) AND cell_id <> ?").all(runId, except) as {
      cell_id: string;
      summary: Buffer | string;
    }[];
    return rows
      .filter((r) => summaryRefs(r.summary)?.some((ref) => ref.trial === 0 && ref.ordinal === ordinal))
      .map((r) => this.storedSummary(runId, r.cell_id, r.summary));
  }

  /** One cell, its summary and its raw samples (ns, in measurement order), in one transaction. */
  saveCell(runId: string, ordinal: number, cell: CellResult, latencyNs?: Float64Array): void {
    const insertCell = this.db.prepare(
      "INSERT INTO cells (run, cell_id, ordinal, status, summary, samples_from) VALUES ((SELECT key FROM runs WHERE id = ?), ?, ?, ?, ?, ?)",
    );
    const insertSamples = this.db.prepare("INSERT INTO samples (run, cell_id, count, latency_ns) VALUES ((SELECT key FROM runs WHERE id = ?), ?, ?, ?)");
    this.write(`storing cell ${cell.id}`, () =>
      this.db
        .transaction(() => {
          // Another cell of the run at this ordinal: the run's cells packed against it are packed again after (a reference by ordinal must stay unique).
          const clashes = this.db
            .prepare("SELECT summary FROM cells WHERE run = (SELECT key FROM runs WHERE id = ?) AND ordinal = ?")
            .pluck()
            .all(runId, ordinal) as (Buffer | string)[];
          const dependents = clashes.some((c) => isCenter(c, 0)) ? this.runDependents(runId, ordinal, cell.id) : [];
          const samples = this.samplesBlobs(runId, cell.id, latencyNs);
          insertCell.run(runId, cell.id, ordinal, statusColumn(cell.status), this.summaryBlob(runId, cell, Number.MAX_SAFE_INTEGER, ordinal), samples.from);
          if (samples.own && latencyNs) insertSamples.run(runId, cell.id, latencyNs.length, samples.own);
          for (const d of dependents)
            this.db
              .prepare("UPDATE cells SET summary = ? WHERE run = (SELECT key FROM runs WHERE id = ?) AND cell_id = ?")
              .run(this.summaryBlob(runId, d), runId, d.id);
        })
        .immediate(),
    );
  }

  /**
   * A summary as stored (codec.ts packSummary, schema 8), against what shares most with it: a
   * run's cell against the same cell's summaries in every trial (its list of trials repeats their
   * numbers); a trial's (`before` = its trial) against the same cell's in the run's first trial;
   * and either against a centre: another cell's summary of the same trial (of the run) that refers
   * to none of that trial's (the run's) own, the first of them by ordinal. The notes, the inputs,
   * the model's path and, in a run's cells, the output digest repeat across cells. A centre refers
   * to no other centre, so a summary is read through at most a few others. Kept when that takes
   * fewer bytes than the summary alone.
   */
  private summaryBlob(runId: string, cell: CellResult, before = Number.MAX_SAFE_INTEGER, ordinal?: number): Buffer {
    const subject = this.withDigestRef(cell);
    const alone = packSummary(subject);
    const run = before === Number.MAX_SAFE_INTEGER;
    const level = run ? 0 : before;
    // A reference names (trial, ordinal): only a summary whose ordinal no other cell of its trial (of the run) has, this one included.
    const countAt = (trial: number, at: number) =>
      (trial === 0
        ? this.db
            .prepare("SELECT COUNT(*) FROM cells WHERE run = (SELECT key FROM runs WHERE id = ?) AND ordinal = ? AND cell_id <> ?")
            .pluck()
            .get(runId, at, cell.id)
        : this.db
            .prepare("SELECT COUNT(*) FROM trial_cells WHERE run = (SELECT key FROM runs WHERE id = ?) AND trial = ? AND ordinal = ? AND cell_id <> ?")
            .pluck()
            .get(runId, trial, at, cell.id)) as number;
    const own =
      ordinal ??
      ((run
        ? this.db.prepare("SELECT ordinal FROM cells WHERE run = (SELECT key FROM runs WHERE id = ?) AND cell_id = ?").pluck().get(runId, cell.id)
        : this.db
            .prepare("SELECT ordinal FROM trial_cells WHERE run = (SELECT key FROM runs WHERE id = ?) AND trial = ? AND cell_id = ?")
            .pluck()
            .get(runId, before, cell.id)) as number | undefined);
    const trials = this.db
      .prepare("SELECT trial, ordinal, summary FROM trial_cells WHERE run = (SELECT key FROM runs WHERE id = ?) AND cell_id = ? AND trial < ? ORDER BY trial")
      .all(runId, cell.id, before) as { trial: number; ordinal: number; summary: Buffer | string }[];
    const refs: (SummaryRef & { value: unknown })[] = (run ? trials : trials.slice(0, 1))
      .filter((t) => countAt(t.trial, t.ordinal) === 0) // the same cell in another trial: no other cell there at its ordinal
      .map((t) => ({ trial: t.trial, ordinal: t.ordinal, value: this.storedSummary(runId, cell.id, t.summary) }));
    const candidates = (
      run
        ? this.db
            .prepare("SELECT cell_id, ordinal, summary FROM cells WHERE run = (SELECT key FROM runs WHERE id = ?) AND cell_id <> ? ORDER BY ordinal")
            .iterate(runId, cell.id)
        : this.db
            .prepare(
              "SELECT cell_id, ordinal, summary FROM trial_cells WHERE run = (SELECT key FROM runs WHERE id = ?) AND trial = ? AND cell_id <> ? ORDER BY ordinal",
            )
            .iterate(runId, before, cell.id)
    ) as IterableIterator<{ cell_id: string; ordinal: number; summary: Buffer | string }>;
    let center: { cell_id: string; ordinal: number; summary: Buffer | string } | undefined;
    for (const c of candidates) {
      if (c.ordinal !== own && isCenter(c.summary, level) && countAt(level, c.ordinal) === 1) {
        center = c;
        break;
      }
    }
    // The nearest bytes of the dictionary are the cheapest: the same cell's trials last.
    if (center) refs.unshift({ trial: level, ordinal: center.ordinal, value: this.storedSummary(runId, center.cell_id, center.summary) });
    if (refs.length === 0) return alone;
    const against = packSummary(subject, refs);
    return against.length < alone.length ? against : alone;
  }

  /**
   * The cell with its output digest (a run's cell) replaced by `{"$digest": id}`, its number in
   * `digests` (schema 9), where it is stored once however many runs give the same outputs: the
   * digest was more than half of a 1-trial run's cells' bytes, and a model given the same seeded
   * inputs gives it again run after run. Stored packed (exact numbers, codec.ts), found by 8 bytes
   * of its sha256 and then compared whole. Inside the caller's transaction.
   */
  private withDigestRef(cell: CellResult): CellResult {
    const digest = cell.outputDigest;
    if (digest === undefined || digest === null) return cell;
    const body = packSummary(digest);
    const hash = createHash("sha256").update(body).digest().subarray(0, 8);
    const same = (this.db.prepare("SELECT id, body FROM digests WHERE hash = ?").all(hash) as { id: number; body: Buffer }[]).find((r) => body.equals(r.body));
    const id = same?.id ?? Number(this.db.prepare("INSERT INTO digests (hash, body) VALUES (?, ?)").run(hash, body).lastInsertRowid);
    return { ...cell, outputDigest: { [DIGEST_REF]: id } as unknown as CellResult["outputDigest"] };
  }

  /** A summary read back with its output digest in place of its number (withDigestRef); a number not stored is an error, never a wrong digest. */
  private withDigest(cell: CellResult): CellResult {
    const ref = cell.outputDigest as unknown as Record<string, unknown> | null | undefined;
    const id = ref && typeof ref === "object" && Object.keys(ref).length === 1 ? ref[DIGEST_REF] : undefined;
    if (typeof id !== "number") return cell;
    let digest = this.digests.get(id);
    if (digest === undefined) {
      const body = this.db.prepare("SELECT body FROM digests WHERE id = ?").pluck().get(id) as Buffer | undefined;
      if (body === undefined) throw new Error(`cell ${cell.id}: its output digest is stored as digest ${id}, which ${this.file} does not have`);
      digest = unpackJson(body) as CellResult["outputDigest"];
      this.digests.set(id, digest);
    }
    return { ...cell, outputDigest: digest };
  }

  /** A stored summary of a cell of run `runId` (a run's or a trial's), read against the summaries it was packed against (summaryBlob). */
  private storedSummary(runId: string, cellId: string, stored: Buffer | string): CellResult {
    const trial = (t: number) =>
      (this.db
        .prepare("SELECT summary FROM trial_cells WHERE run = (SELECT key FROM runs WHERE id = ?) AND trial = ? AND cell_id = ?")
        .pluck()
        .get(runId, t, cellId) as Buffer | string | undefined) ?? undefined;
    return this.withDigest(unpackJson(stored, summaryReference(stored) === null ? undefined : trial, (ref) => this.summaryAt(runId, ref)) as CellResult);
  }

  /** The summary of run `runId` at `ref` (trial 0: the run's own cell), read back; undefined when there is not exactly one. */
  private summaryAt(runId: string, ref: SummaryRef): CellResult | undefined {
    const rows = (
      ref.trial === 0
        ? this.db.prepare("SELECT cell_id, summary FROM cells WHERE run = (SELECT key FROM runs WHERE id = ?) AND ordinal = ?").all(runId, ref.ordinal)
        : this.db
            .prepare("SELECT cell_id, summary FROM trial_cells WHERE run = (SELECT key FROM runs WHERE id = ?) AND trial = ? AND ordinal = ?")
            .all(runId, ref.trial, ref.ordinal)
    ) as { cell_id: string; summary: Buffer | string }[];
    const only = rows.length === 1 ? rows[0] : undefined;
    return only ? this.storedSummary(runId, only.cell_id, only.summary) : undefined;
  }

  /**
   * A cell's samples as stored: a reference to its trials' when they are theirs (codec.ts
   * matchTrials), kept in the cell's row (`from`, schema 8: no row of `samples` and its keys for
   * a few bytes); else packed, in a row of `samples` (`own`).
   */
  private samplesBlobs(runId: string, cellId: string, latencyNs: Float64Array | undefined): { from: Buffer | null; own: Buffer | null } {
    if (!latencyNs || latencyNs.length === 0) return { from: null, own: null };
    const refs = matchTrials(latencyNs, this.trialSamples(runId, cellId));
    return refs ? { from: packTrialRefs(refs), own: null } : { from: null, own: packSamples(latencyNs) };
  }

  /** Every trial's samples of one cell, in trial order, with how many of them were its warm-up transient. */
  private trialSamples(runId: string, cellId: string): { trial: number; dropped: number; ns: Float64Array }[] {
    const rows = this.db
      .prepare(
        "SELECT trial, summary, latency_ns FROM trial_cells WHERE run = (SELECT key FROM runs WHERE id = ?) AND cell_id = ? AND latency_ns IS NOT NULL ORDER BY trial",
      )
      .all(runId, cellId) as { trial: number; summary: Buffer | string; latency_ns: Buffer }[];
    return rows.map((r) => ({ trial: r.trial, dropped: this.storedSummary(runId, cellId, r.summary).samplesDropped, ns: ownSamples(r.latency_ns) }));
  }

  listRuns(limit = 20): RunInfo[] {
    // SQLite takes a 64-bit LIMIT; anything beyond every run there can be is all of them.
    const rows = this.db
      .prepare(
        `SELECT runs.*, fingerprints.refs AS fingerprint_refs FROM runs LEFT JOIN fingerprints ON fingerprints.id = runs.fingerprint_id ORDER BY started_at DESC, runs.key DESC LIMIT ?`,
      )
      .all(Math.max(0, Math.min(limit, Number.MAX_SAFE_INTEGER)));
    return rows.map((r) => this.toRunInfo(r as RawRun));
  }

  /**
   * What `bench list` shows of the newest `limit` runs, in two queries whatever the limit: only the
   * fingerprint's git state is parsed, and the cells are counted by status in one GROUP BY.
   */
  listRunEntries(limit = 20): RunListEntry[] {
    const rows = this.db
      .prepare(
        `SELECT id, suite, status, started_at, finished_at,
           (SELECT body FROM fingerprint_parts WHERE fingerprint_parts.id = (SELECT json_extract(refs, '$.git') FROM fingerprints WHERE fingerprints.id = runs.fingerprint_id)) AS git FROM runs
         ORDER BY started_at DESC, rowid DESC LIMIT ?`,
      )
      .all(Math.max(0, Math.min(limit, Number.MAX_SAFE_INTEGER))) as {
      id: string;
      suite: string;
      status: RunStatus;
      started_at: string;
      finished_at: string | null;
      git: string | null;
    }[];
    const counts = new Map<string, Partial<Record<CellStatus, number>>>();
    if (rows.length > 0) {
      const oldest = rows[rows.length - 1]?.started_at ?? "";
      const all = this.db
        .prepare(
          "SELECT runs.id AS run_id, cells.status AS status, COUNT(*) AS n FROM cells JOIN runs ON runs.key = cells.run WHERE started_at >= ? GROUP BY cells.run, cells.status",
        )
        .all(oldest) as { run_id: string; status: CellStatus; n: number }[];
      for (const c of all) {
        const entry = counts.get(c.run_id) ?? {};
        entry[c.status] = c.n;
        counts.set(c.run_id, entry);
      }
    }
    return rows.map((r) => ({
      id: r.id,
      suite: r.suite,
      status: r.status === "running" && this.abandoned.has(r.id) ? "abandoned" : r.status,
      startedAt: r.started_at,
      finishedAt: r.finished_at,
      git: r.git === null ? null : (JSON.parse(r.git) as Fingerprint["git"]),
      cells: counts.get(r.id) ?? {},
    }));
  }

  countCells(runId: string): Record<string, number> {
    const rows = this.db.prepare("SELECT status, COUNT(*) AS n FROM cells WHERE run = (SELECT key FROM runs WHERE id = ?) GROUP BY status").all(runId) as {
      status: string;
      n: number;
    }[];
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
      if (!Number.isSafeInteger(n)) throw new UserError(`${ref}: N in latest~N must be a whole number of runs back, at most ${Number.MAX_SAFE_INTEGER}`);
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
    const row = this.db
      .prepare(
        `SELECT runs.*, suites.body AS resolved_suite, fingerprints.refs AS fingerprint_refs FROM runs LEFT JOIN suites ON suites.id = runs.suite_id LEFT JOIN fingerprints ON fingerprints.id = runs.fingerprint_id WHERE runs.id = ?`,
      )
      .get(id) as (RawRun & { resolved_suite: string | null }) | undefined;
    if (!row) throw new UserError(`${id}: no run with this id in ${this.file}`);
    const cells = this.db.prepare("SELECT cell_id, summary FROM cells WHERE run = (SELECT key FROM runs WHERE id = ?) ORDER BY ordinal").all(id) as {
      cell_id: string;
      summary: Buffer | string;
    }[];
    return {
      run: this.toRunInfo(row),
      cells: cells.map((c) => this.storedSummary(id, c.cell_id, c.summary)),
      resolvedSuite: row.resolved_suite === null ? null : (JSON.parse(row.resolved_suite) as unknown),
    };
  }

  private toRunInfo(r: RawRun): RunInfo {
    const status = r.status === "running" && this.abandoned.has(r.id) ? "abandoned" : r.status;
    return rawToRunInfo(r, status, this.fingerprintOf(r.fingerprint_refs), (stored) => this.runJson(r.id, stored));
  }

  /** A run's noise or trials column as stored (packRunJson), or null. */
  private runJson(runId: string, stored: Buffer | string | null): unknown {
    return stored === null ? null : unpackRunJson(stored, () => this.trialInfoTexts(runId));
  }

  /** Each stored cell's position in the run's matrix, by cell id. */
  cellOrdinals(runId: string): Map<string, number> {
    const rows = this.db.prepare("SELECT cell_id, ordinal FROM cells WHERE run = (SELECT key FROM runs WHERE id = ?)").all(runId) as {
      cell_id: string;
      ordinal: number;
    }[];
    return new Map(rows.map((r) => [r.cell_id, r.ordinal]));
  }

  /** Whether a run with exactly this id is stored. */
  hasRun(id: string): boolean {
    return this.db.prepare("SELECT 1 FROM runs WHERE id = ?").get(id) !== undefined;
  }

  loadSamples(runId: string, cellId: string): Float64Array | undefined {
    const row = this.db.prepare("SELECT latency_ns FROM samples WHERE run = (SELECT key FROM runs WHERE id = ?) AND cell_id = ?").get(runId, cellId) as
      { latency_ns: Buffer } | undefined;
    const from = row
      ? undefined
      : (this.db.prepare("SELECT samples_from FROM cells WHERE run = (SELECT key FROM runs WHERE id = ?) AND cell_id = ?").pluck().get(runId, cellId) as
          Buffer | null | undefined);
    const blob = row?.latency_ns ?? from;
    if (!blob) return undefined;
    const stored = unpackSamples(blob);
    if (stored.kind === "samples") return stored.ns;
    return joinTrials(stored.refs, new Map(this.trialSamples(runId, cellId).map((t) => [t.trial, t.ns])));
  }
}

export interface StoredTrialCell {
  trial: number;
  ordinal: number;
  result: CellResult;
  latencyNs: Float64Array | undefined;
}

/** The key of a stored summary's output digest that stands for its number in `digests` (a digest's own keys are `seed` and `outputs`). */
const DIGEST_REF = "$digest";

/** Each summary once (it may depend on two that change). */
function uniqueDependents(all: readonly { trial: number; value: CellResult }[]): { trial: number; value: CellResult }[] {
  const seen = new Set<string>();
  return all.filter((d) => {
    const key = `${d.trial} ${d.value.id}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Whether a stored summary can be a centre for the other cells of trial `trial` (0: of the run): in format 3, referring to none of them. */
function isCenter(stored: Buffer | string, trial: number): boolean {
  return summaryRefs(stored)?.every((ref) => ref.trial !== trial) ?? false;
}

/** A trial's own samples (a trial's blob is never a reference). */
function ownSamples(blob: Buffer): Float64Array {
  const stored = unpackSamples(blob);
  if (stored.kind !== "samples") throw new Error("a trial's samples stored as a reference to other trials");
  return stored.ns;
}

interface RawRun {
  id: string;
  suite: string;
  suite_file: string;
  seed: number;
  status: RunStatus;
  started_at: string;
  finished_at: string | null;
  fingerprint_refs: string | null;
  bench_version: string;
  order_mode: Order;
  noise: Buffer | string | null;
  trials: Buffer | string | null;
  origin: string | null;
}

function rawToRunInfo(r: RawRun, status: RunStatus, fingerprint: Fingerprint, json: (stored: Buffer | string | null) => unknown): RunInfo {
  return {
    id: r.id,
    suite: r.suite,
    suiteFile: r.suite_file,
    status,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
    seed: r.seed,
    order: r.order_mode,
    benchVersion: r.bench_version,
    fingerprint,
    noise: r.noise ? (json(r.noise) as NoiseReport) : null,
    trials: r.trials ? (json(r.trials) as RunTrials) : null,
    ...(r.origin ? { origin: JSON.parse(r.origin) as RunOrigin } : {}),
  };
}

function parseOrNull(text: string | null): unknown {
  return text === null ? null : JSON.parse(text);
}

/**
 * The cells table's status column (its CHECK allows ok, failed, skipped): an `invalid` cell is
 * stored there as `failed`, which `bench list` counts and which it is for the exit code; its
 * summary keeps `invalid`.
 */
function statusColumn(status: CellStatus): "ok" | "failed" | "skipped" {
  return status === "invalid" ? "failed" : status;
}
