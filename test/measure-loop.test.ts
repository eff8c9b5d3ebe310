import { describe, expect, it } from "vitest";
import type { Clock } from "../src/util/clock.js";
import { measure } from "../src/measure/loop.js";
import { DEFAULT_MEASURE, type MeasurePlan } from "../src/suite/resolve.js";
import { createRng } from "../src/util/rng.js";

/** A fake workload on a fake clock: each call takes the next scripted duration, nothing else does. */
function fakeWorkload(durationNs: (i: number) => number): { clock: Clock; call: () => Promise<void>; calls: () => number } {
  let t = 0n;
  let i = 0;
  return {
    clock: () => t,
    call: async () => {
      t += BigInt(Math.round(durationNs(i++)));
    },
    calls: () => i,
  };
}

const plan: MeasurePlan = { ...DEFAULT_MEASURE, warmupIterations: 5, minIterations: 50, maxIterations: 5000, minTimeMs: 0, maxTimeMs: 1e6 };

describe("measure", () => {
  it("times the first call apart, skips the warm-up and stops once the median's interval is tight", async () => {
    const rng = createRng(1);
    const w = fakeWorkload((i) => (i === 0 ? 50e6 : 1e6 * (1 + 0.05 * rng.normal())));
    const m = await measure(w.call, plan, { clock: w.clock });
    expect(m.firstCallNs).toBe(50e6);
    // At least the plan's 5, then until settled: a stationary workload settles at the first check (32 calls).
    expect(m.warmupIterations).toBeGreaterThanOrEqual(5);
    expect(m.warmupIterations).toBeLessThanOrEqual(40);
    expect(m.stopReason).toBe("converged");
    expect(m.relativeCI).toBeLessThanOrEqual(plan.targetRelativeCI);
    expect(m.latenciesNs.length).toBeGreaterThanOrEqual(plan.minIterations);
    expect(m.latenciesNs.length).toBeLessThan(plan.maxIterations);
    // first call + warm-up + timed calls + one untimed re-warm after each failed convergence check
    expect(w.calls()).toBeGreaterThanOrEqual(1 + m.warmupIterations + m.latenciesNs.length);
    expect(w.calls()).toBeLessThan(1 + m.warmupIterations + m.latenciesNs.length + 60);
    expect(Math.max(...m.latenciesNs)).toBeLessThan(50e6);
  });

  it("bounds the warm-up by the plan's maxTimeMs, and grows its sample buffer past the first 4096", async () => {
    const w = fakeWorkload(() => 10e6);
    const slow = await measure(w.call, { ...plan, warmupIterations: 100_000, maxTimeMs: 100, minTimeMs: 0 }, { clock: w.clock });
    expect(slow.warmupIterations).toBe(10); // 10 calls of 10 ms fill the 100 ms budget
    const many = fakeWorkload((i) => 1e3 * (1 + (i % 7)));
    const m = await measure(
      many.call,
      { ...plan, warmupIterations: 0, minIterations: 10_000, maxIterations: 10_000, targetRelativeCI: 1e-9 },
      { clock: many.clock },
    );
    expect(m.latenciesNs.length).toBe(10_000);
    // Every sample is one of the scripted durations: none lost or left zero across the growth.
    expect(Array.from(m.latenciesNs).every((x) => x >= 1e3 && x <= 7e3 && Number.isInteger(x / 1e3))).toBe(true);
  });

  it("needs more samples for a noisier workload", async () => {
    const quiet = createRng(2);
    const noisy = createRng(2);
    const q = fakeWorkload(() => 1e6 * Math.exp(0.02 * quiet.normal()));
    const n = fakeWorkload(() => 1e6 * Math.exp(0.2 * noisy.normal()));
    const mq = await measure(q.call, plan, { clock: q.clock });
    const mn = await measure(n.call, plan, { clock: n.clock });
    expect(mq.stopReason).toBe("converged");
    expect(mn.latenciesNs.length).toBeGreaterThan(mq.latenciesNs.length * 5);
  });

  it("stops at maxIterations without claiming convergence", async () => {
    const rng = createRng(3);
    const w = fakeWorkload(() => 1e6 * Math.exp(rng.normal()));
    const m = await measure(w.call, { ...plan, maxIterations: 100 }, { clock: w.clock });
    expect(m.stopReason).toBe("max-iterations");
    expect(m.latenciesNs.length).toBe(100);
    expect(m.relativeCI).toBeGreaterThan(plan.targetRelativeCI);
  });

  it("stops at maxTimeMs", async () => {
    const rng = createRng(4);
    const w = fakeWorkload(() => 10e6 * Math.exp(rng.normal()));
    const m = await measure(w.call, { ...plan, maxTimeMs: 500 }, { clock: w.clock });
    expect(m.stopReason).toBe("max-time");
    expect(m.elapsedNs).toBeGreaterThanOrEqual(500e6);
  });

  it("honours minTimeMs even when the interval is already tight", async () => {
    const w = fakeWorkload(() => 1e6);
    const m = await measure(w.call, { ...plan, minTimeMs: 300 }, { clock: w.clock });
    expect(m.stopReason).toBe("converged");
    expect(m.latenciesNs.length).toBeGreaterThanOrEqual(300);
  });

  it("stops when interrupted", async () => {
    const w = fakeWorkload(() => 1e6);
    const stop = new AbortController();
    const call = async () => {
      await w.call();
      if (w.calls() > 20) stop.abort();
    };
    const m = await measure(call, { ...plan, minTimeMs: 1e6 }, { clock: w.clock, signal: stop.signal });
    expect(m.stopReason).toBe("interrupted");
  });

  it("propagates a failing call", async () => {
    let i = 0;
    const call = async () => {
      if (++i > 3) throw new Error("boom");
    };
    await expect(measure(call, plan)).rejects.toThrow("boom");
  });
});
