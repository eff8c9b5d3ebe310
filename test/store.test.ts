import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { UserError } from "../src/errors.js";
import { skippedCell } from "../src/measure/cell-result.js";
import type { CellResult } from "../src/results.js";
import { Store } from "../src/store/db.js";
import { SCHEMA_VERSION } from "../src/store/schema.js";
import { addRun } from "./helpers/store.js";

const tmp = () => mkdtempSync(path.join(tmpdir(), "bench-store-"));
const cellKey = { id: "m/v/b1/cpu/t1", target: "m", variant: "v", batch: 1, provider: "cpu", threads: 1, load: { mode: "single" } } as const;

describe("Store", () => {
  it("creates a versioned schema and refuses a database from a newer bench", () => {
    const file = path.join(tmp(), "r.db");
    Store.open(file).close();
    const db = new Database(file);
    expect(db.pragma("user_version", { simple: true })).toBe(SCHEMA_VERSION);
    db.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    db.close();
    expect(() => Store.open(file)).toThrow(/newer than this bench understands/);
  });

  it("refuses a file that is not a database, as a user error", () => {
    const file = path.join(tmp(), "not.db");
    writeFileSync(file, "hello, this is not sqlite".repeat(100));
    expect(() => Store.open(file)).toThrow(UserError);
  });

  it("round-trips a run, its cells and raw samples bit for bit", async () => {
    const store = Store.open(path.join(tmp(), "r.db"));
    await addRun(store, "abc123", { name: "s" }, "2026-01-01T00:00:00.000Z");
    const samples = Float64Array.from([1.5e6, 2.25e6, 1.000001e6]);
    const cell: CellResult = { ...skippedCell(cellKey, "x"), status: "ok", error: null, samples: 3 };
    store.saveCell("abc123", 0, cell, samples);
    store.saveCell("abc123", 1, skippedCell({ ...cellKey, id: "m/v/b1/cuda/t1", provider: "cuda" }, "no cuda"));
    store.finishRun("abc123", "completed", "2026-01-01T00:01:00.000Z");

    const loaded = store.loadRun("abc123");
    expect(loaded.run.status).toBe("completed");
    expect(loaded.run.fingerprint.host.logicalCores).toBeGreaterThan(0);
    expect(loaded.cells.map((c) => c.status)).toEqual(["ok", "skipped"]);
    expect(loaded.cells[0]).toEqual(cell);
    expect(Array.from(store.loadSamples("abc123", cellKey.id) ?? [])).toEqual(Array.from(samples));
    expect(store.countCells("abc123")).toEqual({ ok: 1, skipped: 1 });
    expect(store.listRunEntries()).toEqual([
      {
        id: "abc123",
        suite: loaded.run.suite,
        status: "completed",
        startedAt: "2026-01-01T00:00:00.000Z",
        finishedAt: "2026-01-01T00:01:00.000Z",
        git: loaded.run.fingerprint.git,
        cells: { ok: 1, skipped: 1 },
      },
    ]);
    store.close();
  });

  it("resolves ids, prefixes, latest and latest~N, and rejects unknown or ambiguous ones", async () => {
    const store = Store.open(path.join(tmp(), "r.db"));
    await addRun(store, "aa11", { name: "s" }, "2026-01-01T00:00:00.000Z");
    await addRun(store, "aa22", { name: "s" }, "2026-01-02T00:00:00.000Z");
    await addRun(store, "bb33", { name: "s" }, "2026-01-03T00:00:00.000Z");
    expect(store.resolveRun("latest")).toBe("bb33");
    expect(store.resolveRun("latest~1")).toBe("aa22");
    expect(store.resolveRun("latest~2")).toBe("aa11");
    expect(store.resolveRun("bb")).toBe("bb33");
    expect(store.resolveRun("aa11")).toBe("aa11");
    expect(() => store.resolveRun("latest~3")).toThrow(/fewer than 4 runs/);
    expect(() => store.resolveRun("aa")).toThrow(/ambiguous.*aa11, aa22/);
    expect(() => store.resolveRun("zz")).toThrow(UserError);
    expect(() => store.resolveRun("a%")).toThrow(/no run/);
    expect(store.listRuns().map((r) => r.id)).toEqual(["bb33", "aa22", "aa11"]);
    expect(store.listRunEntries(2).map((r) => [r.id, r.cells])).toEqual([
      ["bb33", {}],
      ["aa22", {}],
    ]);
    store.close();
  });
});
