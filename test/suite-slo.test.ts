import { describe, expect, it } from "vitest";
import { measuredLoadCell } from "../src/measure/cell-result.js";
import { evaluateSlos } from "../src/measure/slo.js";
import type { LoadResult } from "../src/load/types.js";
import { emptyErrors } from "../src/load/types.js";
import { parseSlo, parseSlos, type Slo } from "../src/suite/slo.js";
import { validateSuiteDocument } from "../src/suite/validate.js";

const doc = (slo: unknown) => ({ name: "s", targets: { m: { kind: "onnx", variants: { fp32: "m.onnx" } } }, slo });

describe("SLO syntax", () => {
  it("reads a metric, a percentile, < or <= and a time with its unit", () => {
    expect(parseSlo("p99 <= 80ms")).toMatchObject({ metric: "latency", probability: 0.99, op: "<=", thresholdMs: 80, text: "p99 <= 80ms" });
    expect(parseSlo("ttft.p99<=0.5s")).toMatchObject({ metric: "ttft", probability: 0.99, thresholdMs: 500, text: "ttft.p99 <= 500ms" });
    expect(parseSlo("tpot.p99.9 < 50ms")).toMatchObject({ metric: "tpot", probability: 0.999, op: "<", thresholdMs: 50 });
    expect(parseSlo("p50 < 800us")).toMatchObject({ probability: 0.5, op: "<", thresholdMs: 0.8 });
    expect(parseSlo("latency.p90 ≤ 2ms")).toMatchObject({ metric: "latency", op: "<=", thresholdMs: 2 });
    // The map form: the key is the left side, the value the bound (<= when no operator is written).
    expect(parseSlo("ttft.p99", "500ms")).toMatchObject({ metric: "ttft", op: "<=", thresholdMs: 500 });
    expect(parseSlo("p99", "< 1s")).toMatchObject({ op: "<", thresholdMs: 1000 });
  });

  it("says what is wrong and how to write it", () => {
    expect(parseSlo("p99 <= 80")).toMatch(/'80' has no unit; write it with ms, s or us, such as 80ms/);
    expect(parseSlo("ttfb.p99 <= 5ms")).toMatch(/unknown metric 'ttfb' \(did you mean 'ttft'\?\); the metrics are latency, ttft, tpot, itl, e2e/);
    expect(parseSlo("p100 <= 5ms")).toMatch(/'p100' is not a percentile/);
    expect(parseSlo("p99 >= 5ms")).toMatch(/upper bound.*use '<=' or '<'/);
    expect(parseSlo("ttft <= 5ms")).toMatch(/names no percentile/);
    expect(parseSlo("p99 <= 5 hours")).toMatch(/not a bound|unknown unit/);
    expect(parseSlos(["p99 <= 5ms", "p99 < 9ms"]).errors).toEqual(["slo[1]: 'p99 < 9ms' repeats an SLO on the same percentile; keep one"]);
  });

  it("a suite's slo: is checked with the other keys, each problem at its key", () => {
    expect(validateSuiteDocument(doc(["p99 <= 80ms", "ttft.p99 <= 500ms"])).errors).toEqual([]);
    expect(validateSuiteDocument(doc({ p99: "<= 80ms", "tpot.p99": 50 })).errors).toEqual([
      "slo.tpot.p99: '50' has no unit; write it with ms, s or us, such as 50ms",
    ]);
    expect(validateSuiteDocument(doc(["p99 <= 80ms", "p95 <= 7"])).errors).toEqual(["slo[1]: '7' has no unit; write it with ms, s or us, such as 7ms"]);
    expect(validateSuiteDocument(doc("p99 <= 80ms")).errors.join("\n")).toMatch(/^slo: expected a list of SLOs/);
  });
});

describe("SLO verdicts and goodput on a load result", () => {
  const result = (latenciesMs: number[], failed = 0, seconds = 1): LoadResult => ({
    latenciesNs: Float64Array.from(latenciesMs, (ms) => ms * 1e6),
    sent: latenciesMs.length + failed,
    ok: latenciesMs.length,
    errors: { ...emptyErrors(), other: failed },
    errorCount: failed,
    durationNs: seconds * 1e9,
    targetRate: 100,
    achievedRate: latenciesMs.length / seconds,
    generatorLagged: false,
    maxDispatchLagNs: 0,
  });
  const slos = (...texts: string[]) => parseSlos(texts).slos;

  it("goodput counts the requests within every threshold; failed requests count as over", () => {
    // 400 requests: 390 at 5 ms, 10 at 50 ms; 2 failed; over 2 s.
    const r = result([...Array<number>(390).fill(5), ...Array<number>(10).fill(50)], 2, 2);
    const report = evaluateSlos(r, slos("p90 <= 10ms"), 0.95);
    expect(report.verdict).toBe("pass");
    expect(report.checks[0]).toMatchObject({ n: 402, over: 12, verdict: "pass" });
    expect(report.goodput).toMatchObject({ requests: 390, ratePerS: 195 });
    // p99 at 10 ms: 12 of 402 over (3%) where 1% is allowed.
    expect(evaluateSlos(r, slos("p99 <= 10ms"), 0.95).verdict).toBe("fail");
    // Two SLOs: a request must meet both.
    const both = evaluateSlos(r, slos("p90 <= 60ms", "p50 < 5ms"), 0.95);
    expect(both.goodput?.requests).toBe(0);
    expect(both.checks.map((c) => c.verdict)).toEqual(["pass", "fail"]);
  });

  it("an SLO on a metric the cell does not carry is not measured: no verdict, no goodput", () => {
    const s: Slo[] = slos("p99 <= 80ms", "ttft.p99 <= 500ms");
    const report = evaluateSlos(result(Array<number>(500).fill(1)), s, 0.95);
    expect(report.checks[1]).toMatchObject({ verdict: "not-measured", reason: "this cell has no per-request 'ttft'" });
    expect(report.verdict).toBe("undecided");
    expect(report.goodput).toBeNull();
  });

  it("a streaming cell's TTFT, TPOT, E2E and largest inter-chunk gap are judged per request, goodput over all of them", () => {
    // Three requests: TTFT 100/300/100 ms; gaps [10, 10], [10, 40], [] (a one-chunk answer).
    const r = result([200, 400, 100]);
    const ms = (...v: number[]) => Float64Array.from(v, (x) => x * 1e6);
    r.generative = {
      ttftNs: ms(100, 300, 100),
      e2eNs: ms(200, 400, 100),
      tpotNs: Float64Array.from([10e6, 40e6, Number.NaN]),
      outputTokens: Float64Array.from([3, 3, 1]),
      inputTokens: Float64Array.from([5, 5, 5]),
      itlNs: ms(10, 10, 10, 40),
      itlOffsets: Uint32Array.from([0, 2, 4, 4]),
      tokenSource: { usage: 3, tokenizer: 0, chunks: 0 },
      tokenizer: null,
      tokenizerCheck: { compared: 0, differing: 0, maxAbsDiff: 0, usageTotal: 0, tokenizerTotal: 0 },
      faults: { errorEvents: 0, stalls: 0, cuts: 0, malformedEvents: 0, noTokens: 0, emptyChunks: 0, multiTokenChunks: 0 },
      spanNs: 1e9,
    };
    const report = evaluateSlos(r, slos("ttft.p50 <= 200ms", "itl.p50 <= 20ms", "tpot.p50 <= 20ms", "e2e.p50 <= 500ms"), 0.95);
    expect(report.checks.map((c) => [c.metric, c.over, c.observedMs])).toEqual([
      ["ttft", 1, 100],
      // the one-chunk answer has no gap and the one-token answer no TPOT: NaN, not meeting the SLO
      ["itl", 2, 25],
      ["tpot", 2, 25],
      ["e2e", 0, 200],
    ]);
    // Only the first request met every SLO.
    expect(report.goodput?.requests).toBe(1);
  });

  it("a run's load cell carries the suite's SLO verdicts and goodput, in its JSON and its notes", () => {
    const cell = {
      id: "srv/default/b1/r200",
      target: "srv",
      variant: "default",
      batch: 1,
      provider: "http",
      threads: null,
      load: { mode: "open" as const, rate: 200 },
    };
    const extra = { sessionCreateMs: 0, itemsPerCall: 1, firstCallNs: 0, warmupIterations: 0, peakRssKb: 0, maxErrorRate: 0.01 };
    const r = result([...Array<number>(395).fill(4), ...Array<number>(5).fill(30)], 0, 2);
    const withSlo = measuredLoadCell(cell, r, { ...extra, slo: slos("p99 <= 20ms") });
    expect(withSlo.load?.slo).toMatchObject({ verdict: "undecided", goodput: { requests: 395, ratePerS: 197.5 } });
    expect(withSlo.notes).toContain("SLO at 95% confidence: p99 <= 20ms: undecided (5 of 400 over); goodput 197.5 req/s (98.8% of requests)");
    expect(measuredLoadCell(cell, r, extra).load?.slo).toBeUndefined();
  });
});
