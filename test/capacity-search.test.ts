import { describe, expect, it } from "vitest";
import { searchCapacity } from "../src/capacity/search.js";
import { type CapacityStep, capacityStep } from "../src/capacity/step.js";
import type { LoadResult } from "../src/load/types.js";
import { emptyErrors } from "../src/load/types.js";
import { parseSlos } from "../src/suite/slo.js";
import { createRng } from "../src/util/rng.js";

/** A step with only what the search reads. */
function step(target: number, verdict: CapacityStep["verdict"]): CapacityStep {
  return {
    target,
    durationMs: 1000,
    achievedRate: target,
    sent: 100,
    ok: 100,
    errors: 0,
    latencyMs: null,
    slo: { confidence: 0.95, verdict: verdict === "invalid" ? "undecided" : verdict, checks: [], goodput: null },
    generator: {
      verdict: verdict === "invalid" ? "invalid" : "ok",
      reason: verdict === "invalid" ? "the generator fell behind" : null,
      sendLagP99Ms: 0,
      eventLoopP99Ms: 0,
      dropped: 0,
    },
    verdict,
  };
}

/** A server that meets the SLO up to `capacity`; the generator can drive up to `generatorMax`. */
const server =
  (capacity: number, o: { generatorMax?: number; undecidedWithin?: number } = {}) =>
  (target: number): Promise<CapacityStep> => {
    if (target > (o.generatorMax ?? Infinity)) return Promise.resolve(step(target, "invalid"));
    if (o.undecidedWithin !== undefined && Math.abs(target - capacity) <= o.undecidedWithin) return Promise.resolve(step(target, "undecided"));
    return Promise.resolve(step(target, target <= capacity ? "pass" : "fail"));
  };

describe("capacity search", () => {
  it("ramps up by doubling, then bisects to the resolution: the capacity within it, bracketed by a pass and a fail", async () => {
    const r = await searchCapacity({ axis: "rate", start: 10, max: 1e6, resolution: 0.05, maxSteps: 40, step: server(173) });
    expect(r.status).toBe("found");
    expect(r.capacity).toBeLessThanOrEqual(173);
    expect(r.capacity).toBeGreaterThanOrEqual(173 / 1.05);
    expect(r.bracket.below?.verdict).toBe("pass");
    expect(r.bracket.above?.verdict).toBe("fail");
    const above = r.bracket.above?.target ?? 0;
    expect((above - (r.capacity ?? 0)) / (r.capacity ?? 1)).toBeLessThanOrEqual(0.05);
    expect(r.steps.slice(0, 6).map((s) => s.target)).toEqual([10, 20, 40, 80, 160, 320]);
  });

  it("ramps down by halving when the first step fails", async () => {
    const r = await searchCapacity({ axis: "rate", start: 100, max: 1e6, resolution: 0.05, maxSteps: 40, step: server(30) });
    expect(r.steps.slice(0, 3).map((s) => s.target)).toEqual([100, 50, 25]);
    expect(r.status).toBe("found");
    expect(r.capacity).toBeGreaterThanOrEqual(30 / 1.05);
  });

  it("searches whole numbers of requests in flight for a closed loop, to 1 apart", async () => {
    const r = await searchCapacity({ axis: "concurrency", start: 1, max: 10_000, resolution: 0.05, maxSteps: 40, step: server(11) });
    expect(r).toMatchObject({ status: "found", capacity: 11 });
    expect(r.bracket.above?.target).toBe(12);
    expect(r.steps.every((s) => Number.isInteger(s.target))).toBe(true);
  });

  it("measures an undecided step again for longer, then counts it as not passing and says so", async () => {
    const longer: number[] = [];
    const undecided = server(200, { undecidedWithin: 15 });
    const r = await searchCapacity({
      axis: "rate",
      start: 10,
      max: 1e6,
      resolution: 0.05,
      maxSteps: 40,
      step: (target, isLonger) => {
        if (isLonger) longer.push(target);
        return undecided(target);
      },
    });
    expect(longer.length).toBeGreaterThan(0);
    for (const t of longer) expect(r.steps.filter((s) => s.target === t)).toHaveLength(2);
    expect(r.status).toBe("found");
    expect(r.capacity).toBeLessThan(185);
    expect(r.bracket.above?.verdict).toBe("undecided");
    expect(r.notes.join("\n")).toMatch(/undecided.*counted as not meeting the SLO/);
  });

  it("stops at a step the generator cannot drive, measured twice: a lower bound, never blamed on the server", async () => {
    const r = await searchCapacity({ axis: "rate", start: 10, max: 1e6, resolution: 0.05, maxSteps: 40, step: server(500, { generatorMax: 100 }) });
    expect(r.status).toBe("generator-limited");
    expect(r.capacity).toBe(80);
    expect(r.steps.map((s) => s.target)).toEqual([10, 20, 40, 80, 160, 160]);
    expect(r.bracket.above?.verdict).toBe("invalid");
    expect(r.steps.some((s) => s.verdict === "fail")).toBe(false);
    expect(r.notes.join("\n")).toMatch(/the capacity is at least 80 req\/s, and may be above what this generator can drive/);
  });

  it("reports none when no step passes, and at-max when every step does", async () => {
    const none = await searchCapacity({ axis: "rate", start: 64, max: 1e6, resolution: 0.05, maxSteps: 40, step: server(0.1) });
    expect(none).toMatchObject({ status: "none", capacity: null });
    expect(none.steps).toHaveLength(7); // 64 down to 1, six halvings
    const max = await searchCapacity({ axis: "rate", start: 10, max: 80, resolution: 0.05, maxSteps: 40, step: server(1e9) });
    expect(max).toMatchObject({ status: "at-max", capacity: 80 });
  });

  it("finds a simulated single-worker server's capacity (5 ms per request: 200 req/s) within 10%, through the SLO test", async () => {
    // Fixed arrivals over 1.5 s; one worker, 5 ms each, in arrival order; up to 20 ms of noise on each reply.
    const simulate = (rate: number, seed: number): LoadResult => {
      const rng = createRng(seed);
      const n = Math.round(1.5 * rate);
      const latenciesNs = new Float64Array(n);
      let free = 0;
      for (let i = 0; i < n; i++) {
        const arrival = (i * 1000) / rate;
        free = Math.max(arrival, free) + 5;
        latenciesNs[i] = (free - arrival + 20 * rng.next()) * 1e6;
      }
      return {
        latenciesNs,
        sent: n,
        ok: n,
        errors: emptyErrors(),
        errorCount: 0,
        durationNs: 1.5e9,
        targetRate: rate,
        achievedRate: n / 1.5,
        generatorLagged: false,
        maxDispatchLagNs: 0,
      };
    };
    const slos = parseSlos(["p90 <= 50ms"]).slos;
    let seed = 0;
    const r = await searchCapacity({
      axis: "rate",
      start: 100,
      max: 1e6,
      resolution: 0.08,
      maxSteps: 30,
      step: (target) => Promise.resolve(capacityStep({ target, durationMs: 1500, result: simulate(target, ++seed), slos, confidence: 0.95, inProcess: false })),
    });
    const curve = JSON.stringify(r.steps.map((s) => [s.target, s.verdict]));
    expect(r.status, curve).toBe("found");
    expect(r.capacity, curve).toBeGreaterThanOrEqual(180);
    expect(r.capacity, curve).toBeLessThanOrEqual(220);
    expect(r.steps.filter((s) => s.target > 220).every((s) => s.verdict === "fail")).toBe(true);
  });

  it("stops at once when an SLO names a metric the cell does not carry", async () => {
    const r = await searchCapacity({
      axis: "rate",
      start: 10,
      max: 1e6,
      resolution: 0.05,
      maxSteps: 40,
      step: (target) => {
        const s = step(target, "undecided");
        const check = {
          slo: "ttft.p99 <= 500ms",
          metric: "ttft" as const,
          thresholdMs: 500,
          observedMs: null,
          n: 0,
          over: 0,
          verdict: "not-measured" as const,
          reason: "this cell has no per-request 'ttft'",
        };
        return Promise.resolve({ ...s, slo: { ...s.slo, checks: [check] } });
      },
    });
    expect(r).toMatchObject({ status: "none", capacity: null });
    expect(r.steps).toHaveLength(1);
    expect(r.notes).toEqual(["the search stopped: ttft.p99 <= 500ms: this cell has no per-request 'ttft'"]);
  });
});
