import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { createHistogram } from "node:perf_hooks";
import { describe, expect, it } from "vitest";
import { type GeneratorHealth, generatorLimit } from "../src/load/health.js";
import { defaultOpenWorkers, openLoopHttp, RATE_PER_WORKER } from "../src/load/open-http.js";
import { mergeParts, type WorkerOutput } from "../src/load/open-workers.js";
import { emptyErrors, type LoadResult } from "../src/load/types.js";
import { WarmupSettler } from "../src/load/warmup.js";
import { validatePredictResponse } from "../src/runners/http/tfserving.js";
import { staticServer } from "./helpers/servers.js";

const health = (o: Partial<GeneratorHealth>): GeneratorHealth => ({
  targetRate: 500,
  achievedRate: 500,
  scheduled: 1000,
  sent: 1000,
  dropped: 0,
  sendLagMs: { p50: 0, p99: 0, max: 0 },
  lateSends: 0,
  maxInFlight: 4,
  inFlightCap: 100,
  eventLoopDelayMs: { p50: 0, p99: 0, max: 0 },
  cpuPercent: 30,
  ...o,
});

function part(latencies: number[], ends: number[], lags: number[], o: Partial<LoadResult> = {}): WorkerOutput {
  const lag = createHistogram();
  for (const x of lags) lag.record(x);
  const loop = createHistogram();
  loop.record(1e6);
  const errors = emptyErrors();
  errors.timeouts = 1;
  errors.status["503"] = 2;
  return {
    result: {
      latenciesNs: Float64Array.from(latencies),
      sent: latencies.length + 3,
      ok: latencies.length,
      errors,
      errorCount: 3,
      durationNs: 1e9,
      targetRate: 500,
      achievedRate: latencies.length,
      generatorLagged: false,
      maxDispatchLagNs: Math.max(...lags),
      generator: health({ sent: latencies.length + 3, scheduled: latencies.length + 3, lateSends: 1 }),
      ...o,
    },
    endsNs: Float64Array.from(ends),
    lag,
    loop,
  };
}

describe("open loop on worker threads", () => {
  it("merges the workers' parts exactly: every latency once, in order of completion; counts summed; histograms added, not averaged", () => {
    const a = part([10, 20, 30], [1, 4, 6], [100, 200, 300]);
    const b = part([40, 50], [2, 5], [5_000_000, 7_000_000]);
    const r = mergeParts([a, b], 1000);
    expect(Array.from(r.latenciesNs)).toEqual([10, 40, 20, 50, 30]);
    expect(r.ok).toBe(5);
    expect(r.errors.timeouts).toBe(2);
    expect(r.errors.status["503"]).toBe(4);
    expect(r.sent).toBe(r.ok + r.errorCount);
    const g = r.generator as GeneratorHealth;
    expect(g.workers).toBe(2);
    expect(g.sent).toBe(a.result.sent + b.result.sent);
    expect(g.lateSends).toBe(2);
    // The merged send lag is the histogram of all five lags: its max is b's, its median a's largest.
    const all = createHistogram();
    for (const x of [100, 200, 300, 5_000_000, 7_000_000]) all.record(x);
    expect(g.sendLagMs?.max).toBeCloseTo(all.max / 1e6, 6);
    expect(g.sendLagMs?.p50).toBeCloseTo(all.percentile(50) / 1e6, 6);
    expect(r.maxDispatchLagNs).toBe(7_000_000);
  });

  it("default worker count: one below RATE_PER_WORKER, one per share of the rate above, a core left free", () => {
    expect(defaultOpenWorkers(RATE_PER_WORKER, 8)).toBe(1);
    expect(defaultOpenWorkers(RATE_PER_WORKER * 3, 8)).toBe(3);
    expect(defaultOpenWorkers(RATE_PER_WORKER * 3, 3)).toBe(2);
    expect(defaultOpenWorkers(RATE_PER_WORKER * 3, 2)).toBe(1);
    expect(defaultOpenWorkers(1e9, 64)).toBe(16);
  });

  it("two workers hold a modest rate within a few percent, and the merged result accounts for every request the server saw", async () => {
    let served = 0;
    const server = createServer((_req, res) => {
      served++;
      res.writeHead(200, { "content-type": "application/json" }).end('{"ok":true}');
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    try {
      const rate = 2000;
      const durationMs = 1500;
      const r = await openLoopHttp({
        request: { url, method: "POST", headers: {}, body: "{}", timeoutMs: 2000 },
        ratePerS: rate,
        arrival: "fixed",
        durationMs,
        seed: 5,
        workers: 2,
      });
      const g = r.generator as GeneratorHealth;
      const msg = `${JSON.stringify(g)} ${JSON.stringify(r.errors)} ok ${r.ok}, served ${served}`;
      expect(g.workers).toBe(2);
      // A fixed schedule: rate × duration arrivals in the window, split over the two workers.
      expect(Math.abs((g.scheduled ?? 0) - (rate * durationMs) / 1000), msg).toBeLessThanOrEqual(4);
      // Exact accounting: one latency per success, every request sent counted once, the server saw
      // every success (no warm-up here) and nothing the generator did not send.
      expect(r.latenciesNs.length).toBe(r.ok);
      expect(r.ok + r.errorCount).toBe(r.sent);
      expect(g.sent).toBe(r.sent);
      expect(served, msg).toBeGreaterThanOrEqual(r.ok);
      expect(served, msg).toBeLessThanOrEqual(r.sent);
      // It held the rate (within 3%, no request failed), or it says it could not: never a silent miss.
      const held = Math.abs(g.achievedRate / rate - 1) < 0.03 && g.sent / (g.scheduled ?? 1) > 0.99 && r.errorCount === 0;
      if (!held) expect(generatorLimit(g) ?? `${r.errorCount} failed`, msg).not.toBeNull();
      if (generatorLimit(g) === null) expect(Math.abs(g.achievedRate / rate - 1), msg).toBeLessThan(0.03);
      if (r.errorCount === 0) expect(served, msg).toBe(r.sent);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  }, 60_000);
});

describe("open loop on worker threads: the response check", () => {
  it("runs in the workers (imported from the spec's validator), and a validator that cannot be found fails the cell", async () => {
    const server = await staticServer();
    try {
      const module = new URL("../src/runners/http/tfserving.ts", import.meta.url).href;
      const request = { url: server.url, method: "POST" as const, headers: {}, body: "{}", timeoutMs: 2000, validate: validatePredictResponse };
      const load = { ratePerS: 40, arrival: "fixed" as const, durationMs: 300, seed: 1, workers: 2 };
      // A TF Serving check rejects '{"ok":true}': every response is malformed, so the check ran.
      const r = await openLoopHttp({ ...load, request: { ...request, validator: { module, name: "validatePredictResponse" } } });
      expect(r.generator?.workers).toBe(2);
      expect(r.sent).toBeGreaterThan(0);
      expect(r.errors.malformed, JSON.stringify(r.errors)).toBe(r.sent);
      await expect(openLoopHttp({ ...load, request: { ...request, validator: { module, name: "noSuchCheck" } } })).rejects.toThrow(
        /exports no function 'noSuchCheck'/,
      );
    } finally {
      await server.close();
    }
  }, 60_000);
});

describe("warm-up that ends when responses have settled", () => {
  const feed = (s: WarmupSettler, fromMs: number, toMs: number, latencyNs: (tMs: number) => number): number | undefined => {
    for (let t = fromMs; t < toMs; t++) {
      for (let k = 0; k < 5; k++) s.record(latencyNs(t));
      if (s.over(t * 1e6)) return t;
    }
    return undefined;
  };

  it("goes on through a start-up transient and ends soon after the latencies stop moving", () => {
    const s = new WarmupSettler(20, 5000, 0);
    // 2 ms falling to 0.2 ms over the first 600 ms, then flat.
    const ended = feed(s, 0, 5000, (t) => (t < 600 ? 2e6 - 3e3 * t : 0.2e6));
    expect(ended).toBeDefined();
    expect(ended).toBeGreaterThanOrEqual(600);
    expect(ended).toBeLessThan(1000);
    expect(s.summary?.settled).toBe(true);
  });

  it("ends at its bound, unsettled, when the latencies never settle", () => {
    const s = new WarmupSettler(20, 1000, 0);
    const ended = feed(s, 0, 5000, (t) => (Math.floor(t / 100) % 2 === 0 ? 1e6 : 3e6));
    expect(ended).toBe(1000);
    expect(s.summary).toMatchObject({ settled: false, ms: 1000 });
  });

  it("waits for the minimum number of responses even when the latencies are flat", () => {
    const s = new WarmupSettler(3000, 10_000, 0);
    const ended = feed(s, 0, 10_000, () => 1e6);
    // 5 responses per ms: 3,000 after 600 ms.
    expect(ended).toBeGreaterThanOrEqual(600);
    expect(s.summary?.requests).toBeGreaterThanOrEqual(3000);
  });
});
