import { mkdtempSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { collectFingerprint } from "../src/fingerprint/index.js";
import { skippedCell } from "../src/measure/cell-result.js";
import type { CellResult } from "../src/results.js";
import { msToNs, nsToMs } from "../src/stats/metrics.js";
import { packJson, packSamples, unpackJson, unpackSamples } from "../src/store/codec.js";
import { Store } from "../src/store/db.js";
import { migrate, SCHEMA_VERSION } from "../src/store/schema.js";

const cellKey = { id: "m/v/b1/cpu/t1", target: "m", variant: "v", batch: 1, provider: "cpu", threads: 1, load: { mode: "single" } } as const;
const okCell = (samples: number, samplesDropped: number): CellResult => ({ ...skippedCell(cellKey, "x"), status: "ok", error: null, samples, samplesDropped });
/** Latencies as the real clock gives them: whole nanoseconds around 0.5 ms, with a drift and a few outliers. */
const latencies = (n: number, seed: number) =>
  Float64Array.from({ length: n }, (_, i) => 500_000 + ((i * 7919 + seed * 104_729) % 20_011) + (i % 97 === 0 ? 3e6 : 0) + i * 3);
const bytesOf = (a: Float64Array) => Array.from(a);

async function newRun(store: Store, id: string) {
  store.createRun({
    ...{ id, suite: "s", suiteFile: "/s.yaml", status: "running", startedAt: "2026-01-01T00:00:00.000Z", finishedAt: null, seed: 1 },
    ...{ order: "interleaved", noise: null, trials: null, benchVersion: "0.0.0", resolvedSuite: { name: "s" } },
    fingerprint: await collectFingerprint({}, tmpdir()),
  });
}

describe("the store's packed summaries and samples (schema 5)", () => {
  it("packs samples losslessly: whole nanoseconds as varints, anything else as float64", () => {
    const whole = latencies(1000, 1);
    const packed = packSamples(whole);
    expect(packed.length).toBeLessThan(whole.length * 4);
    expect(bytesOf((unpackSamples(packed) as { ns: Float64Array }).ns)).toEqual(bytesOf(whole));
    for (const odd of [Float64Array.from([1.5e6, 2.25, 1.000001e6]), Float64Array.from([0, 2 ** 53, 7]), Float64Array.from([-1, 5]), new Float64Array(0)]) {
      expect(bytesOf((unpackSamples(packSamples(odd)) as { ns: Float64Array }).ns)).toEqual(bytesOf(odd));
    }
  });

  it("packs a summary to a fraction of its JSON and reads JSON text as schema 4 stored it", () => {
    const cell = { ...okCell(100, 3), notes: ["did not converge: the p50 interval is ±6.5% over 2 trials (target ±2.0%)"] };
    const packed = packJson(cell);
    expect(packed.length).toBeLessThan(JSON.stringify(cell).length / 2);
    expect(unpackJson(packed)).toEqual(cell);
    expect(unpackJson(JSON.stringify(cell))).toEqual(cell);
  });

  it("stores a run's samples that are its trials' own as a reference, and gives them back bit for bit", async () => {
    const store = Store.open(path.join(mkdtempSync(path.join(tmpdir(), "bench-codec-")), "r.db"));
    await newRun(store, "r1");
    const [t1, t2, t3] = [latencies(120, 1), latencies(100, 2), latencies(110, 3)];
    store.saveTrialCell("r1", 1, 0, okCell(115, 5), t1);
    store.saveTrialCell("r1", 2, 0, okCell(100, 0), t2);
    store.saveTrialCell("r1", 3, 0, okCell(108, 2), t3); // a disturbed trial the statistics left out
    // As measure/aggregate.ts builds it: the used trials' steady samples, through ms and back.
    const steady = Float64Array.from([...t1.subarray(5), ...t2].map((ns) => msToNs(nsToMs(ns))));
    store.saveCell("r1", 0, okCell(steady.length, 0), steady);
    // Not its trials' own (a run from before trials, or samples changed since): stored as they are.
    const other = Float64Array.from([1.5e6, 2.25e6, 1.000001e6]);
    store.saveCell("r1", 1, { ...okCell(3, 0), id: "other" }, other);
    expect(bytesOf(store.loadSamples("r1", cellKey.id) ?? new Float64Array(0))).toEqual(bytesOf(steady));
    expect(bytesOf(store.loadSamples("r1", "other") ?? new Float64Array(0))).toEqual(bytesOf(other));
    expect(store.loadTrials("r1").cells.map((c) => bytesOf(c.latencyNs ?? new Float64Array(0)))).toEqual([t1, t2, t3].map(bytesOf));
    store.close();
  });

  it("migrates a schema-4 database's JSON summaries and float64 samples in place, the same when read back", () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), "bench-codec-")), "old.db");
    const db = new Database(file);
    migrate(db, 0, 4);
    const cell = okCell(250, 0);
    const ns = latencies(250, 9);
    const raw = Buffer.from(ns.buffer);
    db.prepare("INSERT INTO suites (hash, body) VALUES ('h', '{}')").run();
    db.prepare(
      `INSERT INTO runs (id, suite, suite_file, suite_hash, seed, status, started_at, fingerprint, bench_version, order_mode)
       VALUES ('old', 's', '/s.yaml', 'h', 1, 'completed', '2025-01-01T00:00:00.000Z', ?, '0.1.0', 'interleaved')`,
    ).run(JSON.stringify({ git: null }));
    for (let i = 0; i < 50; i++) {
      const id = `m/v/b${i}/cpu/t1`;
      db.prepare("INSERT INTO cells (run_id, cell_id, ordinal, status, summary) VALUES ('old', ?, ?, 'ok', ?)").run(id, i, JSON.stringify({ ...cell, id }));
      db.prepare("INSERT INTO samples (run_id, cell_id, count, latency_ns) VALUES ('old', ?, 250, ?)").run(id, raw);
      db.prepare("INSERT INTO trial_cells (run_id, trial, cell_id, ordinal, summary, latency_ns) VALUES ('old', 1, ?, ?, ?, ?)").run(
        id,
        i,
        JSON.stringify({ ...cell, id }),
        raw,
      );
    }
    db.close();
    const notices: string[] = [];
    const store = Store.open(file, { mode: "write", notice: (l) => notices.push(l) });
    expect(notices.join("\n")).toMatch(new RegExp(`upgraded from schema 4 to ${SCHEMA_VERSION}; the database as it was is kept at .*old\\.db\\.v4\\.bak`));
    const run = store.loadRun("old");
    expect(run.cells).toHaveLength(50);
    expect(run.cells[7]).toEqual({ ...cell, id: "m/v/b7/cpu/t1" });
    expect(bytesOf(store.loadSamples("old", "m/v/b7/cpu/t1") ?? new Float64Array(0))).toEqual(bytesOf(ns));
    expect(store.loadTrials("old").cells[3]?.result).toEqual({ ...cell, id: "m/v/b3/cpu/t1" });
    store.close();
    const vacuumed = new Database(file);
    vacuumed.exec("VACUUM");
    vacuumed.close();
    expect(statSync(file).size).toBeLessThan(statSync(`${file}.v4.bak`).size / 2);
  });
});
