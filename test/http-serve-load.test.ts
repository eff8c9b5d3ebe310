import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateTensor } from "../src/inputs/generate.js";
import { planInputs } from "../src/inputs/plan.js";
import { closedLoopHttp } from "../src/load/closed-http.js";
import { openLoopHttp } from "../src/load/open-http.js";
import { type HttpRequestSpec, emptyErrors } from "../src/load/types.js";
import { KSERVE_CONTENT_TYPE, encodeInferRequest, fetchModelMetadata, inferUrl, validateInferResponse } from "../src/runners/http/kserve.js";
import { type StartedServer, startServer } from "../src/serve/server.js";

const MODEL = path.resolve(import.meta.dirname, "../suites/models/mlp-fp32.onnx");
let server: StartedServer;

beforeAll(async () => {
  server = await startServer({ models: [MODEL] });
});
afterAll(async () => {
  await server?.close();
});

/** The request a kserve-v2 cell sends: inputs from the served metadata, generated from the seed. */
async function inferRequest(batch: number): Promise<HttpRequestSpec> {
  const { plans, errors } = planInputs(await fetchModelMetadata(server.url, "mlp-fp32", {}), {}, {}, batch);
  expect(errors).toEqual([]);
  return {
    url: inferUrl(server.url, "mlp-fp32"),
    method: "POST",
    headers: { "content-type": KSERVE_CONTENT_TYPE },
    body: encodeInferRequest(plans.map((p) => generateTensor(p, 1))),
    timeoutMs: 5000,
    validate: validateInferResponse,
  };
}

describe("load generators against bench serve (mlp-fp32)", () => {
  it.each([1, 8])("closed loop at batch %i: every response is a valid inference", async (batch) => {
    const r = await closedLoopHttp({ request: await inferRequest(batch), connections: 4, durationMs: 800, warmupRequests: 10 });
    expect(r.errors).toEqual(emptyErrors());
    expect(r.ok).toBeGreaterThan(0);
    expect(r.sent).toBe(r.ok);
    expect(r.latenciesNs.length).toBe(r.ok);
    expect(r.latenciesNs.every((x) => x > 0)).toBe(true);
    expect(r.achievedRate).toBeGreaterThan(0);
  });

  it.each([1, 8])("open loop at batch %i: every response is a valid inference", async (batch) => {
    const r = await openLoopHttp({
      request: await inferRequest(batch),
      ratePerS: 100,
      arrival: "poisson",
      durationMs: 800,
      seed: 5,
      warmupRequests: 5,
    });
    expect(r.errorCount).toBe(0);
    expect(r.ok).toBeGreaterThan(0);
    expect(r.sent).toBe(r.ok);
    expect(r.targetRate).toBe(100);
  });
});
