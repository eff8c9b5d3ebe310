import { describe, expect, it } from "vitest";
import { closedLoopLocal, openLoopLocal } from "../src/load/local.js";
import { quantile, sortSamples } from "../src/stats/index.js";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const p99Ms = (xs: Float64Array) => quantile(sortSamples(xs), 0.99) / 1e6;

/** Busy-waits: blocks the event loop like synchronous work would. */
function block(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end);
}

describe("in-process load loops", () => {
  it("closed loop: concurrency 4 on a call that sleeps gets well over twice the throughput of concurrency 1", async () => {
    const call = () => sleep(10);
    const one = await closedLoopLocal({ call, concurrency: 1, durationMs: 600 });
    const four = await closedLoopLocal({ call, concurrency: 4, durationMs: 600 });
    expect(one.errorCount).toBe(0);
    expect(four.errorCount).toBe(0);
    const ratio = four.achievedRate / one.achievedRate;
    expect(ratio, `c=4 ${four.achievedRate.toFixed(0)}/s vs c=1 ${one.achievedRate.toFixed(0)}/s`).toBeGreaterThan(2.5);
    expect(ratio).toBeLessThan(5);
    expect(four.targetRate).toBeNull();
  });

  it("closed loop: maxRequests bounds the count", async () => {
    const r = await closedLoopLocal({ call: () => Promise.resolve(), concurrency: 3, durationMs: 10_000, maxRequests: 100 });
    expect(r.sent).toBe(100);
    expect(r.ok).toBe(100);
  });

  it("open loop at a fixed rate achieves about that rate", async () => {
    const r = await openLoopLocal({ call: () => sleep(2), ratePerS: 100, arrival: "fixed", durationMs: 1000, seed: 1 });
    expect(r.sent).toBe(100);
    expect(r.targetRate).toBe(100);
    expect(r.achievedRate / 100).toBeGreaterThan(0.8);
    expect(r.achievedRate / 100).toBeLessThan(1.2);
  });

  it("a stall in the call shows in open-loop latencies but barely in the closed loop's p99", async () => {
    const stallMs = 300;
    // Every call that starts during [200, 500) ms after its loop starts waits until 500 ms.
    const stalling = () => {
      const t0 = performance.now();
      return () => {
        const t = performance.now() - t0;
        return sleep(t >= 200 && t < 200 + stallMs ? 200 + stallMs - t : 1);
      };
    };
    const open = await openLoopLocal({ call: stalling(), ratePerS: 100, arrival: "fixed", durationMs: 1000, seed: 1 });
    const closed = await closedLoopLocal({ call: stalling(), concurrency: 1, durationMs: 1000 });
    const msg = `open p99 ${p99Ms(open.latenciesNs).toFixed(1)} ms, closed p99 ${p99Ms(closed.latenciesNs).toFixed(1)} ms, stall ${stallMs} ms`;
    expect(p99Ms(open.latenciesNs), msg).toBeGreaterThanOrEqual(0.8 * stallMs);
    expect(p99Ms(closed.latenciesNs), msg).toBeLessThan(0.2 * stallMs);
  });

  it("failures are counted, not thrown: a call that rejects is errors.other, one that hangs is a timeout", async () => {
    let i = 0;
    const flaky = () => (i++ % 2 === 0 ? Promise.reject(new Error("x")) : Promise.resolve());
    const closed = await closedLoopLocal({ call: flaky, concurrency: 2, durationMs: 5000, maxRequests: 20 });
    expect(closed.errors.other).toBeGreaterThan(0);
    expect(closed.ok + closed.errorCount).toBe(20);
    expect(closed.latenciesNs.length).toBe(closed.ok);

    const hang = () => new Promise(() => undefined);
    const open = await openLoopLocal({ call: hang, ratePerS: 50, arrival: "fixed", durationMs: 200, seed: 1, timeoutMs: 100 });
    expect(open.errors.timeouts).toBe(open.sent);
    expect(open.ok).toBe(0);
    const closedHang = await closedLoopLocal({ call: hang, concurrency: 2, durationMs: 250, timeoutMs: 100 });
    expect(closedHang.errors.timeouts).toBeGreaterThan(0);
  });

  it("flags the generator when it cannot dispatch on schedule", async () => {
    // Each call blocks the event loop for 30 ms, so dispatches every 10 ms fall behind.
    const r = await openLoopLocal({
      call: async () => block(30),
      ratePerS: 100,
      arrival: "fixed",
      durationMs: 300,
      seed: 1,
    });
    expect(r.generatorLagged).toBe(true);
    expect(r.maxDispatchLagNs).toBeGreaterThan(20e6);
    const fine = await openLoopLocal({ call: () => sleep(1), ratePerS: 50, arrival: "poisson", durationMs: 300, seed: 3 });
    expect(fine.maxDispatchLagNs).toBeLessThan(r.maxDispatchLagNs);
  });
});

describe("in-process load loops: interruption", () => {
  it("an aborted signal ends both loops early with what was measured", async () => {
    const t0 = performance.now();
    const closed = await closedLoopLocal({ call: () => sleep(1), concurrency: 2, durationMs: 30_000, signal: AbortSignal.timeout(200) });
    const open = await openLoopLocal({ call: () => sleep(1), ratePerS: 0.5, arrival: "fixed", durationMs: 30_000, seed: 1, signal: AbortSignal.timeout(200) });
    expect(performance.now() - t0).toBeLessThan(10_000);
    expect(closed.ok).toBeGreaterThan(0);
    expect(open.sent).toBe(1);
  });
});
