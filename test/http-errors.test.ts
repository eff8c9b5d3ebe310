import { afterAll, describe, expect, it } from "vitest";
import { closedLoopHttp } from "../src/load/closed-http.js";
import { openLoopHttp } from "../src/load/open-http.js";
import type { HttpRequestSpec, LoadErrors, LoadResult } from "../src/load/types.js";
import { validateJsonResponse } from "../src/runners/http/json-template.js";
import * as servers from "./helpers/servers.js";

const started: servers.TestServer[] = [];
afterAll(async () => {
  await Promise.all(started.map((s) => s.close()));
});

async function url(make: () => Promise<servers.TestServer>): Promise<string> {
  const s = await make();
  started.push(s);
  return s.url;
}

const spec = (base: string): HttpRequestSpec => ({
  url: `${base}/infer`,
  method: "POST",
  headers: { "content-type": "application/json" },
  body: '{"x":1}',
  timeoutMs: 200,
  validate: validateJsonResponse,
});

type Bucket = keyof Omit<LoadErrors, "status"> | "status:500";

const cases: [string, () => Promise<string>, Bucket][] = [
  ["always 500", () => url(() => servers.statusServer(500)), "status:500"],
  ["never responds", () => url(servers.silentServer), "timeouts"],
  ["resets the connection", () => url(servers.resetServer), "reset"],
  ["closes the connection without answering", () => url(servers.hangUpServer), "reset"],
  ["answers 200 with malformed JSON", () => url(servers.malformedServer), "malformed"],
  ["refuses connections", servers.refusedUrl, "refused"],
];

function bucket(r: LoadResult, b: Bucket): number {
  return b === "status:500" ? (r.errors.status["500"] ?? 0) : (r.errors[b] ?? 0);
}

function expectOnly(r: LoadResult, b: Bucket): void {
  const msg = JSON.stringify(r.errors);
  expect(bucket(r, b), msg).toBeGreaterThan(0);
  expect(bucket(r, b), msg).toBe(r.errorCount);
  expect(r.ok).toBe(0);
  expect(r.latenciesNs.length).toBe(0);
  expect(r.sent).toBe(r.errorCount);
}

describe("HTTP errors are counted per kind and never stop the loop", () => {
  it.each(cases)("closed loop: a server that %s", async (_name, base, b) => {
    expectOnly(await closedLoopHttp({ request: spec(await base()), connections: 2, durationMs: 500 }), b);
  });

  it.each(cases)("open loop: a server that %s", async (_name, base, b) => {
    const r = await openLoopHttp({ request: spec(await base()), ratePerS: 40, arrival: "fixed", durationMs: 300, seed: 1 });
    expectOnly(r, b);
    expect(r.sent).toBe(12);
  });

  it("a healthy server after the broken ones: no errors", async () => {
    const base = await url(() => servers.staticServer());
    const closed = await closedLoopHttp({ request: spec(base), connections: 2, durationMs: 300, maxRequests: 200 });
    expect(closed.errorCount).toBe(0);
    expect(closed.ok).toBe(200);
    const open = await openLoopHttp({ request: spec(base), ratePerS: 100, arrival: "poisson", durationMs: 300, seed: 2, maxRequests: 20 });
    expect(open.errorCount).toBe(0);
    expect(open.ok).toBe(20);
  });
});
