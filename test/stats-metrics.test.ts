import { describe, expect, it } from "vitest";
import {
  HEADLINES,
  isPercentile,
  itemsPerSecond,
  METRICS,
  msToNs,
  msToS,
  nsToMs,
  nsToS,
  PERCENTILE_PROBABILITY,
  PERCENTILES,
  summarizeLatency,
  usToS,
} from "../src/stats/index.js";

describe("the statistical vocabulary", () => {
  it("gives every percentile its probability, and only those", () => {
    expect(Object.keys(PERCENTILE_PROBABILITY)).toEqual([...PERCENTILES]);
    expect(PERCENTILES.map((p) => PERCENTILE_PROBABILITY[p])).toEqual([0.5, 0.9, 0.95, 0.99, 0.999]);
  });

  it("draws headlines and quantile metrics from the percentiles", () => {
    for (const h of HEADLINES) expect(isPercentile(h)).toBe(true);
    expect(METRICS.filter(isPercentile)).toEqual(["p50", "p90", "p99"]);
    expect(isPercentile("mean")).toBe(false);
    expect(isPercentile("toString")).toBe(false);
  });

  it("reports a summary's percentiles in the order of PERCENTILES, between n and mean", () => {
    const keys = Object.keys(summarizeLatency([1, 2, 3]));
    expect(keys.slice(0, PERCENTILES.length + 2)).toEqual(["n", ...PERCENTILES, "mean"]);
  });

  it("converts units", () => {
    expect(nsToMs(2_500_000)).toBe(2.5);
    expect(msToNs(2.5)).toBe(2_500_000);
    expect(nsToS(3e9)).toBe(3);
    expect(msToS(250)).toBe(0.25);
    expect(usToS(1_500_000)).toBe(1.5);
    expect(itemsPerSecond(8, 10)).toBe(800);
  });
});
