import { writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunResult } from "../src/results.js";
import { kserveOutputs, tfservingOutputs } from "../src/runners/http/outputs.js";
import { startServer } from "../src/serve/server.js";
import { bench, QUICK_MEASURE, tempDir, writeShiftModel } from "./helpers/cli.js";
import { startTestServer, type TestServer } from "./helpers/servers.js";

/**
 * The shadow check of a deployment: a served model's outputs against its local twin's, on the
 * same seeded inputs, through KServe v2 (`bench serve`) and TF Serving's row format (a small
 * server here that answers x + 0.02).
 */
describe("accuracy of a served model against a reference in another target", () => {
  const dir = tempDir();
  let kserve: { url: string; close(): Promise<void> };
  let tfserving: TestServer;
  let cells: RunResult["cells"] = [];
  let code: number | null = null;
  let stderr = "";

  beforeAll(async () => {
    writeShiftModel(path.join(dir, "ref.onnx"), 0);
    writeShiftModel(path.join(dir, "off.onnx"), 0.01);
    kserve = await startServer({ models: [path.join(dir, "off.onnx"), path.join(dir, "ref.onnx")], port: 0 });
    tfserving = await startTestServer((req, res) => {
      let body = "";
      req.on("data", (c: Buffer) => (body += c.toString()));
      req.on("end", () => {
        const { instances } = JSON.parse(body) as { instances: number[][] };
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify({ predictions: instances.map((row) => row.map((x) => Math.fround(x) + 0.02)) }));
      });
    });
    writeFileSync(
      path.join(dir, "shadow.yaml"),
      `name: shadow
targets:
  local:
    kind: onnx
    variants: { ref: ref.onnx }
  served:
    kind: http
    url: \${KSERVE_URL}
    protocol: kserve-v2
    variants: { off: off, same: ref }
    reference: local/ref
    accuracy: { samples: 5 }
  tf:
    kind: http
    url: \${TF_URL}
    protocol: tfserving
    model: shift
    inputs: { x: { shape: [batch, 4], dtype: float32 } }
    reference: local/ref
    accuracy: { samples: 3 }
matrix: { batch: [2] }
load: { durationMs: 300, warmupRequests: 2 }
${QUICK_MEASURE}`,
    );
    const r = await bench(["run", path.join(dir, "shadow.yaml"), "--db", path.join(dir, "r.db"), "-q", "--json"], {
      env: { KSERVE_URL: kserve.url, TF_URL: tfserving.url },
    });
    code = r.code;
    stderr = r.stderr;
    cells = (JSON.parse(r.stdout) as RunResult).cells;
  }, 120_000);

  afterAll(async () => {
    await kserve?.close();
    await tfserving?.close();
  });

  it("a served model off by a known amount reports that amount; the served twin reports none", () => {
    expect(code, stderr).toBe(0);
    const off = cells.find((c) => c.target === "served" && c.variant === "off");
    expect(off?.accuracy).toMatchObject({ reference: "local/ref", inputs: 5 });
    expect(off?.accuracy?.error).toBeUndefined();
    const y = off?.accuracy?.outputs.y;
    expect(y?.elements).toBe(5 * 2 * 4);
    expect(y?.maxAbsError).toBeCloseTo(0.01, 6);
    expect(y?.meanAbsError).toBeCloseTo(0.01, 6);
    const same = cells.find((c) => c.target === "served" && c.variant === "same")?.accuracy?.outputs.y;
    expect(same?.maxAbsError).toBe(0);
    expect(same?.cosine).toBeCloseTo(1, 12);
    // The local reference's own cell is not compared with itself.
    expect(cells.find((c) => c.target === "local")?.accuracy).toBeNull();
  });

  it("TF Serving's unnamed predictions are paired with the reference's single output", () => {
    const tf = cells.find((c) => c.target === "tf");
    expect(tf?.accuracy?.error).toBeUndefined();
    const y = tf?.accuracy?.outputs.y;
    expect(y?.elements).toBe(3 * 2 * 4);
    expect(y?.maxAbsError).toBeCloseTo(0.02, 6);
  });

  it("a reference in a target that does not exist, or across protocol json, is bad input", async () => {
    const base = `name: bad\ntargets:\n  served:\n    kind: http\n    url: http://127.0.0.1:1\n    protocol: kserve-v2\n    model: m\n`;
    writeFileSync(path.join(dir, "missing.yaml"), `${base}    reference: nowhere/fp32\n`);
    const missing = await bench(["validate", path.join(dir, "missing.yaml")]);
    expect(missing.code).toBe(2);
    expect(missing.stdout + missing.stderr).toMatch(/targets\.served\.reference: no target 'nowhere' in this suite \(its targets: served\)/);
    writeFileSync(
      path.join(dir, "json.yaml"),
      `name: bad\ntargets:\n  local:\n    kind: onnx\n    variants: { ref: ref.onnx }\n  j:\n    kind: http\n    url: http://127.0.0.1:1/x\n    protocol: json\n    body: '{"x": {{flat:x}}}'\n    inputs: { x: { shape: [batch, 4], dtype: float32 } }\n    reference: local/ref\n`,
    );
    const json = await bench(["validate", path.join(dir, "json.yaml")]);
    expect(json.code).toBe(2);
    expect(json.stdout + json.stderr).toMatch(/targets\.j\.reference: a protocol json target's outputs cannot be decoded/);
  });
});

describe("served outputs decoded per protocol", () => {
  it("KServe v2 outputs by name, with their shapes; FP32 values read back as the float32 they were written from", () => {
    const out = kserveOutputs(JSON.stringify({ outputs: [{ name: "y", datatype: "FP32", shape: [2, 2], data: [0.1, 2, 3.5, 4] }] }));
    expect(out.get("y")?.dims).toEqual([2, 2]);
    expect(Array.from(out.get("y")?.data ?? [])).toEqual([Math.fround(0.1), 2, 3.5, 4]);
    const ints = kserveOutputs(JSON.stringify({ outputs: [{ name: "k", datatype: "INT64", shape: [2], data: [3, 7] }] }));
    expect(Array.from(ints.get("k")?.data ?? [])).toEqual([3, 7]);
  });

  it("TF Serving rows with several named outputs are stacked per output; columnar outputs keep their names", () => {
    const rows = tfservingOutputs(
      JSON.stringify({
        predictions: [
          { a: [1, 2], b: 3 },
          { a: [4, 5], b: 6 },
        ],
      }),
    );
    expect(rows.get("a")).toEqual({ data: Float64Array.from([1, 2, 4, 5]), dims: [2, 2] });
    expect(rows.get("b")).toEqual({ data: Float64Array.from([3, 6]), dims: [2] });
    const columns = tfservingOutputs(JSON.stringify({ outputs: { z: [[1], [2]] } }));
    expect(columns.get("z")?.dims).toEqual([2, 1]);
    expect(() => tfservingOutputs(JSON.stringify({ predictions: [[1, 2], [3]] }))).toThrow(/ragged/);
    expect(() => tfservingOutputs(JSON.stringify({ predictions: [["a"]] }))).toThrow(/not a number/);
  });
});
