import { copyFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import { beforeAll, describe, expect, it } from "vitest";
import type { RunResult } from "../src/results.js";
import { unpackSamples } from "../src/store/codec.js";
import { Store } from "../src/store/db.js";
import { bench, QUICK_MEASURE, ROOT, tempDir, writeBatchOneOnlyModel } from "./helpers/cli.js";

/** End to end: real models through onnxruntime into SQLite, driven through bin/bench. */
describe("bench run (end to end)", () => {
  const dir = tempDir();
  const db = path.join(dir, "results.db");
  let doc: RunResult;

  beforeAll(async () => {
    for (const f of ["mlp-fp32.onnx", "mlp-int8.onnx"]) copyFileSync(path.join(ROOT, "suites/models", f), path.join(dir, f));
    writeFileSync(
      path.join(dir, "mlp.yaml"),
      `name: e2e
seed: 3
targets:
  mlp:
    kind: onnx
    variants: { fp32: mlp-fp32.onnx, int8: mlp-int8.onnx }
matrix: { batch: [1, 4], providers: [cpu, cuda], threads: [1] }
${QUICK_MEASURE}`,
    );
    const r = await bench(["run", path.join(dir, "mlp.yaml"), "--db", db, "--json"]);
    expect(r.stderr).not.toMatch(/unexpected error/);
    expect(r.code).toBe(0);
    doc = JSON.parse(r.stdout) as RunResult;
  });

  it("prints one JSON document in the contract's shape", () => {
    expect(doc.run).toMatchObject({ suite: "e2e", status: "completed", seed: 3 });
    expect(doc.run.startedAt).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(doc.run.fingerprint.models["mlp-fp32.onnx"]?.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(doc.cells.map((c) => c.id)).toEqual([
      "mlp/fp32/b1/cpu/t1",
      "mlp/fp32/b1/cuda/t1",
      "mlp/fp32/b4/cpu/t1",
      "mlp/fp32/b4/cuda/t1",
      "mlp/int8/b1/cpu/t1",
      "mlp/int8/b1/cuda/t1",
      "mlp/int8/b4/cpu/t1",
      "mlp/int8/b4/cuda/t1",
    ]);
    const cell = doc.cells[2];
    expect(cell).toMatchObject({ target: "mlp", variant: "fp32", batch: 4, provider: "cpu", threads: 1, status: "ok", error: null, accuracy: null });
    const l = cell?.latencyMs;
    // at least minIterations timed, of which MSER-5 may have left out a warm-up transient
    expect((cell?.samples ?? 0) + (cell?.samplesDropped ?? 0)).toBeGreaterThanOrEqual(20);
    expect(cell?.samples).toBeGreaterThan(0);
    expect(l?.p50.ci?.[0]).toBeLessThanOrEqual(l?.p50.value ?? 0);
    expect(l?.p50.ci?.[1]).toBeGreaterThanOrEqual(l?.p50.value ?? Infinity);
    expect(l?.p50.value).toBeLessThanOrEqual(l?.p90.value ?? 0);
    expect(l?.p90.value).toBeLessThanOrEqual(l?.p99.value ?? 0);
    expect(cell?.throughput?.unit).toBe("items/s");
    // batch 4: throughput is 4 items per mean latency
    expect(cell?.throughput?.value).toBeCloseTo((4 * 1000) / (l?.mean.value ?? 1), 6);
    expect(cell?.coldStart?.sessionCreateMs).toBeGreaterThan(0);
    expect(cell?.peakRssKb).toBeGreaterThan(1000);
  });

  it("marks cells of an unavailable execution provider skipped, with the reason", () => {
    const cuda = doc.cells.filter((c) => c.provider === "cuda");
    expect(cuda).toHaveLength(4);
    for (const c of cuda) {
      expect(c.status).toBe("skipped");
      expect(c.error).toMatch(/execution provider 'cuda' is not available/);
    }
  });

  it("stores the run, its cells and the raw samples in SQLite", () => {
    const sqlite = new Database(db, { readonly: true });
    // The resolved suite is stored once per content (table suites, by sha256).
    const run = sqlite
      .prepare("SELECT runs.*, suites.body AS resolved_suite FROM runs JOIN suites ON suites.id = runs.suite_id WHERE runs.id = ?")
      .get(doc.run.id) as Record<string, unknown>;
    expect(run.status).toBe("completed");
    expect(JSON.parse(run.resolved_suite as string).measure.maxIterations).toBe(600);
    const cells = sqlite.prepare("SELECT cell_id, status FROM cells WHERE run = (SELECT key FROM runs WHERE id = ?) ORDER BY ordinal").all(doc.run.id);
    expect(cells).toHaveLength(8);
    // the run's samples are its trials' own: stored as a reference to them in the cell's row, a few bytes, not a second copy (src/store/codec.ts, schema 8)
    expect(
      sqlite
        .prepare("SELECT COUNT(*) FROM samples WHERE run = (SELECT key FROM runs WHERE id = ?) AND cell_id = ?")
        .pluck()
        .get(doc.run.id, "mlp/fp32/b4/cpu/t1"),
    ).toBe(0);
    const from = sqlite
      .prepare("SELECT samples_from FROM cells WHERE run = (SELECT key FROM runs WHERE id = ?) AND cell_id = ?")
      .pluck()
      .get(doc.run.id, "mlp/fp32/b4/cpu/t1") as Buffer;
    expect(unpackSamples(from).kind).toBe("trials");
    expect(from.length).toBeLessThan(16);
    // the run keeps the samples its statistics used; each trial keeps every timed sample, transient included
    expect(Store.open(db, { mode: "read" }).loadSamples(doc.run.id, "mlp/fp32/b4/cpu/t1")?.length).toBe(doc.cells[2]?.samples);
    const trials = sqlite
      .prepare("SELECT trial, latency_ns FROM trial_cells WHERE run = (SELECT key FROM runs WHERE id = ?) AND cell_id = ? ORDER BY trial")
      .all(doc.run.id, "mlp/fp32/b4/cpu/t1") as { trial: number; latency_ns: Buffer }[];
    expect(trials.map((t) => t.trial)).toEqual([1, 2]);
    const counts = trials.map((t) => {
      const stored = unpackSamples(t.latency_ns);
      return stored.kind === "samples" ? stored.ns.length : NaN;
    });
    expect(counts.reduce((a, n) => a + n, 0)).toBe((doc.cells[2]?.samples ?? 0) + (doc.cells[2]?.samplesDropped ?? 0));
    sqlite.close();
  });

  it("shows the stored run again with the same document", async () => {
    const r = await bench(["show", doc.run.id.slice(0, 6), "--db", db, "--json"]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual(doc);
    const table = await bench(["show", "latest", "--db", db]);
    expect(table.code).toBe(0);
    expect(table.stdout).toContain("mlp/int8/b4/cpu/t1");
    expect(table.stdout).toMatch(/8 cells: 4 ok, 0 failed, 4 skipped/);
  });

  it("lists the run", async () => {
    const r = await bench(["list", "--db", db, "--json"]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual([expect.objectContaining({ id: doc.run.id, suite: "e2e", status: "completed", cells: { ok: 4, skipped: 4 } })]);
  });

  it("fails a cell whose model breaks at run time, keeps the others, and exits 3", async () => {
    writeBatchOneOnlyModel(path.join(dir, "fixed.onnx"));
    writeFileSync(
      path.join(dir, "fixed.yaml"),
      `name: fixed
targets:
  m: { kind: onnx, variants: { v: fixed.onnx } }
matrix: { batch: [1, 2] }
${QUICK_MEASURE}`,
    );
    const r = await bench(["run", path.join(dir, "fixed.yaml"), "--db", db]);
    expect(r.code).toBe(3);
    expect(r.stdout).toMatch(/m\/v\/b1\/cpu\/t1( !)? +│ +2×\d+/);
    expect(r.stdout).toMatch(/m\/v\/b2\/cpu\/t1( !)? +│ FAILED: inference failed: .*/);
    expect(r.stdout).toMatch(/2 cells: 1 ok, 1 failed, 0 skipped/);
    const listed = await bench(["show", "latest", "--db", db, "--json"]);
    const stored = JSON.parse(listed.stdout) as RunResult;
    expect(stored.run.status).toBe("failed");
    expect(stored.cells.map((c) => c.status)).toEqual(["ok", "failed"]);
  });

  it("prints a plain progress line per cell and trial on stderr when it is not a terminal", async () => {
    const r = await bench(["run", path.join(dir, "mlp.yaml"), "--db", db, "-f", "mlp/int8/b1/cpu"]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^\[trial 1: 1\/1\] mlp\/int8\/b1\/cpu\/t1 {2}p50 [\d.]+ ms, n=\d+/m);
    expect(r.stdout).toMatch(/1 cells: 1 ok/);
  });
});
