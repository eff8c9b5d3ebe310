import type Database from "better-sqlite3";

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
];

export const SCHEMA_VERSION = MIGRATIONS.length;

export function migrate(db: Database.Database, file: string): void {
  const current = db.pragma("user_version", { simple: true }) as number;
  if (current > SCHEMA_VERSION) {
    throw new Error(`${file}: database schema version ${current} is newer than this bench understands (${SCHEMA_VERSION}); upgrade bench or use another --db`);
  }
  for (let v = current; v < SCHEMA_VERSION; v++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[v] ?? "");
      db.pragma(`user_version = ${v + 1}`);
    })();
  }
}
