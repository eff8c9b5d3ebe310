import path from "node:path";
import { Readable } from "node:stream";
import ort from "onnxruntime-node";
import { request } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateTensor } from "../src/inputs/generate.js";
import { planInputs } from "../src/inputs/plan.js";
import { decodeOutputs, encodeInferRequest, fetchModelMetadata, inferUrl } from "../src/runners/http/kserve.js";
import { type StartedServer, startServer } from "../src/serve/server.js";

const MODEL = path.resolve(import.meta.dirname, "../suites/models/mlp-fp32.onnx");

let server: StartedServer;
let small: StartedServer;

beforeAll(async () => {
  server = await startServer({ models: [MODEL] });
  small = await startServer({ models: [MODEL], maxBodyBytes: 4096 });
});
afterAll(async () => {
  await server?.close();
  await small?.close();
});

async function call(method: "GET" | "POST", p: string, body?: string, base = server.url) {
  const res = await request(base + p, { method, body, headers: { "content-type": "application/json" } });
  const text = await res.body.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.statusCode, text, json: json as Record<string, unknown> };
}

const infer = (body: string, base?: string) => call("POST", "/v2/models/mlp-fp32/infer", body, base);
const input = (over: Record<string, unknown> = {}) =>
  JSON.stringify({ inputs: [{ name: "input", datatype: "FP32", shape: [1, 256], data: new Array(256).fill(0.5), ...over }] });

describe("bench serve: KServe v2 REST over onnxruntime", () => {
  it("binds 127.0.0.1 and answers health and server metadata", async () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(server.models).toEqual(["mlp-fp32"]);
    expect((await call("GET", "/v2/health/live")).status).toBe(200);
    expect((await call("GET", "/v2/health/ready")).json).toEqual({ ready: true });
    const meta = await call("GET", "/v2");
    expect(meta.status).toBe(200);
    expect(meta.json.name).toBe("bench");
    expect((await call("GET", "/v2/models/mlp-fp32/ready")).json).toEqual({ name: "mlp-fp32", ready: true });
  });

  it("describes the model with KServe datatypes and -1 for the dynamic batch", async () => {
    const { status, json } = await call("GET", "/v2/models/mlp-fp32");
    expect(status).toBe(200);
    expect(json).toMatchObject({
      name: "mlp-fp32",
      platform: "onnxruntime",
      inputs: [{ name: "input", datatype: "FP32", shape: [-1, 256] }],
      outputs: [{ name: "logits", datatype: "FP32", shape: [-1, 10] }],
    });
    // The client side reads it back in planInputs' terms.
    expect(await fetchModelMetadata(server.url, "mlp-fp32", {})).toEqual([{ name: "input", type: "float32", shape: [-1, 256] }]);
  });

  it.each([1, 8])("infers at batch %i: logits of shape [batch, 10], equal to a local onnxruntime run", async (batch) => {
    const { plans, errors } = planInputs(await fetchModelMetadata(server.url, "mlp-fp32", {}), {}, {}, batch);
    expect(errors).toEqual([]);
    const tensors = plans.map((p) => generateTensor(p, 123));
    const res = await request(inferUrl(server.url, "mlp-fp32"), { method: "POST", body: encodeInferRequest(tensors) });
    expect(res.statusCode).toBe(200);
    const outputs = decodeOutputs(Buffer.from(await res.body.arrayBuffer()));
    expect(outputs.map((o) => [o.name, o.datatype, o.shape])).toEqual([["logits", "FP32", [batch, 10]]]);

    const session = await ort.InferenceSession.create(MODEL);
    const t = tensors[0];
    if (t === undefined) throw new Error("no tensor");
    const local = await session.run({ input: new ort.Tensor("float32", t.data as Float32Array, t.shape) });
    await session.release();
    // Float32 values are written with enough digits to read back exactly.
    expect(Float32Array.from(outputs[0]?.data as number[])).toEqual(local.logits?.data);
  });

  it("echoes the request id and returns only the requested outputs", async () => {
    const body = JSON.stringify({ id: "r1", inputs: JSON.parse(input()).inputs, outputs: [{ name: "logits" }] });
    const { status, json } = await infer(body);
    expect(status).toBe(200);
    expect(json).toMatchObject({ model_name: "mlp-fp32", id: "r1" });
  });

  it.each([
    ["bad JSON", "{not json", /not valid JSON/],
    ["not an object", "[1,2]", /JSON object/],
    ["no inputs", "{}", /'inputs'/],
    ["unknown input name", input({ name: "x" }), /no input 'x'/],
    ["an input without a name", JSON.stringify({ inputs: [{ datatype: "FP32", shape: [1, 256], data: [] }] }), /inputs\[0\]\.name/],
    ["the same input twice", JSON.stringify({ inputs: [...JSON.parse(input()).inputs, ...JSON.parse(input()).inputs] }), /given twice/],
    ["wrong datatype", input({ datatype: "INT64" }), /datatype FP32, got INT64/],
    ["unknown datatype", input({ datatype: "FLOAT" }), /datatype must be/],
    ["wrong rank", input({ shape: [256] }), /2 dimensions/],
    ["wrong fixed dimension", input({ shape: [1, 128], data: new Array(128).fill(0) }), /dimension 1 must be 256/],
    ["data length ≠ product of shape", input({ shape: [2, 256] }), /holds 512 values, data has 256/],
    ["non-numeric data", input({ data: new Array(256).fill("a") }), /must be a finite number/],
    ["unknown output", JSON.stringify({ inputs: JSON.parse(input()).inputs, outputs: [{ name: "nope" }] }), /no output 'nope'/],
  ])("answers 400 with an error for %s", async (_what, body, message) => {
    const { status, json } = await infer(body);
    expect(status).toBe(400);
    expect(typeof json.error).toBe("string");
    expect(json.error).toMatch(message);
  });

  it("answers 404 for an unknown model, version or endpoint, and 405 for a wrong method", async () => {
    const unknown = await call("GET", "/v2/models/nope");
    expect(unknown.status).toBe(404);
    expect(unknown.json.error).toMatch(/unknown model 'nope'.*mlp-fp32/);
    expect((await call("POST", "/v2/models/nope/infer", input())).status).toBe(404);
    expect((await call("GET", "/v2/models/mlp-fp32/versions/7")).status).toBe(404);
    expect((await call("GET", "/v3/anything")).status).toBe(404);
    expect((await call("GET", "/v2/models/mlp-fp32/infer")).status).toBe(405);
  });

  it("answers 413 to a body over the limit, declared or streamed, and keeps serving", async () => {
    const big = input({ data: new Array(512).fill(0.123456789) });
    expect(Buffer.byteLength(big)).toBeGreaterThan(4096);
    const declared = await infer(big, small.url);
    expect(declared.status).toBe(413);
    expect(declared.json.error).toMatch(/exceeds the limit of 4096 bytes/);

    // A stream without a declared length goes out chunked: the limit is enforced while reading.
    const chunks = Readable.from(Array.from({ length: 8 }, () => Buffer.alloc(1024, 0x20)));
    const streamed = await request(`${small.url}/v2/models/mlp-fp32/infer`, { method: "POST", body: chunks });
    expect(streamed.statusCode).toBe(413);
    await streamed.body.dump();
    expect((await infer(input(), small.url)).status).toBe(200);
  });

  it("still serves after all the bad requests", async () => {
    const { status, json } = await infer(input());
    expect(status).toBe(200);
    expect(json.outputs).toHaveLength(1);
  });
});
