import { appendFileSync, copyFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { bench, ROOT, tempDir } from "./helpers/cli.js";
import { copyOfV3 } from "./helpers/store.js";

/**
 * Records you can audit and replay (docs/RECORDS.md): fingerprint --diff, reproduce, --profile.
 * The deterministic fake runner measures (the verdicts do not depend on this machine's speed);
 * --profile runs the real models through onnxruntime's profiler.
 */
describe("records: fingerprint --diff, reproduce, profile", { timeout: 120_000 }, () => {
  const dir = tempDir("bench-records-");
  const db = path.join(dir, "b.db");
  const suite = path.join(dir, "s.yaml");
  const fake = ["--debug-runner", "fake:offset=0.002,sd=0.01"];
  const common = ["--db", db, "-q", ...fake];
  let first = "";

  beforeAll(async () => {
    for (const f of ["mlp-fp32.onnx", "mlp-int8.onnx"]) copyFileSync(path.join(ROOT, "suites/models", f), path.join(dir, f));
    writeFileSync(
      suite,
      `name: records
seed: 11
targets:
  mlp: { kind: onnx, variants: { fp32: mlp-fp32.onnx, int8: mlp-int8.onnx } }
matrix: { batch: [1, 4] }
measure: { warmupIterations: 2, minIterations: 20, maxIterations: 200, minTimeMs: 0, maxTimeMs: 100 }
trials: { min: 2, max: 2 }
`,
    );
    const r = await bench(["run", suite, ...common, "--profile", "--json"], { env: { OMP_NUM_THREADS: "3" } });
    expect(r.code, r.stderr).toBe(0);
    first = (JSON.parse(r.stdout) as { run: { id: string } }).run.id;
  });

  it("--profile stores each local cell's operators and the provider of each node, and bench show lists the top ones", async () => {
    const shown = await bench(["show", first, "--db", db, "--json"]);
    const cells = (
      JSON.parse(shown.stdout) as {
        cells: { id: string; profile?: { operators: { op: string; provider: string }[]; nodes: { provider: string }[]; fallback: unknown } }[];
      }
    ).cells;
    expect(cells).toHaveLength(4);
    for (const cell of cells) {
      const p = cell.profile;
      expect(p?.operators.length, cell.id).toBeGreaterThan(0);
      expect(p?.nodes.every((n) => n.provider === "CPUExecutionProvider")).toBe(true);
      expect(p?.fallback).toBeNull();
    }
    // The int8 model's matrix products are quantized ones (QGemm, or MatMulInteger's family), the fp32 model's are not.
    expect(
      cells
        .find((c) => c.id.startsWith("mlp/int8"))
        ?.profile?.operators.map((o) => o.op)
        .join(" "),
    ).toMatch(/Q|Integer/);
    const table = await bench(["show", first, "--db", db]);
    expect(table.stdout).toMatch(/^profile \(onnxruntime's profiler/m);
    expect(table.stdout).toMatch(/^ {2}mlp\/fp32\/b1\/cpu\/t1: kernels [\d.]+ ms over 20 calls; CPU \d+ nodes?$/m);
    expect(table.stdout).toMatch(/^ {4}\w*Gemm\w* +CPU +[\d.]+ µs +[\d.]+%/m);
  });

  it("reproduce re-runs the stored suite with its seed: the cells come out unchanged, and the changed environment is named", async () => {
    const r = await bench(["reproduce", first, ...common, "--json"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(new RegExp(`stored run \\w+ in .*\\(a reproduction of ${first}\\)`));
    const diff = JSON.parse(r.stdout) as { baseRun: string; headRun: string; environment: { field: string }[]; comparisons: { verdict: string }[] };
    expect(diff.baseRun).toBe(first);
    expect(diff.headRun).not.toBe(first);
    const unchanged = diff.comparisons.filter((c) => c.verdict === "unchanged").length;
    expect(unchanged / diff.comparisons.length).toBeGreaterThanOrEqual(0.8);
    expect(diff.comparisons.some((c) => c.verdict === "regression")).toBe(false);
    // The first run had OMP_NUM_THREADS=3; this one does not.
    expect(diff.environment.map((e) => e.field)).toContain("env.OMP_NUM_THREADS");
  });

  it("fingerprint --diff names each changed field with its tolerance class, as a table and as JSON", async () => {
    const table = await bench(["fingerprint", "--diff", first, "latest", "--db", db]);
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).toMatch(/no must-match field differs/);
    expect(table.stdout).toMatch(/env\.OMP_NUM_THREADS\s*│\s*should-match\s*│\s*3\s*│\s*\(unset\)/);
    const json = await bench(["fingerprint", "--diff", first, "latest", "--db", db, "--json"]);
    const doc = JSON.parse(json.stdout) as { differences: { field: string; class: string; base: string; head: string }[] };
    expect(doc.differences).toContainEqual(expect.objectContaining({ field: "env.OMP_NUM_THREADS", class: "should-match", base: "3", head: "(unset)" }));
    const same = await bench(["fingerprint", "--diff", "latest", "latest", "--db", db]);
    expect(same.stdout).toMatch(/the fingerprints are the same/);
    const bad = await bench(["fingerprint", "--diff", first, "--db", db]);
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim().split("\n")).toHaveLength(1);
  });

  it("reproduce refuses a model whose content changed (exit 2, one line), and measures it with --allow-changed", async () => {
    appendFileSync(path.join(dir, "mlp-int8.onnx"), Buffer.from([0]));
    const refused = await bench(["reproduce", first, ...common]);
    expect(refused.code).toBe(2);
    const lines = refused.stderr.trim().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/cannot reproduce: model mlp-int8\.onnx changed \(sha256 \w{12} then, \w{12} now\) \(--allow-changed/);
    const allowed = await bench(["reproduce", first, ...common, "--allow-changed"]);
    expect(allowed.code, allowed.stderr).toBe(0);
    expect(allowed.stderr).toMatch(/warning: model mlp-int8\.onnx changed/);
    expect(allowed.stdout).toMatch(/environment differs: models\.mlp-int8\.onnx: sha256:\w+ → sha256:\w+ \(matters/);
  });

  it("a data file the cells are fed is hashed: fingerprint --diff calls a changed one must-match, and reproduce refuses it", async () => {
    const data = path.join(dir, "x.json");
    writeFileSync(data, JSON.stringify([Array.from({ length: 256 }, (_, i) => i / 256)]));
    const fed = path.join(dir, "fed.yaml");
    writeFileSync(
      fed,
      `name: fed\ntargets:\n  a: { kind: onnx, variants: { v: mlp-fp32.onnx }, inputs: { input: { file: x.json } } }\nmeasure: { minIterations: 20, maxIterations: 50, minTimeMs: 0, maxTimeMs: 50 }\ntrials: { min: 1, max: 1 }\n`,
    );
    const run = await bench(["run", fed, ...common, "--json"]);
    expect(run.code, run.stderr).toBe(0);
    const doc = JSON.parse(run.stdout) as { run: { id: string; fingerprint: { data?: Record<string, { sha256: string; bytes: number }> } } };
    expect(doc.run.fingerprint.data?.["x.json"]).toMatchObject({ sha256: expect.stringMatching(/^[0-9a-f]{64}$/), bytes: expect.any(Number) });
    writeFileSync(data, JSON.stringify([Array.from({ length: 256 }, (_, i) => -i / 256)]));
    const refused = await bench(["reproduce", doc.run.id, ...common]);
    expect(refused.code).toBe(2);
    expect(refused.stderr.trim().split("\n")).toHaveLength(1);
    expect(refused.stderr).toMatch(/cannot reproduce: data file x\.json changed \(sha256 \w{12} then, \w{12} now\)/);
    expect((await bench(["run", fed, ...common])).code).toBe(0);
    const diff = await bench(["fingerprint", "--diff", doc.run.id, "latest", "--db", db]);
    expect(diff.stdout).toMatch(/data\.x\.json\s*│\s*must-match\s*│\s*sha256:\w{12}\s*│\s*sha256:\w{12}/);
  });

  it("an older run without the new fingerprint fields still shows and diffs", async () => {
    const old = copyOfV3(tempDir("bench-records-v3-"));
    const tiny = path.join(dir, "tiny.yaml");
    writeFileSync(
      tiny,
      `name: tiny\ntargets:\n  a: { kind: onnx, variants: { v: mlp-fp32.onnx } }\nmeasure: { minIterations: 20, maxIterations: 50, minTimeMs: 0, maxTimeMs: 50 }\ntrials: { min: 1, max: 1 }\n`,
    );
    expect((await bench(["run", tiny, "--db", old, "-q", "--debug-runner", "fake"])).code).toBe(0);
    expect((await bench(["show", "latest~1", "--db", old])).code).toBe(0);
    const r = await bench(["fingerprint", "--diff", "latest~1", "latest", "--db", old]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/cpuFlags\s*│\s*must-match \(not compared\)\s*│\s*\(not recorded\)/);
  });
});
