import { createHash, randomBytes } from "node:crypto";
import { existsSync, renameSync, rmSync } from "node:fs";
import type Database from "better-sqlite3";
import { UserError } from "../errors.js";
import { packJson, packSamples, unpackSamples } from "./codec.js";

/** PRAGMA application_id of a bench database ("benc"), set from schema 4: how bench knows a file is its own. */
export const APPLICATION_ID = 0x62656e63;

/**
 * Versioned schema: migration i takes the database from user_version i to i+1. Never edit a
 * migration that has shipped; add the next one. A database from a newer bench is refused rather
 * than silently misread.
 */
export const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE runs (
    id            TEXT PRIMARY KEY,
    suite         TEXT NOT NULL,
    suite_file    TEXT NOT NULL,
    resolved_suite TEXT NOT NULL,   -- JSON: the suite with every default filled in
    seed          INTEGER NOT NULL,
    status        TEXT NOT NULL CHECK (status IN ('running', 'completed', 'failed', 'interrupted')),
    started_at    TEXT NOT NULL,    -- ISO-8601 UTC
    finished_at   TEXT,
    fingerprint   TEXT NOT NULL,    -- JSON, see src/fingerprint
    bench_version TEXT NOT NULL,
    order_mode    TEXT NOT NULL CHECK (order_mode IN ('interleaved', 'sequential')),
    noise         TEXT              -- JSON: load, CPU clock and calibration around the run
  );
  CREATE INDEX runs_started ON runs (started_at);

  CREATE TABLE cells (
    run_id        TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    cell_id       TEXT NOT NULL,
    ordinal       INTEGER NOT NULL, -- position in the suite's matrix
    target        TEXT NOT NULL,
    variant       TEXT NOT NULL,
    batch         INTEGER NOT NULL,
    provider      TEXT NOT NULL,    -- 'http' for a remote target
    threads       INTEGER,          -- null for a remote target
    concurrency   INTEGER,          -- closed-loop load, or null
    rate          REAL,             -- open-loop load (requests/s), or null
    model_path    TEXT,
    status        TEXT NOT NULL CHECK (status IN ('ok', 'failed', 'skipped')),
    error         TEXT,
    session_create_ms REAL,
    first_call_ms REAL,
    warmup_iterations INTEGER,
    stop_reason   TEXT,
    elapsed_ms    REAL,
    peak_rss_kb   INTEGER,
    summary       TEXT,             -- JSON: latency percentiles with intervals, throughput
    PRIMARY KEY (run_id, cell_id)
  );

  -- Raw steady-state latencies of a cell: little-endian float64 nanoseconds, in measurement order.
  CREATE TABLE samples (
    run_id        TEXT NOT NULL,
    cell_id       TEXT NOT NULL,
    count         INTEGER NOT NULL,
    latency_ns    BLOB NOT NULL,
    PRIMARY KEY (run_id, cell_id),
    FOREIGN KEY (run_id, cell_id) REFERENCES cells (run_id, cell_id) ON DELETE CASCADE
  );
  `,
  // 2: a cell is stored once, as its JSON summary; the columns that repeated it are dropped
  // (status stays: `bench list` counts cells by it).
  [
    "target",
    "variant",
    "batch",
    "provider",
    "threads",
    "concurrency",
    "rate",
    "model_path",
    "error",
    "session_create_ms",
    "first_call_ms",
    "warmup_iterations",
    "stop_reason",
    "elapsed_ms",
    "peak_rss_kb",
  ]
    .map((column) => `ALTER TABLE cells DROP COLUMN ${column};`)
    .join("\n"),
  // 3: trials. Each trial (a fresh process) stores its own result of every cell as soon as it has
  // it; the run's cells are aggregated from them when the run ends.
  `
  ALTER TABLE runs ADD COLUMN trials TEXT;  -- JSON: the trial plan, each trial's canary and status

  CREATE TABLE trial_cells (
    run_id     TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    trial      INTEGER NOT NULL,
    cell_id    TEXT NOT NULL,
    ordinal    INTEGER NOT NULL,  -- position in the suite's matrix
    summary    TEXT NOT NULL,     -- JSON: this trial's result of the cell
    latency_ns BLOB,              -- its timed samples (float64 ns, measurement order)
    PRIMARY KEY (run_id, trial, cell_id)
  );

  CREATE TABLE trial_info (
    run_id TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    trial  INTEGER NOT NULL,
    info   TEXT NOT NULL,         -- JSON: canary, status, noise notes
    PRIMARY KEY (run_id, trial)
  );
  `,
  // 4: a resolved suite is stored once, by content hash (a suite run a thousand times is kept
  // once); a run records who writes it (host, pid, process identity, see liveness.ts) so that a
  // run whose process died is marked 'abandoned'; the file says it is bench's (application_id).
  // SQLite cannot change a CHECK constraint in place: runs is rebuilt (foreign keys are off
  // meanwhile, so the DROP does not cascade; see "Making Other Kinds Of Table Schema Changes",
  // https://sqlite.org/lang_altertable.html).
  `
  CREATE TABLE suites (
    hash TEXT PRIMARY KEY,          -- sha256 of body
    body TEXT NOT NULL              -- JSON: the suite with every default filled in
  );
  INSERT OR IGNORE INTO suites (hash, body) SELECT bench_sha256(resolved_suite), resolved_suite FROM runs;

  CREATE TABLE runs_v4 (
    id            TEXT PRIMARY KEY,
    suite         TEXT NOT NULL,
    suite_file    TEXT NOT NULL,
    suite_hash    TEXT NOT NULL REFERENCES suites (hash),
    seed          INTEGER NOT NULL,
    status        TEXT NOT NULL CHECK (status IN ('running', 'completed', 'failed', 'interrupted', 'abandoned')),
    started_at    TEXT NOT NULL,    -- ISO-8601 UTC
    finished_at   TEXT,
    fingerprint   TEXT NOT NULL,    -- JSON, see src/fingerprint
    bench_version TEXT NOT NULL,
    order_mode    TEXT NOT NULL CHECK (order_mode IN ('interleaved', 'sequential')),
    noise         TEXT,             -- JSON: load, CPU clock and calibration around the run
    trials        TEXT,             -- JSON: the trial plan, each trial's canary and status
    host          TEXT,             -- who writes the run while it is 'running' (null before schema 4)
    pid           INTEGER,
    process       TEXT              -- boot id, pid namespace, start time: liveness.ts
  );
  INSERT INTO runs_v4 (id, suite, suite_file, suite_hash, seed, status, started_at, finished_at, fingerprint, bench_version, order_mode, noise, trials)
    SELECT id, suite, suite_file, bench_sha256(resolved_suite), seed, status, started_at, finished_at, fingerprint, bench_version, order_mode, noise, trials FROM runs;
  DROP TABLE runs;
  ALTER TABLE runs_v4 RENAME TO runs;
  CREATE INDEX runs_started ON runs (started_at);
  CREATE INDEX runs_running ON runs (status) WHERE status = 'running';
  PRAGMA application_id = ${APPLICATION_ID};
  `,
  // 5: the bulk of a run packed (codec.ts): cells' and trials' summaries deflated against a preset
  // dictionary, samples as varints of their differences. A run's samples that are its trials'
  // own are stored from here on as a reference to them (saveCell), not as a second copy; the
  // copies already stored stay, packed.
  `
  UPDATE cells SET summary = bench_pack_json(summary);
  UPDATE trial_cells SET summary = bench_pack_json(summary), latency_ns = bench_pack_samples(latency_ns);
  UPDATE samples SET latency_ns = bench_pack_samples(latency_ns);
  `,
  // 6: where a run came from when it is not one machine's whole run (src/scale): a shard of the
  // matrix, a load shard, a merge of parts (each part's run id and fingerprint) or an import.
  `
  ALTER TABLE runs ADD COLUMN origin TEXT;  -- JSON: RunOrigin (results.ts); null for a plain run
  `,
  // 7: a run's fingerprint is stored once per distinct part (host, runtime, dependencies, models,
  // git, ... each top-level key), by content hash, and a run refers to its parts by number: most
  // runs of a machine share all of them but git and models (700 bytes a run before). A run's cell
  // summaries are packed against its trials' from here on (codec.ts packJsonAgainst).
  `
  CREATE TABLE fingerprint_parts (
    id   INTEGER PRIMARY KEY,
    hash TEXT NOT NULL UNIQUE,    -- sha256 of body
    body TEXT NOT NULL            -- JSON: the value of one top-level key of a fingerprint
  );
  INSERT OR IGNORE INTO fingerprint_parts (hash, body)
    SELECT bench_sha256(body), body FROM
      (SELECT bench_json_part(runs.fingerprint, j.key) AS body FROM runs, json_each(runs.fingerprint) AS j ORDER BY runs.rowid, j.id);
  ALTER TABLE runs ADD COLUMN fingerprint_refs TEXT;  -- JSON: {key: fingerprint_parts.id}, in the fingerprint's key order
  UPDATE runs SET fingerprint_refs = (
    SELECT json_group_object(key, id) FROM
      (SELECT j.key AS key, p.id AS id FROM json_each(runs.fingerprint) AS j
         JOIN fingerprint_parts AS p ON p.hash = bench_sha256(bench_json_part(runs.fingerprint, j.key)) ORDER BY j.id));
  ALTER TABLE runs DROP COLUMN fingerprint;
  `,
  // 8: written from here on (codec.ts; what is stored stays in its format): summaries with their
  // numbers apart from their JSON (format 3), a trial's first summary of a cell packed against
  // another cell's of the same trial, a run's against all its trials', by (trial, ordinal); a
  // run's noise and trials columns against its trial infos (format 4); trial infos deflated
  // (format 5). A run's samples that are its trials' own are a reference in its cell's row
  // (samples_from) instead of a row of samples; the rows there are moved. A finished run no
  // longer keeps who wrote it (host, pid, process: liveness.ts reads them while it runs).
  `
  ALTER TABLE cells ADD COLUMN samples_from BLOB;  -- the cell's samples when they are its trials' own (codec.ts packTrialRefs); then no row in samples
  UPDATE cells SET samples_from = (SELECT latency_ns FROM samples AS s WHERE s.run_id = cells.run_id AND s.cell_id = cells.cell_id AND substr(s.latency_ns, 1, 1) = x'02');
  DELETE FROM samples WHERE substr(latency_ns, 1, 1) = x'02';
  UPDATE runs SET host = NULL, pid = NULL, process = NULL WHERE status <> 'running';
  `,
  // 9: a run has a number in its file (runs.key, its rowid made explicit so that VACUUM keeps it),
  // and its cells, trial cells, trial infos and samples refer to it by that number instead of
  // repeating its id, in their rows and in the index of their primary key. Cells and trial infos
  // (rows of ~200 bytes) are WITHOUT ROWID tables: one b-tree keyed by (run, ...) where they had a
  // second repeating the key. Trial cells and samples stay rowid tables: a WITHOUT ROWID b-tree
  // keeps whole rows in its interior pages, and with rows of a kB (a trial's samples) to 100 kB
  // those pages would take more than the index they save. A run refers to its suite by number (suites.id)
  // instead of the 64-character hash, and to its fingerprint's list of parts (`fingerprints`, one
  // row per distinct list: the runs of one machine and commit share it) by number. A run's cell
  // written from here on has its output digest stored once in `digests` (db.ts withDigestRef). Runs are
  // rebuilt (foreign keys are off, as in 4); what the rows hold is copied as it is. The columns
  // mean what they did (see the migrations above); new: fingerprints.refs, the JSON
  // {key: fingerprint_parts.id} runs kept; digests.hash, the first 8 bytes of the sha256 of
  // digests.body, a digest packed by codec.ts packSummary. No comments in this SQL: SQLite keeps
  // each CREATE's text in the file, and sqlite_schema stays in one page.
  `
  CREATE TABLE suites_v9 (
    id INTEGER PRIMARY KEY,
    hash TEXT NOT NULL UNIQUE,
    body TEXT NOT NULL
  );
  INSERT INTO suites_v9 (hash, body) SELECT hash, body FROM suites ORDER BY rowid;

  CREATE TABLE fingerprints (
    id INTEGER PRIMARY KEY,
    refs TEXT NOT NULL
  );
  INSERT INTO fingerprints (refs) SELECT fingerprint_refs FROM runs WHERE fingerprint_refs IS NOT NULL GROUP BY fingerprint_refs ORDER BY MIN(rowid);
  CREATE INDEX fingerprints_v9 ON fingerprints (refs);

  CREATE TABLE digests (
    id INTEGER PRIMARY KEY,
    hash BLOB NOT NULL,
    body BLOB NOT NULL
  );
  CREATE INDEX digests_hash ON digests (hash);

  CREATE TABLE runs_v9 (
    key INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    suite TEXT NOT NULL,
    suite_file TEXT NOT NULL,
    suite_id INTEGER NOT NULL REFERENCES suites (id),
    seed INTEGER NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('running', 'completed', 'failed', 'interrupted', 'abandoned')),
    started_at TEXT NOT NULL,
    finished_at TEXT,
    bench_version TEXT NOT NULL,
    order_mode TEXT NOT NULL CHECK (order_mode IN ('interleaved', 'sequential')),
    noise TEXT,
    trials TEXT,
    host TEXT,
    pid INTEGER,
    process TEXT,
    origin TEXT,
    fingerprint_id INTEGER REFERENCES fingerprints (id)
  );
  INSERT INTO runs_v9 (key, id, suite, suite_file, suite_id, seed, status, started_at, finished_at, bench_version, order_mode, noise, trials, host, pid, process, origin, fingerprint_id)
    SELECT rowid, id, suite, suite_file, (SELECT id FROM suites_v9 WHERE hash = runs.suite_hash), seed, status, started_at, finished_at, bench_version, order_mode,
      noise, trials, host, pid, process, origin, (SELECT id FROM fingerprints WHERE refs = runs.fingerprint_refs) FROM runs ORDER BY rowid;
  DROP INDEX fingerprints_v9;

  CREATE TABLE cells_v9 (
    run INTEGER NOT NULL REFERENCES runs (key) ON DELETE CASCADE,
    cell_id TEXT NOT NULL,
    ordinal INTEGER NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('ok', 'failed', 'skipped')),
    summary TEXT,
    samples_from BLOB,
    PRIMARY KEY (run, cell_id)
  ) WITHOUT ROWID;
  INSERT INTO cells_v9 SELECT r.key, c.cell_id, c.ordinal, c.status, c.summary, c.samples_from FROM cells AS c JOIN runs_v9 AS r ON r.id = c.run_id;

  CREATE TABLE samples_v9 (
    run INTEGER NOT NULL,
    cell_id TEXT NOT NULL,
    count INTEGER NOT NULL,
    latency_ns BLOB NOT NULL,
    PRIMARY KEY (run, cell_id),
    FOREIGN KEY (run, cell_id) REFERENCES cells (run, cell_id) ON DELETE CASCADE
  );
  INSERT INTO samples_v9 SELECT r.key, s.cell_id, s.count, s.latency_ns FROM samples AS s JOIN runs_v9 AS r ON r.id = s.run_id;

  CREATE TABLE trial_cells_v9 (
    run INTEGER NOT NULL REFERENCES runs (key) ON DELETE CASCADE,
    trial INTEGER NOT NULL,
    cell_id TEXT NOT NULL,
    ordinal INTEGER NOT NULL,
    summary TEXT NOT NULL,
    latency_ns BLOB,
    PRIMARY KEY (run, trial, cell_id)
  );
  INSERT INTO trial_cells_v9 SELECT r.key, t.trial, t.cell_id, t.ordinal, t.summary, t.latency_ns FROM trial_cells AS t JOIN runs_v9 AS r ON r.id = t.run_id;

  CREATE TABLE trial_info_v9 (
    run INTEGER NOT NULL REFERENCES runs (key) ON DELETE CASCADE,
    trial INTEGER NOT NULL,
    info TEXT NOT NULL,
    PRIMARY KEY (run, trial)
  ) WITHOUT ROWID;
  INSERT INTO trial_info_v9 SELECT r.key, t.trial, t.info FROM trial_info AS t JOIN runs_v9 AS r ON r.id = t.run_id;

  DROP TABLE samples;
  DROP TABLE cells;
  DROP TABLE trial_cells;
  DROP TABLE trial_info;
  DROP TABLE runs;
  DROP TABLE suites;
  ALTER TABLE suites_v9 RENAME TO suites;
  ALTER TABLE runs_v9 RENAME TO runs;
  ALTER TABLE cells_v9 RENAME TO cells;
  ALTER TABLE samples_v9 RENAME TO samples;
  ALTER TABLE trial_cells_v9 RENAME TO trial_cells;
  ALTER TABLE trial_info_v9 RENAME TO trial_info;
  CREATE INDEX runs_started ON runs (started_at);
  CREATE INDEX runs_running ON runs (status) WHERE status = 'running';
  `,
];

export const SCHEMA_VERSION = MIGRATIONS.length;

/** sha256 of a resolved suite's JSON: the key it is stored under, once however many runs use it. */
export function suiteHash(body: string): string {
  return createHash("sha256").update(body).digest("hex");
}

export interface Identity {
  version: number;
  /** bench's own: it has bench's application_id, or it is a database of bench before schema 4 (its tables, no id). */
  ours: boolean;
}

/** Reads only. */
export function identify(db: Database.Database): Identity {
  const version = db.pragma("user_version", { simple: true }) as number;
  const applicationId = db.pragma("application_id", { simple: true }) as number;
  if (applicationId === APPLICATION_ID) return { version, ours: true };
  if (applicationId !== 0 || version < 1 || version > 3) return { version, ours: false };
  const tables = new Set((db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[]).map((t) => t.name));
  return { version, ours: ["runs", "cells", "samples"].every((t) => tables.has(t)) };
}

export function newerError(file: string, version: number): string {
  return `${file}: database schema version ${version} is newer than this bench understands (${SCHEMA_VERSION}); bench leaves it alone: upgrade bench or use another --db`;
}

/**
 * Takes `db` from schema `from` to the current one in one transaction. For a new database, and
 * for a copy in memory; a file someone already has goes through `upgrade` (a backup first).
 */
export function migrate(db: Database.Database, from = 0, to = SCHEMA_VERSION): void {
  migrationFunctions(db);
  db.pragma("foreign_keys = OFF"); // a no-op inside a transaction: the rebuild of `runs` needs it off
  try {
    db.transaction(() => apply(db, from, to)).immediate();
  } finally {
    db.pragma("foreign_keys = ON");
  }
}

/** The SQL functions the migrations call. */
function migrationFunctions(db: Database.Database): void {
  db.function("bench_sha256", { deterministic: true }, (text: unknown) => suiteHash(String(text)));
  db.function("bench_json_part", { deterministic: true }, (text: unknown, key: unknown) =>
    JSON.stringify((JSON.parse(String(text)) as Record<string, unknown>)[String(key)] ?? null),
  );
  db.function("bench_pack_json", { deterministic: true }, (text: unknown) => packJson(JSON.parse(String(text))));
  db.function("bench_pack_samples", { deterministic: true }, (blob: unknown) => {
    if (!Buffer.isBuffer(blob)) return null;
    const old = unpackSamples(blob, "float64");
    return old.kind === "samples" ? packSamples(old.ns) : null;
  });
}

/** Migrations `from` up to `to` (the current schema, or an older one to build a test's old database). */
function apply(db: Database.Database, from: number, to = SCHEMA_VERSION): void {
  for (let v = from; v < to; v++) db.exec(MIGRATIONS[v] ?? "");
  db.pragma(`user_version = ${to}`);
  const broken = db.pragma("foreign_key_check") as unknown[];
  if (broken.length > 0) throw new Error(`migration to schema ${to} left ${broken.length} dangling reference(s)`);
}

/**
 * An older bench database, upgraded in place after a copy of it is kept next to it
 * (FILE.vN.bak). The version is read again inside the write transaction, so of several processes
 * opening the same old file at once exactly one migrates it and the others find it done. Returns
 * where the backup is, or null when there was nothing to do.
 */
export function upgrade(db: Database.Database, file: string, absolute: string): { from: number; backup: string } | null {
  const seen = db.pragma("user_version", { simple: true }) as number;
  if (seen > SCHEMA_VERSION) throw new UserError(newerError(file, seen));
  if (seen === SCHEMA_VERSION) return null;
  // VACUUM INTO cannot run inside a transaction: the copy is taken just before the lock.
  const copy = `${absolute}.v${seen}.${randomBytes(4).toString("hex")}.tmp`;
  db.prepare("VACUUM INTO ?").run(copy);
  migrationFunctions(db);
  db.pragma("foreign_keys = OFF");
  try {
    return db
      .transaction(() => {
        const now = db.pragma("user_version", { simple: true }) as number;
        if (now > SCHEMA_VERSION) throw new UserError(newerError(file, now));
        if (now === SCHEMA_VERSION) return null;
        const backup = freeName(`${absolute}.v${seen}.bak`);
        renameSync(copy, backup);
        apply(db, now);
        return { from: now, backup };
      })
      .immediate();
  } finally {
    db.pragma("foreign_keys = ON");
    rmSync(copy, { force: true });
  }
}

function freeName(wanted: string): string {
  if (!existsSync(wanted)) return wanted;
  for (let i = 2; ; i++) if (!existsSync(`${wanted}.${i}`)) return `${wanted}.${i}`;
}
