import { describe, expect, it } from "vitest";
import { meanCIDependent, summarizeLatency, throughput } from "../src/stats/index.js";
import { createRng } from "../src/util/rng.js";

const exponentialLatencies = (n: number, seed: number): number[] => {
  const rng = createRng(seed);
  return Array.from({ length: n }, () => 5 + 2 * -Math.log1p(-rng.next()));
};

describe("summarizeLatency", () => {
  it("reports quantiles, mean, spread and extremes of the samples", () => {
    const s = summarizeLatency([5, 1, 4, 2, 3]);
    expect(s).toMatchObject({ n: 5, min: 1, max: 5, stddev: Math.sqrt(2.5) });
    expect(s.p50.value).toBe(3);
    expect(s.p90.value).toBeCloseTo(4.6, 12); // type 7: h = 3.6
    expect(s.mean.value).toBe(3);
    expect(s.mean.ci?.[0]).toBeCloseTo(1.036757, 5);
  });

  it("leaves p99 without an interval at 100 samples and says why", () => {
    const s = summarizeLatency(exponentialLatencies(100, 1));
    expect(s.p50.ci).not.toBeNull();
    expect(s.p90.ci).not.toBeNull();
    expect(s.p95.ci).not.toBeNull();
    expect(s.p99.ci).toBeNull();
    expect(s.p999.ci).toBeNull();
    expect(s.p99.value).toBeGreaterThan(s.p95.value);
    expect(s.notes).toEqual([
      "p99: 100 samples are too few for a 95% interval (needs at least 368)",
      "p999: 100 samples are too few for a 95% interval (needs at least 3688)",
    ]);
  });

  it("gives p99 an interval around its estimate at 400 samples", () => {
    const s = summarizeLatency(exponentialLatencies(400, 2));
    const ci = s.p99.ci;
    expect(ci).not.toBeNull();
    expect(ci?.[0]).toBeLessThanOrEqual(s.p99.value);
    expect(ci?.[1]).toBeGreaterThanOrEqual(s.p99.value);
    expect(s.notes).toEqual(["p999: 400 samples are too few for a 95% interval (needs at least 3688)"]);
  });

  it("names the confidence in the notes and handles a single sample", () => {
    const s = summarizeLatency([12], 0.999);
    expect(s).toMatchObject({ n: 1, min: 12, max: 12, stddev: 0 });
    expect(s.p50).toEqual({ value: 12, ci: null });
    expect(s.mean).toEqual({ value: 12, ci: null });
    expect(s.notes).toContain("p50: 1 sample is too few for a 99.9% interval (needs at least 11)");
    expect(s.notes).toContain("mean: 1 sample is too few for a 99.9% interval (needs at least 2)");
  });

  it("gives point estimates that do not depend on the order of the samples", () => {
    // The intervals may: they account for serial dependence, which order creates.
    const xs = exponentialLatencies(1000, 3);
    const a = summarizeLatency(xs);
    const b = summarizeLatency([...xs].reverse());
    for (const k of ["p50", "p90", "p95", "p99", "p999", "mean"] as const) expect(b[k].value).toBe(a[k].value);
    expect([b.min, b.max, b.stddev, b.outliers]).toEqual([a.min, a.max, a.stddev, a.outliers]);
  });

  it("rejects empty or non-finite input", () => {
    expect(() => summarizeLatency([])).toThrow(/no samples/);
    expect(() => summarizeLatency([1, Infinity])).toThrow(/not a finite number/);
  });
});

describe("throughput", () => {
  it("is batch / latency for constant latencies, with a degenerate interval", () => {
    expect(throughput([10, 10, 10, 10], 4)).toEqual({ value: 400, ci: [400, 400] });
    expect(throughput([250], 1)).toEqual({ value: 4, ci: null });
  });

  it("is batch · n / total seconds, not the mean of per-iteration rates", () => {
    // 1 item in 1 ms and 1 item in 3 ms: 2 items in 4 ms = 500/s (the mean of 1000/s and 333/s is 667/s).
    expect(throughput([1, 3], 1).value).toBeCloseTo(500, 12);
  });

  it("inverts the mean latency's interval", () => {
    const xs = exponentialLatencies(200, 5);
    const latency = meanCIDependent(xs);
    const t = throughput(xs, 8);
    expect(t.ci?.[0]).toBeCloseTo(8000 / (latency?.hi ?? NaN), 9);
    expect(t.ci?.[1]).toBeCloseTo(8000 / (latency?.lo ?? NaN), 9);
    expect(t.ci?.[0]).toBeLessThan(t.value);
    expect(t.ci?.[1]).toBeGreaterThan(t.value);
  });

  it("has no interval when the mean latency's interval reaches 0 ms", () => {
    // Mean 0.5 ms, half-width 12.7 · 0.5 ms: the upper throughput bound would be infinite.
    expect(throughput([0, 1], 1)).toEqual({ value: 2000, ci: null });
  });

  it("rejects bad input", () => {
    expect(() => throughput([1, 2], 0)).toThrow(/itemsPerIteration/);
    expect(() => throughput([1, -2, 5], 1)).toThrow(/latency 1 is negative/);
    expect(() => throughput([0, 0], 1)).toThrow(/0 ms/);
    expect(() => throughput([], 1)).toThrow(/no samples/);
  });
});
