import { afterAll, beforeAll, expect, it } from "vitest";
import { closedLoopHttp } from "../src/load/closed-http.js";
import { openLoopHttp } from "../src/load/open-http.js";
import type { HttpRequestSpec } from "../src/load/types.js";
import { quantile, sortSamples } from "../src/stats/index.js";
import { type TestServer, stallingServer } from "./helpers/servers.js";

const STALL_MS = 500;
let server: TestServer;

beforeAll(async () => {
  server = await stallingServer({ stallMs: STALL_MS, periodMs: 2000, firstStallMs: 300 });
});
afterAll(async () => {
  await server?.close();
});

const ms = (ns: number) => ns / 1e6;
const p99 = (xs: Float64Array) => ms(quantile(sortSamples(xs), 0.99));
const max = (xs: Float64Array) => ms(xs.reduce((a, b) => Math.max(a, b), 0));

it("a periodic stall shows in the open loop's p99 (latency from the scheduled start) and hides in the closed loop's", async () => {
  const request: HttpRequestSpec = { url: `${server.url}/predict`, method: "POST", headers: {}, body: "{}", timeoutMs: 5000 };
  // 4 s at 50/s spans two stalls: about a quarter of the arrivals land in one.
  const open = await openLoopHttp({ request, ratePerS: 50, arrival: "fixed", durationMs: 4000, seed: 1 });
  // 2.2 s is longer than the period, so the closed loop meets a stall too.
  const closed = await closedLoopHttp({ request, connections: 2, durationMs: 2200 });

  const msg = `open p99 ${p99(open.latenciesNs).toFixed(1)} ms (n=${open.ok}); closed p99 ${p99(closed.latenciesNs).toFixed(1)} ms, max ${max(closed.latenciesNs).toFixed(1)} ms (n=${closed.ok}); stall ${STALL_MS} ms`;
  expect(open.errorCount, msg).toBe(0);
  expect(closed.errorCount, msg).toBe(0);
  expect(p99(open.latenciesNs), msg).toBeGreaterThanOrEqual(0.8 * STALL_MS);
  // The closed loop did wait out the stall, on its few in-flight requests only …
  expect(max(closed.latenciesNs), msg).toBeGreaterThanOrEqual(0.8 * STALL_MS);
  // … so its p99 is far below it: coordinated omission.
  expect(p99(closed.latenciesNs), msg).toBeLessThan(0.2 * STALL_MS);
});
