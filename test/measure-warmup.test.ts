import { describe, expect, it } from "vitest";
import { measuredCell } from "../src/measure/cell-result.js";
import { measure } from "../src/measure/loop.js";
import { DEFAULT_MEASURE, type MeasurePlan } from "../src/suite/resolve.js";
import type { Clock } from "../src/util/clock.js";
import { createRng } from "../src/util/rng.js";

/** A workload on a virtual clock: call i takes durationNs(i), nothing else takes time. */
function fakeWorkload(durationNs: (i: number) => number): { clock: Clock; call: () => Promise<void> } {
  let t = 0n;
  let i = 0;
  return {
    clock: () => t,
    call: async () => {
      t += BigInt(Math.round(durationNs(i++)));
    },
  };
}

const STEADY_NS = 43_000;
/** The fixed 1,000-call plan: 20 warm-up calls, exactly 1,000 timed. */
const shortPlan: MeasurePlan = { ...DEFAULT_MEASURE, warmupIterations: 20, minIterations: 1000, maxIterations: 1000, minTimeMs: 0, maxTimeMs: 10_000 };
const median = (xs: Float64Array) => {
  const s = Float64Array.from(xs).sort();
  return ((s[Math.floor((s.length - 1) / 2)] ?? 0) + (s[Math.ceil((s.length - 1) / 2)] ?? 0)) / 2;
};
const cellKey = { id: "m/v/b1/cpu/t1", target: "m", variant: "v", batch: 1, provider: "cpu", threads: 1, load: { mode: "single" } } as const;
const summary = (m: Awaited<ReturnType<typeof measure>>) => measuredCell(cellKey, m, { sessionCreateMs: 1, itemsPerCall: 1, peakRssKb: 0 });

describe("the warm-up ends when the latency has settled, by time and stability", () => {
  it("outlasts a slow decaying transient that a fixed 20 calls would leave in a 1,000-call plan, and not by much", async () => {
    const rng = createRng(11);
    // +50% at the start, decaying with a time constant of 300 calls: still +2% at call 966.
    const transient = (i: number) => STEADY_NS * (1 + 0.5 * Math.exp(-i / 300)) * Math.exp(0.03 * rng.normal());
    const w = fakeWorkload(transient);
    const m = await measure(w.call, shortPlan, { clock: w.clock, minProcessCalls: 0 });
    expect(m.warmupSettled).toBe(true);
    // The warm-up went on until the transient was within the settle tolerance's reach, not before...
    expect(m.warmupIterations).toBeGreaterThan(700);
    // ...and stopped within a few spans of it, far from its limit (2.5 s of 43 µs calls).
    expect(m.warmupIterations).toBeLessThan(6000);
    expect(m.latenciesNs.length).toBe(1000);
    expect(Math.abs(median(m.latenciesNs) / STEADY_NS - 1)).toBeLessThan(0.02);
    expect(summary(m).notes.join("\n")).not.toMatch(/warm-up:/);
  });

  it("does not end before a step the windows cannot foresee, while the process is short of its minimum calls", async () => {
    const rng = createRng(12);
    // A JIT tier-up: 25% slower for the first 1,200 calls, then steady; flat on both sides of the step.
    const w = fakeWorkload((i) => STEADY_NS * (i < 1200 ? 1.25 : 1) * Math.exp(0.03 * rng.normal()));
    const counter = { n: 0 };
    const m = await measure(w.call, shortPlan, { clock: w.clock, minProcessCalls: 2000, processCalls: counter });
    expect(m.warmupSettled).toBe(true);
    expect(m.warmupIterations).toBeGreaterThanOrEqual(2000 - 1); // the cold start counts as the process's first call
    expect(Math.abs(median(m.latenciesNs) / STEADY_NS - 1)).toBeLessThan(0.02);
    // A second cell of the same process pays nothing more for it: a stationary workload settles at the first checks.
    const next = fakeWorkload(() => STEADY_NS * Math.exp(0.03 * rng.normal()));
    const m2 = await measure(next.call, shortPlan, { clock: next.clock, minProcessCalls: 2000, processCalls: counter });
    expect(m2.warmupSettled).toBe(true);
    expect(m2.warmupIterations).toBeLessThan(200);
  });

  it("counts a preempted call towards the process's minimum time as 3 times the fastest call, not as its wall time", async () => {
    const rng = createRng(18);
    // Every 50th call preempted for 5 ms: counted by wall time, 50 ms would pass after ~350 calls.
    const w = fakeWorkload((i) => (i % 50 === 49 ? 5e6 : STEADY_NS * Math.exp(0.01 * rng.normal())));
    const m = await measure(w.call, shortPlan, { clock: w.clock, minProcessCalls: 0, minProcessMs: 50, processCalls: { n: 0, ns: 0 } });
    expect(m.warmupSettled).toBe(true);
    expect(m.warmupIterations).toBeGreaterThan(1000);
  });

  it("once the process has made its minimum, judges only the calls since: a decay inside the minimum does not hold it up", async () => {
    const rng = createRng(17);
    // +20% decaying with a time constant of 1,000 calls: +0.5% at call 6,000, the process's minimum here.
    // Judged over the whole warm-up, its second quarter would hold the decay until about 12,000 calls.
    const w = fakeWorkload((i) => STEADY_NS * (1 + 0.2 * Math.exp(-i / 1000)) * Math.exp(0.01 * rng.normal()));
    const m = await measure(w.call, shortPlan, { clock: w.clock, minProcessCalls: 6000, processCalls: { n: 0, ns: 0 } });
    expect(m.warmupSettled).toBe(true);
    expect(m.warmupIterations).toBeGreaterThanOrEqual(6000 - 1);
    expect(m.warmupIterations).toBeLessThan(6500);
    expect(Math.abs(median(m.latenciesNs) / STEADY_NS - 1)).toBeLessThan(0.01);
  });

  it("says so when the transient outlasts the warm-up's limit, instead of a tight interval around a biased value", async () => {
    const rng = createRng(13);
    // Three times the steady latency at first, decaying over a few thousand calls: longer than the
    // warm-up's limit here (a quarter of maxTimeMs 200: 50 ms, about a thousand calls).
    const w = fakeWorkload((i) => STEADY_NS * (1 + 2 * Math.exp(-i / 300)) * Math.exp(0.01 * rng.normal()));
    const m = await measure(w.call, { ...shortPlan, maxTimeMs: 200 }, { clock: w.clock, minProcessCalls: 0 });
    expect(m.warmupSettled).toBe(false);
    expect(m.warmupNs).toBeGreaterThanOrEqual(50e6);
    expect(m.warmupNs).toBeLessThan(51e6);
    const notes = summary(m).notes.join("\n");
    expect(notes).toMatch(/warm-up: the latency was still falling when the warm-up reached its limit/);
  });

  it("says when the process's minimum calls did not fit in the warm-up's limit", async () => {
    const rng = createRng(15);
    const w = fakeWorkload(() => STEADY_NS * Math.exp(0.01 * rng.normal()));
    // 100 ms at most (maxTimeMs): about 2,300 calls of 43 µs, short of the 100,000 asked for.
    const m = await measure(w.call, { ...shortPlan, maxTimeMs: 100 }, { clock: w.clock, minProcessCalls: 100_000, processCalls: { n: 0 } });
    expect(m.warmupEnd).toBe("process-calls");
    expect(m.warmupNs).toBeGreaterThanOrEqual(100e6);
    expect(summary(m).notes.join("\n")).toMatch(/warm-up: ended at its limit \(\d+ calls, 100 ms\) before this process had made the calls/);
  });

  it("flags a timed series whose last third is clearly faster than its first", async () => {
    const rng = createRng(14);
    // Flat through the warm-up (which ends at its first check), then a fall of 10% early in the timed calls' second half.
    const w = fakeWorkload((i) => STEADY_NS * (i < 560 ? 1.1 : 1) * Math.exp(0.02 * rng.normal()));
    const m = await measure(w.call, { ...shortPlan, warmupIterations: 1 }, { clock: w.clock, minProcessCalls: 0 });
    expect(summary(m).notes.join("\n")).toMatch(/warm-up: the median of the last third of the timed calls is \d+\.\d% below the first third's/);
  });

  /** AR(1) log-normal noise (lag-1 correlation 0.5, sd 3%) with a 3–10× spike on 1% of the calls. */
  const machineNoise = (seed: number) => {
    const rng = createRng(seed);
    let e = 0;
    return () => {
      e = 0.5 * e + Math.sqrt(0.75) * 0.03 * rng.normal();
      return Math.exp(e) * (rng.next() < 0.01 ? 3 + 7 * rng.next() : 1);
    };
  };

  it("flags a slow decay that the warm-up cannot see: 4% over the whole timed series, under AR(1) noise and spikes", async () => {
    for (const seed of [41, 42, 43]) {
      const noise = machineNoise(seed);
      // Flat for the warm-up's first check (32 calls), then down by 4% over the next 1,000 calls.
      const w = fakeWorkload((i) => STEADY_NS * (1.04 - 0.04 * Math.min(1, Math.max(0, i - 40) / 1000)) * noise());
      const m = await measure(w.call, shortPlan, { clock: w.clock, minProcessCalls: 0 });
      expect(m.warmupIterations, `seed ${seed}`).toBeLessThanOrEqual(40);
      // A p50 about 2% above the value the latency falls to, with a tight interval: it must not pass for steady.
      expect(median(m.latenciesNs) / STEADY_NS - 1).toBeGreaterThan(0.01);
      expect(summary(m).notes.join("\n"), `seed ${seed}`).toMatch(/warm-up: the median of the last third of the timed calls is \d+\.\d% below/);
    }
  });

  it("flags nothing on a stationary workload with the same noise", async () => {
    for (const seed of [51, 52, 53, 54, 55, 56]) {
      const noise = machineNoise(seed);
      const w = fakeWorkload(() => STEADY_NS * noise());
      const m = await measure(w.call, shortPlan, { clock: w.clock, minProcessCalls: 0 });
      expect(summary(m).notes.join("\n"), `seed ${seed}`).not.toMatch(/warm-up:|steady state/);
    }
  });

  it("waits until the process has spent its minimum time in calls, not only made its minimum calls", async () => {
    const rng = createRng(16);
    const w = fakeWorkload(() => STEADY_NS * Math.exp(0.01 * rng.normal()));
    const counter = { n: 0, ns: 0 };
    // 50 ms of 43 µs calls: about 1,160 calls, where 100 calls alone would do.
    const m = await measure(w.call, shortPlan, { clock: w.clock, minProcessCalls: 100, minProcessMs: 50, processCalls: counter });
    expect(m.warmupSettled).toBe(true);
    expect(m.warmupNs).toBeGreaterThanOrEqual(50e6);
    expect(m.warmupIterations).toBeGreaterThan(1000);
    // The second cell of the process has paid: it settles at its first checks.
    const m2 = await measure(w.call, shortPlan, { clock: w.clock, minProcessCalls: 100, minProcessMs: 50, processCalls: counter });
    expect(m2.warmupIterations).toBeLessThan(200);
    expect(counter.ns).toBeGreaterThan(50e6 + 2 * 1000 * STEADY_NS * 0.9);
  });
});

describe("convergence checks", () => {
  it("are spaced by their cost: a few dozen µs call makes a handful of checks, not one per 10% of growth", async () => {
    // A real call of some µs on the real clock, and a target no sample can reach: checks until maxTimeMs.
    let sink = 0;
    const call = async () => {
      for (let k = 0; k < 1000; k++) sink += Math.sqrt(k + sink);
    };
    const plan = {
      ...DEFAULT_MEASURE,
      warmupIterations: 10,
      minIterations: 50,
      maxIterations: 1_000_000,
      minTimeMs: 50,
      maxTimeMs: 600,
      targetRelativeCI: 1e-9,
    };
    const m = await measure(call, plan, { minProcessCalls: 0 });
    expect(sink).toBeGreaterThan(0);
    const n = m.latenciesNs.length;
    expect(n).toBeGreaterThan(2000);
    // A check every 10% of growth from the first (after minTimeMs, 50 ms) to the end (600 ms) would be
    // about log(600 / 50) / log(1.1) = 26 of them.
    expect(m.checks).toBeLessThan(10);
    expect(m.checks).toBeGreaterThanOrEqual(1);
    // The checks' share: 2% kept over the phase, plus at most one dear first check (its code compiled on first use).
    expect((m.checkNs ?? 0) / m.elapsedNs).toBeLessThan(0.2);
  });
});
