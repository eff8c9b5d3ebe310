import { describe, expect, it } from "vitest";
import { capacityCell, type CapacityDocument } from "../src/capacity/document.js";
import type { CapacityStep } from "../src/capacity/step.js";
import { renderCapacity } from "../src/report/capacity-table.js";

function step(target: number, verdict: CapacityStep["verdict"]): CapacityStep {
  const invalid = verdict === "invalid";
  return {
    target,
    durationMs: 1500,
    achievedRate: target,
    sent: 300,
    ok: 300,
    errors: 0,
    latencyMs: { p50: 5.2, p90: verdict === "pass" ? 9.1 : 140, p99: 12, max: 15 },
    slo: {
      confidence: 0.95,
      verdict: invalid ? "undecided" : verdict,
      checks: [
        {
          slo: "p90 <= 50ms",
          metric: "latency",
          thresholdMs: 50,
          observedMs: 9.1,
          n: 300,
          over: verdict === "pass" ? 1 : 200,
          verdict: invalid ? "undecided" : verdict,
        },
      ],
      goodput: { requests: 299, ratePerS: target, share: 0.99 },
    },
    generator: { verdict: invalid ? "invalid" : "ok", reason: invalid ? "the generator fell behind: …" : null, sendLagP99Ms: 1, eventLoopP99Ms: 2, dropped: 0 },
    verdict,
  };
}

const cell = { target: "srv", variant: "default", batch: 1, provider: "http", threads: null };
const doc = (cells: CapacityDocument["cells"]): CapacityDocument => ({
  suite: "known",
  suiteFile: "/tmp/known.yaml",
  startedAt: "2026-11-30T00:00:00.000Z",
  slo: ["p90 <= 50ms"],
  confidence: 0.95,
  resolution: 0.05,
  cells,
});

describe("capacity table", () => {
  it("gives the capacity, the bracketing steps and a row per step with both verdicts", () => {
    const steps = [step(100, "pass"), step(200, "pass"), step(400, "fail"), step(300, "fail")];
    const found = capacityCell(cell, "srv/default/b1", "rate", {
      axis: "rate",
      status: "found",
      capacity: 200,
      bracket: { below: steps[1] ?? null, above: steps[3] ?? null },
      steps,
      notes: [],
    });
    const text = renderCapacity(doc([found]), { color: false });
    expect(text).toMatch(/^capacity of suite known {2}SLO p90 <= 50ms {2}at 95% confidence {2}resolution 5%$/m);
    expect(text).toMatch(/^srv\/default\/b1 {2}open loop: capacity 200 req\/s$/m);
    expect(text).toMatch(/bracket: highest passing 200 req\/s \(pass\), lowest above it 300 req\/s \(fail\)/);
    expect(text.match(/^│ +\d │/gm)).toHaveLength(4);
    expect(text).toMatch(/│ +3 │ +400 │.*fail \(fail 200\/300\) *│ ok/);
  });

  it("says when the generator bounded the search, and when a cell could not run", () => {
    const steps = [step(5, "pass"), step(10, "invalid"), step(10, "invalid")];
    const limited = capacityCell(cell, "srv/default/b1", "concurrency", {
      axis: "concurrency",
      status: "generator-limited",
      capacity: 5,
      bracket: { below: steps[0] ?? null, above: steps[2] ?? null },
      steps,
      notes: ["the step at 10 in flight was invalid: the generator fell behind: …; the capacity is above what this generator can drive"],
    });
    const empty = { axis: "rate" as const, status: "none" as const, capacity: null, bracket: { below: null, above: null }, steps: [], notes: [] };
    const failed = capacityCell({ ...cell, target: "gone" }, "gone/default/b1", "rate", empty, { state: "failed", error: "connection refused" });
    const text = renderCapacity(doc([limited, failed]), { color: false });
    expect(text).toMatch(/closed loop: capacity at least 5 in flight: the generator could not drive 10 in flight, so the search stopped there/);
    expect(text).toMatch(/lowest above it 10 in flight \(invalid\)/);
    expect(text.match(/INVALID/g)).toHaveLength(2);
    expect(text).toMatch(/note: the step at 10 in flight was invalid/);
    expect(text).toMatch(/^gone\/default\/b1 {2}open loop: failed: connection refused$/m);
  });
});
