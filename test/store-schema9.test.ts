import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import type { Fingerprint } from "../src/fingerprint/index.js";
import { skippedCell } from "../src/measure/cell-result.js";
import type { CellResult, NoiseReport, RunTrials, TrialInfo } from "../src/results.js";
import { msToNs, nsToMs } from "../src/stats/metrics.js";
import { packSummary } from "../src/store/codec.js";
import { Store } from "../src/store/db.js";
import { migrate, SCHEMA_VERSION } from "../src/store/schema.js";
import { bench } from "./helpers/cli.js";

const tempDb = (name = "r.db") => path.join(mkdtempSync(path.join(tmpdir(), "bench-s9-")), name);
const fingerprintAt = (commit: string): Fingerprint => ({
  host: { hostname: "h", cpuModel: "AMD EPYC", logicalCores: 2, cpuSpeedMHz: 0, memoryBytes: 25e9, arch: "x64", platform: "linux", os: "Debian", kernel: "6" },
  runtime: { node: "20.20.2", v8: "11.3", onnxruntime: "1.30.0", bench: "0.1.0" },
  dependencies: { "onnxruntime-node": "1.30.0" },
  models: { "m.onnx": { sha256: "ab".repeat(32), bytes: 1000 } },
  git: { commit, dirty: false, branch: "main" },
});

/** Whole-nanosecond latencies around 90 µs, as the real clock gives them. */
const latencies = (n: number, seed: number) => Float64Array.from({ length: n }, (_, i) => 85_000 + ((i * 7919 + seed * 104_729) % 9_973));
const cellKey = (ordinal: number) => {
  const variant = `v${ordinal % 7}`;
  const batch = 1 + Math.floor(ordinal / 7);
  return { id: `m/${variant}/b${batch}/cpu/t1`, target: "m", variant, batch, provider: "cpu", threads: 1, load: { mode: "single" } } as const;
};
/** A summary with the kinds of numbers a real one has; `odd` makes some of them NaN or Infinity (JSON writes them null). */
function summaryOf(ordinal: number, trial: number, ns: Float64Array, odd = false): CellResult {
  const sorted = Array.from(ns).sort((a, b) => a - b);
  const ms = (k: number) => nsToMs(sorted[Math.min(sorted.length - 1, k)] ?? 0);
  return {
    ...skippedCell(cellKey(ordinal), "x"),
    status: "ok",
    error: null,
    samples: ns.length,
    samplesDropped: 0,
    latencyMs: {
      p50: { value: ms(ns.length >> 1), ci: ns.length > 1 ? [ms(0), ms(ns.length - 1)] : null },
      p90: { value: ms(90) / 3 + 1e-7 * trial, ci: null },
      p95: { value: ms(95), ci: null },
      p99: { value: odd ? Number.POSITIVE_INFINITY : ms(99), ci: null },
      p999: { value: ms(99) * 1.1, ci: null },
      mean: { value: 0.113 / 3 + trial, ci: odd ? [Number.NEGATIVE_INFINITY, Number.NaN] : [0.071, 0.155] },
      stddev: odd ? Number.NaN : 0.188 / 3,
      min: ms(0),
      max: ms(ns.length - 1),
    },
    relativeCI: 0.0267 / 3,
    elapsedMs: 11.474452 + trial,
    notes: ["p99: 100 samples are too few for a 95% interval (needs at least 368)"],
    ...(trial === 0 ? { outputDigest: { seed: 7, outputs: { y: { dims: [1, 3], values: [0.1 + 0.2, Math.fround(ordinal / 3), -2] } } } } : {}),
  };
}
const failedOf = (ordinal: number): CellResult => ({
  ...skippedCell(cellKey(ordinal), "x"),
  status: "failed",
  error: "Reshape: input 2 × 4 does not fit [1, 4]",
});
const infoOf = (trial: number): TrialInfo => ({
  trial,
  status: "completed",
  startedAt: `2026-01-01T00:00:0${trial}.000Z`,
  finishedAt: `2026-01-01T00:00:0${trial}.500Z`,
  canaryMs: [12.348266, 13.107851 + trial],
  disturbed: false,
  notes: ["other processes used up to 71% of the CPU"],
});
const trialsOf = (n: number) =>
  ({
    ...{ min: n, max: n, targetRelativeCI: 0.02, canaryMs: 12.7280585, stopReason: "max-trials" },
    trials: Array.from({ length: n }, (_, k) => ({ ...infoOf(k + 1), disturbed: k === 0 })),
  }) as unknown as RunTrials;
const noise = { calibrationBeforeMs: 12.348266, calibrationAfterMs: 13.107851, samples: [], noisy: false, reasons: [] } as unknown as NoiseReport;
const viaMs = (...parts: Float64Array[]) => Float64Array.from(parts.flatMap((p) => Array.from(p, (x) => msToNs(nsToMs(x)))));
const bits = (a: Float64Array | undefined) => Buffer.from((a ?? new Float64Array(0)).buffer).toString("hex");

/** Everything a reader returns of a run, as JSON: the run, its cells, every trial's cells, every cell's samples. */
function readBack(store: Store, id: string): string {
  const { run, cells, resolvedSuite } = store.loadRun(id);
  const trials = store.loadTrials(id);
  const samples = cells.map((c) => bits(store.loadSamples(id, c.id)));
  return JSON.stringify({
    run,
    cells,
    resolvedSuite,
    trials: trials.cells.map((c) => [c.trial, c.ordinal, c.result, bits(c.latencyNs)]),
    infos: trials.infos,
    samples,
  });
}

/**
 * A store of this build's: "edge" (2 trials; a failed cell, a cell of 1 sample, one of 0, one with
 * NaN and Infinity statistics, one whose run samples are not its trials'), "many" (40 cells, one
 * trial, another commit) and "live" (still running, owned).
 */
function writeStore(file: string): void {
  const store = Store.open(file, { notice: () => {} });
  const row = (id: string, startedAt: string, commit: string) => ({
    ...{ id, suite: "s", suiteFile: "/s.yaml", status: "running" as const, startedAt, finishedAt: null, seed: 1, order: "interleaved" as const },
    ...{ noise: null, trials: null, benchVersion: "0.1.0", resolvedSuite: { name: "s", seed: 1 }, fingerprint: fingerprintAt(commit) },
  });
  store.createRun(row("edge", "2026-01-01T00:00:00.000Z", "c1"));
  const sizes = [100, 1, 0, 100, 100];
  for (const trial of [1, 2]) {
    sizes.forEach((n, ordinal) => {
      const ns = latencies(n, ordinal * 10 + trial);
      store.saveTrialCell("edge", trial, ordinal, n === 0 ? failedOf(ordinal) : summaryOf(ordinal, trial, ns, ordinal === 3), n === 0 ? undefined : ns);
    });
    store.saveTrialInfo("edge", infoOf(trial));
  }
  sizes.forEach((n, ordinal) => {
    if (n === 0) return store.saveCell("edge", ordinal, failedOf(ordinal));
    const ns = ordinal === 4 ? latencies(50, 99) : viaMs(latencies(n, ordinal * 10 + 1), latencies(n, ordinal * 10 + 2));
    store.saveCell("edge", ordinal, summaryOf(ordinal, 0, ns, ordinal === 3), ns);
  });
  store.finishRun("edge", "completed", "2026-01-01T00:00:09.000Z", noise, trialsOf(2));

  store.createRun(row("many", "2026-01-02T00:00:00.000Z", "c2"));
  for (let ordinal = 0; ordinal < 40; ordinal++)
    store.saveTrialCell("many", 1, ordinal, summaryOf(ordinal, 1, latencies(100, ordinal)), latencies(100, ordinal));
  store.saveTrialInfo("many", infoOf(1));
  for (let ordinal = 0; ordinal < 40; ordinal++)
    store.saveCell("many", ordinal, summaryOf(ordinal, 0, viaMs(latencies(100, ordinal))), viaMs(latencies(100, ordinal)));
  store.finishRun("many", "failed", "2026-01-02T00:00:09.000Z", noise, trialsOf(1));

  store.createRun(row("live", "2026-01-03T00:00:00.000Z", "c2"));
  store.saveTrialCell("live", 1, 0, summaryOf(0, 1, latencies(100, 5)), latencies(100, 5));
  store.close();
}

/**
 * The same rows in a schema-8 database, as bench of schema 8 stores them: the blobs' formats did
 * not change in schema 9, only the keys (run ids, suite hashes and fingerprint lists in each row),
 * and a run's cell keeps its output digest in its summary (here packed alone, as schema 8 does
 * when no other summary makes it smaller).
 */
function asSchema8(from: string, to: string): void {
  const store = Store.open(from, { mode: "read" });
  const runCells = ["edge", "many", "live"].flatMap((id) => store.loadRun(id).cells.map((c) => [packSummary(c), id, c.id] as const));
  store.close();
  const db = new Database(to);
  migrate(db, 0, 8);
  db.prepare("ATTACH ? AS n").run(from);
  db.exec(`
    INSERT INTO suites (hash, body) SELECT hash, body FROM n.suites ORDER BY id;
    INSERT INTO fingerprint_parts (id, hash, body) SELECT id, hash, body FROM n.fingerprint_parts;
    INSERT INTO runs (rowid, id, suite, suite_file, suite_hash, seed, status, started_at, finished_at, bench_version, order_mode, noise, trials, host, pid, process, origin, fingerprint_refs)
      SELECT r.key, r.id, r.suite, r.suite_file, s.hash, r.seed, r.status, r.started_at, r.finished_at, r.bench_version, r.order_mode, r.noise, r.trials, r.host, r.pid, r.process, r.origin, f.refs
      FROM n.runs AS r JOIN n.suites AS s ON s.id = r.suite_id LEFT JOIN n.fingerprints AS f ON f.id = r.fingerprint_id ORDER BY r.key;
    INSERT INTO cells (run_id, cell_id, ordinal, status, summary, samples_from) SELECT r.id, c.cell_id, c.ordinal, c.status, c.summary, c.samples_from FROM n.cells AS c JOIN n.runs AS r ON r.key = c.run;
    INSERT INTO samples (run_id, cell_id, count, latency_ns) SELECT r.id, s.cell_id, s.count, s.latency_ns FROM n.samples AS s JOIN n.runs AS r ON r.key = s.run;
    INSERT INTO trial_cells (run_id, trial, cell_id, ordinal, summary, latency_ns)
      SELECT r.id, t.trial, t.cell_id, t.ordinal, t.summary, t.latency_ns FROM n.trial_cells AS t JOIN n.runs AS r ON r.key = t.run;
    INSERT INTO trial_info (run_id, trial, info) SELECT r.id, t.trial, t.info FROM n.trial_info AS t JOIN n.runs AS r ON r.key = t.run;
  `);
  db.exec("DETACH n");
  const update = db.prepare("UPDATE cells SET summary = ? WHERE run_id = ? AND cell_id = ?");
  for (const row of runCells) update.run(...row);
  expect(db.prepare("SELECT (SELECT COUNT(*) FROM cells) + (SELECT COUNT(*) FROM trial_cells) + (SELECT COUNT(*) FROM samples)").pluck().get()).toBe(
    45 + 51 + 1,
  );
  db.close();
}

const shown = async (file: string, id: string) => {
  const r = await bench(["show", id, "--db", file, "--json"]);
  expect(r.stderr).toBe("");
  return r.stdout;
};

describe("schema 9: runs, suites and fingerprint lists by number; the tables keyed by run WITHOUT ROWID", () => {
  it("a schema-8 store migrates: every reader, `bench show --json` and `bench list --json` give what they gave, backup kept", async () => {
    const current = tempDb("current.db");
    writeStore(current);
    const store = Store.open(current, { mode: "read" });
    const expected = ["edge", "many", "live"].map((id) => readBack(store, id));
    const entries = JSON.stringify(store.listRunEntries(10));
    const runs = JSON.stringify(store.listRuns(10));
    store.close();
    // What was written reads back as written (edge cases included).
    const edge = JSON.parse(expected[0] ?? "{}") as { cells: CellResult[]; samples: string[]; trials: unknown[][] };
    expect(edge.cells.map((c) => [c.status, c.samples])).toEqual([
      ["ok", 200],
      ["ok", 2],
      ["failed", 0],
      ["ok", 200],
      ["ok", 50],
    ]);
    expect(edge.cells[3]?.latencyMs?.stddev).toBeNull();
    expect(edge.cells[1]).toEqual(JSON.parse(JSON.stringify(summaryOf(1, 0, viaMs(latencies(1, 11), latencies(1, 12))))));
    expect(edge.samples[4]).toBe(bits(latencies(50, 99)));
    expect(edge.trials.filter((t) => t[1] === 2).map((t) => t[3])).toEqual([bits(undefined), bits(undefined)]);
    const showBefore = await Promise.all(["edge", "many"].map((id) => shown(current, id)));
    expect(JSON.parse(showBefore[1] ?? "{}").cells).toHaveLength(40);
    const listBefore = await bench(["list", "--db", current, "--json"]);
    expect(JSON.parse(listBefore.stdout)).toHaveLength(3);

    const old = tempDb("old.db");
    asSchema8(current, old);
    const notices: string[] = [];
    const migrated = Store.open(old, { mode: "write", notice: (l) => notices.push(l) });
    expect(notices).toEqual([`${old}: upgraded from schema 8 to ${SCHEMA_VERSION}; the database as it was is kept at ${old}.v8.bak`]);
    expect(existsSync(`${old}.v8.bak`)).toBe(true);
    expect(["edge", "many", "live"].map((id) => readBack(migrated, id))).toEqual(expected);
    expect(JSON.stringify(migrated.listRunEntries(10))).toBe(entries);
    expect(JSON.stringify(migrated.listRuns(10))).toBe(runs);
    migrated.close();
    expect(await Promise.all(["edge", "many"].map((id) => shown(old, id)))).toEqual(showBefore);
    expect((await bench(["list", "--db", old, "--json"])).stdout).toBe(listBefore.stdout);

    const raw = new Database(old, { readonly: true });
    expect(raw.pragma("integrity_check", { simple: true })).toBe("ok");
    expect(raw.pragma("foreign_key_check")).toEqual([]);
    // No column keeps a run's id; cells and trial infos are one b-tree each (WITHOUT ROWID), trial cells and samples rowid tables with their key's index.
    const tables = raw.prepare("SELECT name, sql FROM sqlite_schema WHERE name IN ('cells', 'samples', 'trial_cells', 'trial_info')").all() as {
      name: string;
      sql: string;
    }[];
    expect(tables.map((t) => [t.name, /WITHOUT ROWID\s*$/.test(t.sql), /\brun_id\b/.test(t.sql)]).sort()).toEqual([
      ["cells", true, false],
      ["samples", false, false],
      ["trial_cells", false, false],
      ["trial_info", true, false],
    ]);
    expect(
      raw
        .prepare("SELECT tbl_name FROM sqlite_schema WHERE type = 'index' AND tbl_name IN ('cells', 'samples', 'trial_cells', 'trial_info') ORDER BY 1")
        .pluck()
        .all(),
    ).toEqual(["samples", "trial_cells"]);
    // Runs keep their numbers (the rowids they had), two commits' fingerprint lists once each, the live run its owner.
    expect(raw.prepare("SELECT key, id, fingerprint_id, host IS NOT NULL AS owned FROM runs ORDER BY key").all()).toEqual([
      { key: 1, id: "edge", fingerprint_id: 1, owned: 0 },
      { key: 2, id: "many", fingerprint_id: 2, owned: 0 },
      { key: 3, id: "live", fingerprint_id: 2, owned: 1 },
    ]);
    expect(raw.prepare("SELECT COUNT(*) FROM fingerprints").pluck().get()).toBe(2);
    raw.close();
  });

  it("keeps each output digest once, bit for bit, and refuses a summary whose digest is gone", () => {
    const file = tempDb();
    writeStore(file);
    const store = Store.open(file, { mode: "read" });
    // A 17-digit double and float32s, the same doubles back (toEqual compares them exactly).
    expect(store.loadRun("edge").cells.map((c) => c.outputDigest)).toEqual(
      [0, 1, 2, 3, 4].map((o) => (o === 2 ? undefined : summaryOf(o, 0, new Float64Array(1)).outputDigest)),
    );
    expect(store.loadRun("many").cells.map((c) => c.outputDigest)).toEqual(
      Array.from({ length: 40 }, (_, o) => summaryOf(o, 0, new Float64Array(1)).outputDigest),
    );
    store.close();
    const raw = new Database(file);
    // The 4 ok cells of "edge" give the digests of "many"'s cells 0, 1, 3, 4: 40 in all; a summary holds its digest's number.
    expect(raw.prepare("SELECT COUNT(*) FROM digests").pluck().get()).toBe(40);
    raw.prepare("DELETE FROM digests WHERE id = (SELECT MAX(id) FROM digests)").run();
    raw.close();
    const broken = Store.open(file, { mode: "read" });
    expect(() => broken.loadRun("many")).toThrow(/cell m\/v4\/b6\/cpu\/t1: its output digest is stored as digest 40, which .* does not have/);
    expect(broken.loadRun("edge").cells).toHaveLength(5);
    broken.close();
  });

  it("a new database has no free pages, and the same runs take fewer bytes than in schema 8", () => {
    const current = tempDb("current.db");
    writeStore(current);
    const old = tempDb("old.db");
    asSchema8(current, old);
    const pages = (file: string) => {
      const db = new Database(file);
      db.pragma("wal_checkpoint(TRUNCATE)");
      const copy = `${file}.vacuumed`;
      db.prepare("VACUUM INTO ?").run(copy);
      db.close();
      const vacuumed = new Database(copy, { readonly: true });
      const count = vacuumed.pragma("page_count", { simple: true }) as number;
      vacuumed.close();
      return count;
    };
    const created = tempDb("created.db");
    Store.open(created, { notice: () => {} }).close();
    const db = new Database(created, { readonly: true });
    expect(db.pragma("freelist_count", { simple: true })).toBe(0);
    db.close();
    // 2 × 5 + 40 + 1 trial cells and 45 cells: their keys alone are ~40 bytes a row in schema 8.
    expect(pages(current)).toBeLessThan(pages(old));
  });
});
