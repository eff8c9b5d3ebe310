import { copyFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunResult } from "../src/results.js";
import { startServer } from "../src/serve/server.js";
import { bench, ROOT, tempDir } from "./helpers/cli.js";
import { startTestServer, statusServer, type TestServer } from "./helpers/servers.js";

/**
 * Remote targets end to end: `bench serve` and an always-500 server on 127.0.0.1, a suite that
 * reaches them through ${ENV} references, closed and open loop at batch 1 and 8, next to the same
 * model in process under the same loads.
 */
describe("bench run against servers", () => {
  const dir = tempDir();
  const db = path.join(dir, "r.db");
  const secret = "s3cr3t-token-value";
  let served: { url: string; close(): Promise<void> };
  let failing: TestServer;
  let dead: TestServer;
  let doc: RunResult & { comparisons: { comparisons: { cell: string }[] }[] };
  let code: number | null;
  let output: string;

  beforeAll(async () => {
    copyFileSync(path.join(ROOT, "suites/models/mlp-int8.onnx"), path.join(dir, "mlp-int8.onnx"));
    served = await startServer({ models: [path.join(dir, "mlp-int8.onnx")], port: 0 });
    // Healthy for the cold start and warm-up, then every other request fails with a 500.
    let n = 0;
    dead = await statusServer(500);
    failing = await startTestServer((req, res) => {
      req.resume();
      req.on("end", () => {
        n++;
        const ok = n <= 10 || n % 2 === 0;
        res.writeHead(ok ? 200 : 500, { "content-type": "application/json" });
        res.end(ok ? '{"ok":true}' : '{"error":"boom"}');
      });
    });
    writeFileSync(
      path.join(dir, "remote.yaml"),
      `name: remote-test
targets:
  served:
    kind: http
    url: \${SERVED_URL}
    protocol: kserve-v2
    variants: { mlp-int8: mlp-int8 }
    headers: { X-Token: "\${BENCH_TEST_TOKEN}" }
    timeoutMs: 2000
  local:
    kind: onnx
    variants: { mlp-int8: mlp-int8.onnx }
  broken:
    kind: http
    url: \${FAILING_URL}
    protocol: json
    body: '{"x": {{flat:x}}}'
    inputs: { x: { shape: [batch, 4], dtype: float32 } }
    matrix: { batch: [1], concurrency: [1], rate: [] }
  rejecting:
    kind: http
    url: \${DEAD_URL}/v1/x?key=\${BENCH_TEST_TOKEN}
    protocol: json
    body: '{"x": {{flat:x}}}'
    inputs: { x: { shape: [batch, 4], dtype: float32 } }
    matrix: { batch: [1], concurrency: [1], rate: [] }
compare: { base: local, head: served }
matrix: { batch: [1, 8], concurrency: [2], rate: [100] }
load: { durationMs: 700, warmupRequests: 5 }
measure: { warmupIterations: 3 }
`,
    );
    const r = await bench(["run", path.join(dir, "remote.yaml"), "--db", db, "--json"], {
      env: { SERVED_URL: served.url, FAILING_URL: failing.url, DEAD_URL: dead.url, BENCH_TEST_TOKEN: secret },
    });
    code = r.code;
    output = r.stdout + r.stderr;
    doc = JSON.parse(r.stdout);
  }, 120_000);

  afterAll(async () => {
    await served?.close();
    await failing?.close();
    await dead?.close();
  });

  it("measures served and in-process cells under closed and open loop", () => {
    const byId = new Map(doc.cells.map((c) => [c.id, c]));
    for (const id of [
      "served/mlp-int8/b1/c2",
      "served/mlp-int8/b1/r100",
      "served/mlp-int8/b8/c2",
      "served/mlp-int8/b8/r100",
      "local/mlp-int8/b1/cpu/t1/c2",
      "local/mlp-int8/b8/cpu/t1/r100",
    ]) {
      const c = byId.get(id);
      expect(c?.status, `${id}: ${c?.error}`).toBe("ok");
      expect(c?.load?.ok).toBeGreaterThan(20);
      expect(c?.load?.errorRate).toBe(0);
      expect(c?.latencyMs?.p50.value).toBeGreaterThan(0);
    }
    const open = byId.get("served/mlp-int8/b8/r100");
    expect(open?.load).toMatchObject({ mode: "open", targetRate: 100 });
    expect(open?.rate).toBe(100);
    expect(byId.get("served/mlp-int8/b1/c2")?.load).toMatchObject({ mode: "closed", concurrency: 2, targetRate: null });
  });

  it("fails the cell whose error rate passes the limit, counts errors by kind, keeps the others, exits 3", () => {
    expect(code).toBe(3);
    const broken = doc.cells.find((c) => c.target === "broken");
    expect(broken?.status).toBe("failed");
    expect(broken?.error).toMatch(/^error rate \d+\.\d+% is above the limit of 1\.00% \(HTTP 500 ×\d+\)$/);
    expect(broken?.load?.errors.status["500"]).toBeGreaterThan(5);
    expect(broken?.load?.ok).toBeGreaterThan(5);
    // latency statistics are still there, over the successful requests
    expect(broken?.latencyMs?.p50.value).toBeGreaterThan(0);
    expect(doc.cells.filter((c) => c.status === "ok").length).toBe(doc.cells.length - 2);
  });

  it("compares in-process and served cells of the suite's compare pair", () => {
    const cells = doc.comparisons[0]?.comparisons.map((c) => c.cell) ?? [];
    expect(cells).toContain("local→served/mlp-int8/b8/c2");
    expect(cells).toContain("local→served/mlp-int8/b1/r100");
  });

  it("never stores or prints a secret from the environment, in a header or a URL", () => {
    const refused = doc.cells.find((c) => c.target === "rejecting");
    expect(refused?.status).toBe("failed");
    expect(refused?.error).toMatch(/\/v1\/x\?key=<redacted> answered 500/);
    expect(output).not.toContain(secret);
    const sqlite = new Database(db, { readonly: true });
    const rows = [
      ...(sqlite.prepare("SELECT suites.body FROM runs JOIN suites ON suites.id = runs.suite_id").all() as Record<string, string>[]),
      ...(sqlite.prepare("SELECT body FROM fingerprint_parts").all() as Record<string, string>[]),
      ...(sqlite.prepare("SELECT summary FROM cells").all() as Record<string, string>[]),
    ];
    sqlite.close();
    const stored = JSON.stringify(rows);
    expect(stored).not.toContain(secret);
    expect(stored).toContain("<redacted>");
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the suite's own ${ENV} reference, kept unexpanded
    expect(stored).toContain("${SERVED_URL}");
  });

  it("names a missing environment variable, exit 2, before running anything", async () => {
    const r = await bench(["run", path.join(dir, "remote.yaml"), "--db", db], {
      env: { SERVED_URL: served.url, FAILING_URL: failing.url, DEAD_URL: "http://127.0.0.1:9" },
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/remote\.yaml: targets\.served\.headers\.X-Token: environment variable BENCH_TEST_TOKEN is not set/);
  });
});
