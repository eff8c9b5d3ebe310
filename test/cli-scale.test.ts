import { copyFileSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import type { RunResult } from "../src/results.js";
import { mergeRuns } from "../src/scale/merge.js";
import { exportRun } from "../src/scale/transfer.js";
import { Store } from "../src/store/db.js";
import { bench, ROOT, tempDir } from "./helpers/cli.js";
import { expandCells } from "../src/suite/expand.js";
import { loadSuite } from "../src/suite/load.js";

/**
 * A run spread over machines, end to end through bin/bench with the fake runner: the shards of a
 * matrix merged give exactly the unsharded run's cells; an export imported elsewhere exports the
 * same bytes; parts of different machines are refused unless --force; load shards split the load.
 */
describe("bench run --shard, merge, export, import (end to end)", () => {
  const dir = tempDir("bench-scale-");
  const suite = path.join(dir, "s.yaml");
  const dbOf = (name: string) => path.join(dir, `${name}.db`);
  const run = async (db: string, ...args: string[]): Promise<RunResult> => {
    const r = await bench(["run", suite, "--debug-runner", "fake", "-q", "--db", db, "--json", ...args]);
    expect(r.stderr).not.toMatch(/unexpected error|internal error/);
    expect(r.code).toBe(0);
    return JSON.parse(r.stdout) as RunResult;
  };
  let matrix: string[];
  let shards: RunResult[];

  beforeAll(async () => {
    copyFileSync(path.join(ROOT, "suites/models/mlp-fp32.onnx"), path.join(dir, "m.onnx"));
    // 7 cells: shards of 3, 2 and 2; two of them load cells.
    writeFileSync(
      suite,
      `name: spread
targets:
  a: { kind: onnx, variants: { v: m.onnx }, matrix: { batch: [1, 2, 3, 4, 5] } }
  l: { kind: onnx, variants: { v: m.onnx }, matrix: { concurrency: [3], rate: [90] } }
load: { durationMs: 100, warmupRequests: 1, maxRequests: 400 }
measure: { warmupIterations: 2, minIterations: 20, maxIterations: 60, minTimeMs: 0, maxTimeMs: 30 }
trials: { min: 1, max: 1 }
`,
    );
    // What the unsharded run measures: the suite's matrix.
    matrix = expandCells(loadSuite(suite)).map((c) => c.id);
    // The shards run at once, each in a results database of its own, as on three machines.
    shards = await Promise.all([1, 2, 3].map((i) => run(dbOf(`shard${i}`), "--shard", `${i}/3`)));
  });

  it("splits the matrix into disjoint shards that together are the unsharded run's cells", async () => {
    const ids = shards.map((s) => s.cells.map((c) => c.id));
    expect(ids.map((x) => x.length)).toEqual([3, 2, 2]);
    expect(matrix).toHaveLength(7);
    expect(new Set(ids.flat()).size).toBe(7);
    expect(shards.map((s) => s.run.origin?.shard)).toEqual([1, 2, 3].map((index) => ({ index, count: 3 })));

    const out = path.join(dir, "merged.json");
    const [r, twice] = await Promise.all([
      bench(["merge", ...[1, 2, 3].map((i) => dbOf(`shard${i}`)), "--db", dbOf("merged"), "--out", out, "--json"]),
      bench(["merge", dbOf("shard1"), `${dbOf("shard1")}@latest`, "--db", dbOf("twice")]),
    ]);
    expect(r.code).toBe(0);
    const merged = JSON.parse(r.stdout) as RunResult;
    // Exactly the unsharded run's cells, in its order, none twice.
    expect(merged.cells.map((c) => c.id)).toEqual(matrix);
    expect(merged.run.origin?.merged?.mode).toBe("shards");
    expect(merged.run.origin?.merged?.parts.map((p) => p.runId)).toEqual(shards.map((s) => s.run.id));
    // Each part's trial keeps a number of its own.
    expect(merged.run.trials?.trials.map((t) => t.trial)).toEqual([1, 2, 3]);
    expect(readFileSync(out, "utf8")).toContain(`"id":"${merged.run.id}"`);

    // The same run twice is refused.
    expect(twice.code).toBe(2);
    expect(twice.stderr).toMatch(/are the same run/);
  });

  it("exports a run that imports and exports again to the same bytes", async () => {
    const first = path.join(dir, "first.json");
    const part = shards[0] as RunResult;
    expect((await bench(["export", part.run.id, "--db", dbOf("shard1"), "--out", first])).code).toBe(0);
    const other = dbOf("other");
    const imported = await bench(["import", first, "--db", other]);
    expect(imported.code).toBe(0);
    const again = await bench(["export", part.run.id, "--db", other]);
    expect(again.code).toBe(0);
    expect(again.stdout).toBe(readFileSync(first, "utf8"));
    const doc = JSON.parse(again.stdout) as { cells: { samples: string | null; result: { id: string } }[]; trials: { cells: unknown[] } };
    expect(doc.cells.every((c) => typeof c.samples === "string")).toBe(true);
    expect(doc.trials.cells).toHaveLength(3);
    expect(doc.cells.map((c) => c.result.id)).toEqual(part.cells.map((c) => c.id));
    // A second import of the same run is refused.
    const dup = await bench(["import", first, "--db", other]);
    expect(dup.code).toBe(2);
    expect(dup.stderr).toMatch(/is already in/);
  });

  it("refuses parts whose machines differ in a must-match field, and merges them with --force", async () => {
    const parts = await Promise.all(
      [1, 2, 3].map(async (i) => {
        const file = path.join(dir, `part${i}.json`);
        expect((await bench(["export", "--db", dbOf(`shard${i}`), "--out", file])).code).toBe(0);
        return file;
      }),
    );
    const doc = JSON.parse(readFileSync(parts[1] as string, "utf8")) as { run: { fingerprint: { host: { cpuModel: string } } } };
    doc.run.fingerprint.host.cpuModel = "Another CPU 9000";
    writeFileSync(parts[1] as string, JSON.stringify(doc));
    const [refused, forced] = await Promise.all([
      bench(["merge", ...parts, "--db", dbOf("refused")]),
      bench(["merge", ...parts, "--db", dbOf("forced"), "--force", "--json"]),
    ]);
    expect(refused.code).toBe(2);
    const lines = refused.stderr.trim().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/cpuModel differs: .* in .*part1\.json, .*part3\.json; 'Another CPU 9000' in .*part2\.json: .*--force/);
    expect(forced.code).toBe(0);
    expect(forced.stderr).toMatch(/warning: merged with --force although cpuModel differs/);
    const merged = JSON.parse(forced.stdout) as RunResult;
    expect(merged.run.origin?.merged?.forced).toEqual(["cpuModel"]);
    expect(merged.run.origin?.merged?.parts.map((p) => p.fingerprint.host.cpuModel)).toContain("Another CPU 9000");
  });

  it("sends 1/N of each load from each load shard, and merges the loads into one", async () => {
    const parts = await Promise.all([1, 2].map((i) => run(dbOf(`load${i}`), "--load-shard", `${i}/2`, "-f", "l", "-f", "a/v/b1")));
    const cell = (r: RunResult, id: string) => r.cells.find((c) => c.id === id);
    expect(parts.map((p) => cell(p, "l/v/b1/cpu/t1/r90")?.rate)).toEqual([45, 45]);
    expect(parts.map((p) => cell(p, "l/v/b1/cpu/t1/c3")?.concurrency)).toEqual([2, 1]);
    expect(parts.map((p) => cell(p, "l/v/b1/cpu/t1/r90")?.load?.latencyHistogram?.encoding)).toEqual(["hdr-compressed-base64", "hdr-compressed-base64"]);
    const [r, short] = await Promise.all([
      bench(["merge", dbOf("load1"), dbOf("load2"), "--db", dbOf("load"), "--json"]),
      bench(["merge", dbOf("load1"), dbOf("shard1"), "--db", dbOf("short")]),
    ]);
    expect(r.code).toBe(0);
    const merged = JSON.parse(r.stdout) as RunResult;
    expect(merged.run.origin?.merged?.mode).toBe("load");
    const open = cell(merged, "l/v/b1/cpu/t1/r90");
    expect(open?.rate).toBe(90);
    expect(open?.load?.targetRate).toBe(90);
    expect(open?.load?.sent).toBe(parts.reduce((a, p) => a + (cell(p, "l/v/b1/cpu/t1/r90")?.load?.sent ?? 0), 0));
    expect(open?.load?.latencyHistogram?.count).toBe(open?.load?.ok);
    expect(cell(merged, "l/v/b1/cpu/t1/c3")?.concurrency).toBe(3);
    // A cell timed one call at a time was measured on both machines: its trials are both's.
    const timed = cell(merged, "a/v/b1/cpu/t1");
    expect(timed?.trials?.map((t) => t.trial)).toEqual([1, 2]);
    expect(timed?.samples).toBe(parts.reduce((a, p) => a + (cell(p, "a/v/b1/cpu/t1")?.samples ?? 0), 0));

    // The same runs taken as replicates (--as-trials): the load is one machine's, its rate their mean, not their sum.
    const stores = [1, 2].map((i) => Store.open(dbOf(`load${i}`), { mode: "read" }));
    const data = stores.map((s) => exportRun(s, s.resolveRun("latest")));
    for (const s of stores) s.close();
    const replicates = mergeRuns(
      data.map((d, i) => ({ source: `load${i + 1}`, data: { ...d, run: { ...d.run, origin: undefined } } })),
      { id: "replicates", asTrials: true },
    ).data;
    expect(replicates.run.origin?.merged?.mode).toBe("trials");
    const replicate = replicates.cells.find((c) => c.result.id === "l/v/b1/cpu/t1/r90")?.result;
    expect(replicate?.rate).toBe(45);
    expect(replicate?.load?.ok).toBe(open?.load?.ok);
    // Without every load shard the load is short of its rate: refused.
    expect(short.code).toBe(2);
    expect(short.stderr).toMatch(/is not a --load-shard run/);
  });
});
