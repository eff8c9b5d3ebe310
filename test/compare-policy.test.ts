import { describe, expect, it } from "vitest";
import { checkMetricNames, environmentTolerances, resolvePolicy } from "../src/compare/policy.js";
import type { Side } from "../src/compare/side.js";
import { UserError } from "../src/errors.js";
import { regressionPolicy } from "../src/suite/resolve.js";
import { FINGERPRINT } from "./fixtures/runs/sample-run.js";

function side(overrides: Partial<Side> = {}): Side {
  return {
    label: "run00000001",
    runId: "run00000001",
    suite: "quickstart",
    status: "completed",
    fingerprint: FINGERPRINT,
    resolvedSuite: null,
    noisy: false,
    cells: [],
    steadySamplesMs: () => undefined,
    thresholds: null,
    runNoise: null,
    ...overrides,
  };
}

/** A stored suite as the resolver leaves it: only the keys the policy reads matter here. */
const suite = (regression: Parameters<typeof regressionPolicy>[0], environment = {}) => ({ regression: regressionPolicy(regression), environment });

describe("resolvePolicy: default < suite < baseline thresholds < command line", () => {
  it("defaults to 5% on every metric, all metrics compared", () => {
    expect(resolvePolicy(side(), side(), {})).toEqual({
      thresholds: { p50: 0.05, p90: 0.05, p99: 0.05, mean: 0.05, throughput: 0.05 },
      metrics: ["p50", "p90", "p99", "mean", "throughput"],
      accuracy: {},
    });
  });

  it("takes the head's suite policy over the base's", () => {
    const base = side({ resolvedSuite: suite({ threshold: 0.2 }) });
    const head = side({ resolvedSuite: suite({ threshold: 0.1, thresholds: { p99: 0.3 }, metrics: ["p50", "p99"] }) });
    expect(resolvePolicy(base, head, {})).toEqual({
      thresholds: { p50: 0.1, p90: 0.1, p99: 0.3, mean: 0.1, throughput: 0.1 },
      metrics: ["p50", "p99"],
      accuracy: {},
    });
  });

  it("falls back to the base's suite when the head has none (a JSON file without its suite)", () => {
    const base = side({ resolvedSuite: suite({ threshold: 0.2 }) });
    expect(resolvePolicy(base, side(), {}).thresholds.p50).toBe(0.2);
  });

  it("lets a baseline's thresholds override the suite's, metric by metric, ignoring unknown names", () => {
    const base = side({ thresholds: { p99: 0.4, p50: 0.01, bogus: 9 } });
    const head = side({ resolvedSuite: suite({ threshold: 0.1 }) });
    const policy = resolvePolicy(base, head, {});
    expect(policy.thresholds).toEqual({ p50: 0.01, p90: 0.1, p99: 0.4, mean: 0.1, throughput: 0.1 });
    expect(policy.thresholds).not.toHaveProperty("bogus");
  });

  it("only the base side's baseline thresholds count", () => {
    expect(resolvePolicy(side(), side({ thresholds: { p50: 0.5 } }), {}).thresholds.p50).toBe(0.05);
  });

  it("lets --threshold override every metric, and --metric pick them (deduplicated)", () => {
    const base = side({ thresholds: { p99: 0.4 } });
    const head = side({ resolvedSuite: suite({ threshold: 0.1, metrics: ["p50"] }) });
    expect(resolvePolicy(base, head, { threshold: 0.02, metric: ["p99", "mean", "p99"] })).toEqual({
      thresholds: { p50: 0.02, p90: 0.02, p99: 0.02, mean: 0.02, throughput: 0.02 },
      metrics: ["p99", "mean"],
      accuracy: {},
    });
  });

  it("keeps the suite's metrics when --metric is empty", () => {
    const head = side({ resolvedSuite: suite({ metrics: ["mean"] }) });
    expect(resolvePolicy(side(), head, { metric: [] }).metrics).toEqual(["mean"]);
  });

  it("does not change the stored suite's policy", () => {
    const head = side({ resolvedSuite: suite({ threshold: 0.1 }) });
    resolvePolicy(side({ thresholds: { p50: 0.5 } }), head, { threshold: 0.9, metric: ["p50"] });
    expect(head.resolvedSuite).toEqual(suite({ threshold: 0.1 }));
  });

  it("rejects an unknown --metric as a user error", () => {
    expect(() => resolvePolicy(side(), side(), { metric: ["p95"] })).toThrow(UserError);
  });
});

describe("checkMetricNames", () => {
  it("accepts the known metrics, none, or an empty list", () => {
    expect(() => checkMetricNames(["p50", "p90", "p99", "mean", "throughput"])).not.toThrow();
    expect(() => checkMetricNames(undefined)).not.toThrow();
    expect(() => checkMetricNames([])).not.toThrow();
  });

  it("names every bad metric and the expected ones", () => {
    expect(() => checkMetricNames(["p50", "p95", "latency"])).toThrow(new UserError("--metric p95, latency: expected one of p50, p90, p99, mean, throughput"));
  });
});

describe("environmentTolerances", () => {
  it("reads the head's suite, else the base's, else nothing", () => {
    const base = side({ resolvedSuite: suite({}, { hostname: "ignore" }) });
    const head = side({ resolvedSuite: suite({}, { node: "must" }) });
    expect(environmentTolerances(base, head)).toEqual({ node: "must" });
    expect(environmentTolerances(base, side())).toEqual({ hostname: "ignore" });
    expect(environmentTolerances(side(), side())).toEqual({});
  });
});
