import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DRAIN_SLACK_MS } from "../src/load/open.js";
import { openLoopHttp } from "../src/load/open-http.js";
import { type GeneratorHealth, generatorLimit, LATE_SEND_MS, MAX_EVENT_LOOP_P99_MS } from "../src/load/health.js";
import type { LoadResult } from "../src/load/types.js";
import { measuredLoadCell } from "../src/measure/cell-result.js";
import { type TestServer, silentServer, staticServer } from "./helpers/servers.js";

/** Busy-waits: blocks the event loop like synchronous work would. */
function block(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end);
}

const request = (url: string, timeoutMs = 1000) => ({ url, method: "POST" as const, headers: {}, body: "{}", timeoutMs });

const openCell = (rate: number) => ({
  id: `srv/default/b1/r${rate}`,
  target: "srv",
  variant: "default",
  batch: 1,
  provider: "http",
  threads: null,
  load: { mode: "open" as const, rate },
});

const cellOf = (rate: number, r: LoadResult) =>
  measuredLoadCell(openCell(rate), r, { sessionCreateMs: 0, itemsPerCall: 1, firstCallNs: 0, warmupIterations: 0, peakRssKb: 0, maxErrorRate: 1 });

const healthy: GeneratorHealth = {
  targetRate: 1000,
  achievedRate: 1000,
  scheduled: 5000,
  sent: 5000,
  dropped: 0,
  sendLagMs: { p50: 0.1, p99: 1, max: 4 },
  lateSends: 0,
  maxInFlight: 3,
  inFlightCap: 5000,
  eventLoopDelayMs: { p50: 0.1, p99: 2, max: 5 },
  cpuPercent: 40,
};

describe("generator limits (thresholds)", () => {
  it("a generator that kept up is not limited; late sends, unsent requests or a blocked event loop each are", () => {
    expect(generatorLimit(healthy)).toBeNull();
    expect(generatorLimit({ ...healthy, sendLagMs: { p50: 1, p99: LATE_SEND_MS * 2, max: 40 }, lateSends: 60 })).toMatch(/fell behind.*late by up to 40 ms/);
    // A few late sends (a GC pause) or unsent requests at the edge of a short cell are not a limit.
    expect(generatorLimit({ ...healthy, scheduled: 70, sent: 69, dropped: 1, lateSends: 2 })).toBeNull();
    expect(generatorLimit({ ...healthy, sent: 4900, dropped: 100, achievedRate: 980 })).toMatch(/sent 980 of 1,000 req\/s.*100 never sent.*lower the rate/);
    expect(generatorLimit({ ...healthy, sent: 4990, dropped: 10 })).toBeNull();
    // In process the load runs on the generator's thread: lateness is the workload's queueing, not the generator's; unsent requests still count.
    const late = { ...healthy, sendLagMs: { p50: 30, p99: 60, max: 80 }, lateSends: 2500, eventLoopDelayMs: { p50: 30, p99: 60, max: 80 } };
    expect(generatorLimit(late)).not.toBeNull();
    expect(generatorLimit(late, { inProcess: true })).toBeNull();
    expect(generatorLimit({ ...late, sent: 4000, dropped: 1000 }, { inProcess: true })).toMatch(/1,000 never sent/);
    // Closed loop: no schedule, only the event loop.
    const closed = { ...healthy, targetRate: null, scheduled: null, sendLagMs: null, lateSends: null, dropped: 0 };
    expect(generatorLimit(closed)).toBeNull();
    expect(generatorLimit({ ...closed, eventLoopDelayMs: { p50: 5, p99: MAX_EVENT_LOOP_P99_MS * 2, max: 300 } })).toMatch(/event loop was blocked/);
  });
});

describe("open loop: a generator that cannot drive the load", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await staticServer();
  });
  afterAll(() => server.close());

  it("is marked invalid, with the limit and what to change, when its event loop is throttled", async () => {
    // 30 ms of synchronous work every 40 ms: sends at 200/s (every 5 ms) wait behind it.
    const hog = setInterval(() => block(30), 40);
    let r: LoadResult;
    try {
      r = await openLoopHttp({ request: request(server.url), ratePerS: 200, arrival: "fixed", durationMs: 800, seed: 1, warmupRequests: 10 });
    } finally {
      clearInterval(hog);
    }
    const g = r.generator as GeneratorHealth;
    expect(g.sendLagMs?.p99, JSON.stringify(g)).toBeGreaterThan(LATE_SEND_MS);
    expect(g.eventLoopDelayMs.max).toBeGreaterThan(15);
    expect(r.generatorLagged).toBe(true);
    const cell = cellOf(200, r);
    expect(cell.status).toBe("invalid");
    expect(cell.error).toMatch(/^the generator fell behind: sent [\d.,]+ of 200 req\/s, sends late by up to [\d.,]+ ms .*: lower the rate/);
    expect(cell.load?.generator?.targetRate).toBe(200);
  });

  it("at an absurd rate keeps requests in flight and memory bounded, drops what it cannot send, and ends within its duration plus the grace", async () => {
    const durationMs = 1500;
    const timeoutMs = 500;
    global.gc?.();
    const rss0 = process.memoryUsage().rss;
    const t0 = performance.now();
    const r = await openLoopHttp({ request: request(server.url, timeoutMs), ratePerS: 1e6, arrival: "poisson", durationMs, seed: 2, workers: 1 });
    const wallMs = performance.now() - t0;
    const grownMb = (process.memoryUsage().rss - rss0) / 2 ** 20;
    const g = r.generator as GeneratorHealth;
    const msg = `${wallMs.toFixed(0)} ms, RSS +${grownMb.toFixed(0)} MiB, ${JSON.stringify(g)}`;
    expect(g.maxInFlight, msg).toBeLessThanOrEqual(g.inFlightCap);
    expect(g.scheduled, msg).toBeGreaterThan(1e6);
    expect(g.dropped, msg).toBeGreaterThan(0.9 * (g.scheduled ?? 0));
    expect(r.sent, msg).toBe(g.sent);
    // 1.5 million requests queued would take gigabytes (as this generator did before the cap).
    expect(grownMb, msg).toBeLessThan(400);
    // The slack covers the last send's own delay and a loaded machine; the schedule's own length (1.5 s at 1e6/s) is not waited out.
    expect(wallMs, msg).toBeLessThan(durationMs + timeoutMs + DRAIN_SLACK_MS + 2500);
    const cell = cellOf(1e6, r);
    expect(cell.status, msg).toBe("invalid");
    expect(cell.error).toMatch(/never sent/);
  });

  it("a server that never answers: the cell still ends within its duration plus the grace, the requests counted as timeouts", async () => {
    const silent = await silentServer();
    try {
      const durationMs = 600;
      const timeoutMs = 400;
      const t0 = performance.now();
      const r = await openLoopHttp({ request: request(silent.url, timeoutMs), ratePerS: 50, arrival: "fixed", durationMs, seed: 3 });
      const wallMs = performance.now() - t0;
      expect(r.errors.timeouts).toBe(r.sent);
      expect(r.sent).toBeGreaterThan(20);
      expect(wallMs).toBeLessThan(durationMs + timeoutMs + DRAIN_SLACK_MS + 1500);
    } finally {
      await silent.close();
    }
  });
});
