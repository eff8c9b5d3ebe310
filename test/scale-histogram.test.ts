import { describe, expect, it } from "vitest";
import { histogramPercentiles, mergeHistograms, recordLatencies } from "../src/load/histogram.js";
import { createRng } from "../src/util/rng.js";

const PERCENTILES = [50, 90, 99, 99.9];

/** The order statistics around the p-th percentile of values (nearest rank, one rank either side: definitions differ by one). */
function around(values: readonly number[], p: number): [number, number] {
  const sorted = [...values].sort((a, b) => a - b);
  const k = Math.ceil((p / 100) * sorted.length) - 1;
  return [sorted[Math.max(0, k - 1)] as number, sorted[Math.min(sorted.length - 1, k + 1)] as number];
}

describe("mergeable latency histograms", () => {
  // Three load generators: two see a fast server (~2 ms), one a slow one (~40 ms) with a long tail.
  const rng = createRng(11);
  const lognormal = (medianNs: number, sd: number, n: number) => Array.from({ length: n }, () => Math.round(medianNs * Math.exp(sd * rng.normal())));
  const parts = [lognormal(2e6, 0.2, 6000), lognormal(2.1e6, 0.25, 5000), lognormal(40e6, 0.5, 3000)];
  const all = parts.flat();

  it("gives the percentiles of the union of every part's requests, within the histogram's 0.1%", () => {
    const merged = mergeHistograms(parts.map((p) => recordLatencies(p)));
    const single = recordLatencies(all);
    expect(merged.count).toBe(all.length);
    const fromMerged = histogramPercentiles(merged, PERCENTILES);
    expect(fromMerged).toEqual(histogramPercentiles(single, PERCENTILES));
    PERCENTILES.forEach((p, i) => {
      const [lo, hi] = around(all, p);
      expect(fromMerged[i]).toBeGreaterThanOrEqual(lo * (1 - 1e-3));
      expect(fromMerged[i]).toBeLessThanOrEqual(hi * (1 + 1e-3));
    });
  });

  it("differs from the average of the parts' percentiles on a bimodal load", () => {
    const merged = histogramPercentiles(mergeHistograms(parts.map((p) => recordLatencies(p))), PERCENTILES);
    const averaged = PERCENTILES.map(
      (_, i) => parts.reduce((a, part) => a + (histogramPercentiles(recordLatencies(part), PERCENTILES)[i] as number), 0) / parts.length,
    );
    // p50 of the union is a fast request (14 000 in all, 11 000 fast); the average of the medians is a third of the way to the slow mode.
    expect(merged[0]).toBeLessThan(3e6);
    expect(averaged[0]).toBeGreaterThan(10e6);
    // p99 of the union is in the slow mode's tail; the average of p99s is pulled down by the fast parts to about half.
    expect((merged[2] as number) / (averaged[2] as number)).toBeGreaterThan(1.5);
  });

  it("is compact: a few kB for thousands of requests", () => {
    const h = recordLatencies(all);
    expect(h.data.length).toBeLessThan(8000);
    expect(h).toMatchObject({ encoding: "hdr-compressed-base64", unit: "ns", significantDigits: 3 });
  });
});
