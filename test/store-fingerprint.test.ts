import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import type { Fingerprint } from "../src/fingerprint/index.js";
import { skippedCell } from "../src/measure/cell-result.js";
import type { CellResult } from "../src/results.js";
import { packJson, packJsonAgainst, unpackJson } from "../src/store/codec.js";
import { Store } from "../src/store/db.js";
import { migrate, SCHEMA_VERSION } from "../src/store/schema.js";

const fingerprint = (commit: string): Fingerprint => ({
  host: { hostname: "h", cpuModel: "AMD EPYC", logicalCores: 2, cpuSpeedMHz: 0, memoryBytes: 25e9, arch: "x64", platform: "linux", os: "Debian", kernel: "6" },
  runtime: { node: "20.20.2", v8: "11.3", onnxruntime: "1.30.0", bench: "0.1.0" },
  dependencies: { "onnxruntime-node": "1.30.0", "better-sqlite3": "12.11.1" },
  models: { "m.onnx": { sha256: "ab".repeat(32), bytes: 1000 } },
  git: { commit, dirty: false, branch: "main" },
});
const tempDb = () => path.join(mkdtempSync(path.join(tmpdir(), "bench-fp-")), "r.db");
const run = (id: string, fp: Fingerprint, startedAt = "2026-01-01T00:00:00.000Z") => ({
  ...{ id, suite: "s", suiteFile: "/s.yaml", status: "completed" as const, startedAt, finishedAt: startedAt, seed: 1 },
  ...{ order: "interleaved" as const, noise: null, trials: null, benchVersion: "0.1.0", resolvedSuite: { name: "s" } },
  fingerprint: fp,
});
const count = (file: string, sql: string) => {
  const db = new Database(file, { readonly: true });
  try {
    return db.prepare(sql).pluck().get() as number;
  } finally {
    db.close();
  }
};

describe("the fingerprint is stored once per distinct part (schema 7)", () => {
  it("keeps one copy of each part for N runs, and gives every run its fingerprint back as it was", () => {
    const file = tempDb();
    const store = Store.open(file);
    for (let i = 0; i < 20; i++) store.createRun(run(`r${i}`, fingerprint("c1"), `2026-01-01T00:00:${String(i).padStart(2, "0")}.000Z`));
    store.createRun(run("other", fingerprint("c2"), "2026-01-02T00:00:00.000Z"));
    // host, runtime, dependencies, models, git, and the second commit's git: six parts for 21 runs.
    expect(count(file, "SELECT COUNT(*) FROM fingerprint_parts")).toBe(6);
    expect(JSON.stringify(store.loadRun("r7").run.fingerprint)).toBe(JSON.stringify(fingerprint("c1")));
    expect(store.loadRun("other").run.fingerprint).toEqual(fingerprint("c2"));
    expect(store.listRuns(30).map((r) => r.fingerprint.git?.commit)).toEqual(["c2", ...Array(20).fill("c1")]);
    expect(store.listRunEntries(2).map((e) => e.git?.commit)).toEqual(["c2", "c1"]);
    store.close();
    // A new process reads the parts from the file, not from what this one remembers.
    const again = Store.open(file, { mode: "read" });
    expect(JSON.stringify(again.loadRun("r0").run.fingerprint)).toBe(JSON.stringify(fingerprint("c1")));
    again.close();
  });

  it("migrates a schema-5 store: every run's fingerprint the same when read back, each part kept once", () => {
    const file = tempDb();
    const db = new Database(file);
    migrate(db, 0, 5);
    db.prepare("INSERT INTO suites (hash, body) VALUES ('h', '{}')").run();
    const insert = db.prepare(
      `INSERT INTO runs (id, suite, suite_file, suite_hash, seed, status, started_at, fingerprint, bench_version, order_mode)
       VALUES (?, 's', '/s.yaml', 'h', 1, 'completed', ?, ?, '0.1.0', 'interleaved')`,
    );
    for (let i = 0; i < 10; i++) insert.run(`old${i}`, `2025-01-01T00:00:0${i}.000Z`, JSON.stringify(fingerprint(i < 5 ? "a" : "b")));
    insert.run("bare", "2025-01-02T00:00:00.000Z", JSON.stringify({ git: null }));
    db.close();
    const notices: string[] = [];
    const store = Store.open(file, { mode: "write", notice: (l) => notices.push(l) });
    expect(notices.join("\n")).toMatch(new RegExp(`upgraded from schema 5 to ${SCHEMA_VERSION}`));
    expect(JSON.stringify(store.loadRun("old3").run.fingerprint)).toBe(JSON.stringify(fingerprint("a")));
    expect(store.loadRun("old8").run.fingerprint).toEqual(fingerprint("b"));
    expect(store.loadRun("bare").run.fingerprint).toEqual({ git: null });
    expect(store.listRunEntries(20).find((e) => e.id === "old9")?.git?.commit).toBe("b");
    store.close();
    // host, runtime, dependencies, models, two gits, and null (the bare run's git).
    expect(count(file, "SELECT COUNT(*) FROM fingerprint_parts")).toBe(7);
    expect(count(file, "SELECT COUNT(*) FROM pragma_table_info('runs') WHERE name = 'fingerprint'")).toBe(0);
  });
});

describe("a run's cell summary packed against its trial's", () => {
  const cellKey = { id: "m/v/b1/cpu/t1", target: "m", variant: "v", batch: 1, provider: "cpu", threads: 1, load: { mode: "single" } } as const;
  const trialCell: CellResult = {
    ...skippedCell(cellKey, "x"),
    status: "ok",
    error: null,
    samples: 100,
    notes: ["p99: 100 samples are too few for a 95% interval (needs at least 368)"],
    elapsedMs: 10.941893,
    relativeCI: 0.008363956963072194,
  };
  const runCell: CellResult = { ...trialCell, notes: ["one trial: its intervals cannot include how much a fresh process differs"], pareto: true };

  it("takes fewer bytes than alone and reads back the same, through the store", () => {
    const file = tempDb();
    const store = Store.open(file);
    store.createRun(run("r", fingerprint("c")));
    store.saveTrialCell("r", 1, 0, trialCell, Float64Array.from([1e6, 1.1e6]));
    store.saveCell("r", 0, runCell, Float64Array.from([1e6, 1.1e6]));
    expect(store.loadRun("r").cells).toEqual([runCell]);
    store.close();
    const stored = count(file, "SELECT length(summary) FROM cells");
    expect(stored).toBeLessThan(packJson(runCell).length * 0.6);
  });

  it("packs a later trial's summary against the first trial's, and reads every trial back the same", () => {
    const file = tempDb();
    const store = Store.open(file);
    store.createRun(run("r", fingerprint("c")));
    const later = (k: number): CellResult => ({ ...trialCell, elapsedMs: 10.941893 + k, relativeCI: 0.008 + k / 1000 });
    store.saveTrialCell("r", 1, 0, trialCell, Float64Array.from([1e6, 1.1e6]));
    for (let k = 2; k <= 4; k++) store.saveTrialCell("r", k, 0, later(k), Float64Array.from([1e6, 1.2e6]));
    store.saveCell("r", 0, runCell, Float64Array.from([1e6, 1.1e6]));
    expect(store.loadTrials("r").cells.map((c) => c.result)).toEqual([trialCell, later(2), later(3), later(4)]);
    expect(store.loadRun("r").cells).toEqual([runCell]);
    store.close();
    const db = new Database(file, { readonly: true });
    const sizes = db.prepare("SELECT length(summary) FROM trial_cells ORDER BY trial").pluck().all() as number[];
    db.close();
    for (const size of sizes.slice(1)) expect(size).toBeLessThan((sizes[0] ?? 0) * 0.6);
  });

  it("refuses to read a summary against a reference that has changed, in one line", () => {
    const reference = JSON.stringify(trialCell);
    const packed = packJsonAgainst(runCell, 1, reference);
    expect(unpackJson(packed, () => packJson(trialCell))).toEqual(runCell);
    expect(() => unpackJson(packed, () => packJson({ ...trialCell, samples: 99 }))).toThrow(/against trial 1's, which has changed since/);
    expect(() => unpackJson(packed)).toThrow(/against trial 1's, which is not there/);
  });
});
