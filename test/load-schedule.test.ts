import { describe, expect, it } from "vitest";
import { AUTO_BATCH_MIN_RATE, type OpenPacing, runOpenLoop } from "../src/load/open.js";
import { arrivalOffsetsNs } from "../src/load/schedule.js";
import { monotonicClock } from "../src/util/clock.js";

function take(it: Iterator<number>, n: number): number[] {
  return Array.from({ length: n }, () => it.next().value as number);
}

describe("open-loop arrival schedule", () => {
  it("fixed arrivals are i / rate", () => {
    expect(take(arrivalOffsetsNs(200, "fixed", 1), 4)).toEqual([0, 5e6, 10e6, 15e6]);
  });

  it("Poisson arrivals are fixed by the seed and differ between seeds", () => {
    const a = take(arrivalOffsetsNs(100, "poisson", 7), 50);
    expect(take(arrivalOffsetsNs(100, "poisson", 7), 50)).toEqual(a);
    expect(take(arrivalOffsetsNs(100, "poisson", 8), 50)).not.toEqual(a);
  });

  it("Poisson gaps are exponential with mean 1 / rate (mean and coefficient of variation ≈ 1)", () => {
    const t = take(arrivalOffsetsNs(50, "poisson", 42), 20_001);
    const gaps = t.slice(1).map((x, i) => x - (t[i] as number));
    const mean = gaps.reduce((a, b) => a + b, 0) / gaps.length;
    const sd = Math.sqrt(gaps.reduce((a, b) => a + (b - mean) ** 2, 0) / (gaps.length - 1));
    expect(mean / 20e6).toBeGreaterThan(0.97);
    expect(mean / 20e6).toBeLessThan(1.03);
    expect(sd / mean).toBeGreaterThan(0.95);
    expect(sd / mean).toBeLessThan(1.05);
    expect(gaps.every((g) => g >= 0)).toBe(true);
  });

  it("rejects a rate that is not positive", () => {
    expect(() => arrivalOffsetsNs(0, "fixed", 1).next()).toThrow(/ratePerS/);
  });
});

describe("open-loop engine", () => {
  const instant = () => Promise.resolve({ outcome: { kind: "ok" } as const, endNs: monotonicClock() });

  it("stops at maxRequests and does not count warm-up requests", async () => {
    let calls = 0;
    const r = await runOpenLoop({
      ratePerS: 1000,
      arrival: "fixed",
      durationMs: 10_000,
      maxRequests: 30,
      warmupRequests: 5,
      seed: 1,
      send: () => {
        calls++;
        return instant();
      },
    });
    expect(calls).toBe(35);
    expect(r.sent).toBe(30);
    expect(r.ok).toBe(30);
    expect(r.latenciesNs.length).toBe(30);
    expect(r.targetRate).toBe(1000);
  });

  it("dispatches on schedule without waiting for outstanding requests", async () => {
    let inFlight = 0;
    let maxInFlight = 0;
    const r = await runOpenLoop({
      ratePerS: 200,
      arrival: "fixed",
      durationMs: 300,
      seed: 1,
      send: async () => {
        maxInFlight = Math.max(maxInFlight, ++inFlight);
        await new Promise((resolve) => setTimeout(resolve, 100));
        inFlight--;
        return { outcome: { kind: "ok" }, endNs: monotonicClock() };
      },
    });
    // 100 ms per request at one every 5 ms: about 20 in flight at once.
    expect(maxInFlight).toBeGreaterThanOrEqual(10);
    expect(r.sent).toBe(60);
  });

  /**
   * A run at `ratePerS` against a sender that answers at once: the median number of requests sent
   * per turn of the event loop (from `since` ms into the run), and the loop's utilisation.
   */
  async function turns(ratePerS: number, pacing: OpenPacing | undefined, o: { blockAtMs?: number; since?: number } = {}) {
    const counts: number[] = [];
    let inTurn = false;
    const t0 = performance.now();
    const elu0 = performance.eventLoopUtilization();
    // A blocked event loop (as when the machine takes the CPU away): 10 ms without a turn.
    const block =
      o.blockAtMs !== undefined
        ? setTimeout(() => {
            const until = performance.now() + 10;
            while (performance.now() < until);
          }, o.blockAtMs)
        : undefined;
    const r = await runOpenLoop({
      ratePerS,
      arrival: "fixed",
      durationMs: 300,
      seed: 1,
      pacing,
      start: (_scheduled, id, done) => {
        // Sends in one turn all run before its microtasks.
        if (inTurn) counts[counts.length - 1] = (counts[counts.length - 1] ?? 0) + 1;
        else if (performance.now() - t0 >= (o.since ?? 0)) {
          inTurn = true;
          counts.push(1);
          queueMicrotask(() => {
            inTurn = false;
          });
        }
        done(id, { kind: "ok" }, monotonicClock());
      },
    });
    clearTimeout(block);
    const sorted = counts.sort((a, b) => a - b);
    return { perTurn: sorted[Math.floor(sorted.length / 2)] ?? 0, utilization: performance.eventLoopUtilization(elu0).utilization, sent: r.sent };
  }

  it("batch pacing sends what is due every millisecond and sleeps between; spin, each request in its own turn", async () => {
    const batched = await turns(20_000, "batch");
    // One turn per ~1 ms timer: ~20 requests at 20,000 req/s (more when the timer is late), and the thread idle in between.
    expect(batched.perTurn).toBeGreaterThanOrEqual(8);
    expect(batched.utilization).toBeLessThan(0.6);
    expect(batched.sent).toBeGreaterThanOrEqual(0.99 * 20_000 * 0.3);
    expect((await turns(20_000, "spin")).perTurn).toBeLessThanOrEqual(3);
  });

  it("auto pacing (the default) batches after its thread was kept from running, and only at high rates", async () => {
    // The warm-up of the clock aside, the loop spins until the block makes its sends late, then batches.
    const after = await turns(20_000, undefined, { blockAtMs: 80, since: 120 });
    expect(after.perTurn).toBeGreaterThanOrEqual(8);
    // Below AUTO_BATCH_MIN_RATE it keeps spinning after the same block: each request in its own turn.
    const slow = await turns(AUTO_BATCH_MIN_RATE * 0.8, undefined, { blockAtMs: 80, since: 120 });
    expect(slow.perTurn).toBeLessThanOrEqual(2);
  });

  it("a send that rejects counts as errors.other instead of ending the loop", async () => {
    const r = await runOpenLoop({
      ratePerS: 1000,
      arrival: "fixed",
      durationMs: 1000,
      maxRequests: 10,
      seed: 1,
      send: () => Promise.reject(new Error("bug")),
    });
    expect(r.errors.other).toBe(10);
    expect(r.ok).toBe(0);
  });
});
