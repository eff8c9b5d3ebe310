import { afterAll, beforeAll, expect, it } from "vitest";
import { closedLoopHttp } from "../src/load/closed-http.js";
import { openLoopHttp } from "../src/load/open-http.js";
import type { HttpRequestSpec } from "../src/load/types.js";
import { type TestServer, staticServer } from "./helpers/servers.js";

let server: TestServer;
beforeAll(async () => {
  server = await staticServer();
});
afterAll(async () => {
  await server?.close();
});

it("an aborted signal (SIGINT) ends closed- and open-loop HTTP runs early with what was measured", async () => {
  const request: HttpRequestSpec = { url: `${server.url}/`, method: "GET", headers: {}, body: undefined, timeoutMs: 1000 };
  const t0 = performance.now();
  const closed = await closedLoopHttp({ request, connections: 2, durationMs: 30_000, signal: AbortSignal.timeout(300) });
  const open = await openLoopHttp({ request, ratePerS: 20, arrival: "fixed", durationMs: 30_000, seed: 1, signal: AbortSignal.timeout(300) });
  expect(performance.now() - t0).toBeLessThan(10_000);
  expect(closed.ok).toBeGreaterThan(0);
  expect(closed.errorCount).toBe(0);
  expect(open.ok).toBeGreaterThan(0);
  expect(open.sent).toBeLessThan(20);
});
