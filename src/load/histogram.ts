import { createRequire } from "node:module";
import type { Histogram } from "hdr-histogram-js";

type Hdr = typeof import("hdr-histogram-js");
let loaded: Hdr | undefined;
/**
 * hdr-histogram-js on first use: loading it (its WebAssembly build and pako) takes ~50 ms, which
 * every trial's process paid before its first cell, load cells or not (the run's fixed cost, docs/perf/cli.md).
 */
const hdr = (): Hdr => (loaded ??= createRequire(import.meta.url)("hdr-histogram-js") as Hdr);

/**
 * Latencies of a load cell as an HDR histogram (Gil Tene's HdrHistogram, as wrk2 and
 * Hyperfoil keep them): every value to 3 significant digits (a relative error of at most 0.1%),
 * and histograms of several generators add up exactly. So the percentiles of load sent from N
 * machines are the percentiles of the union of their requests (`bench merge`), never an average
 * of the machines' percentiles, which is no percentile of anything.
 */
export const HISTOGRAM_DIGITS = 3;

/** As stored with a load cell: HdrHistogram's compressed V2 encoding in base64, of whole nanoseconds. */
export interface LatencyHistogram {
  encoding: "hdr-compressed-base64";
  unit: "ns";
  significantDigits: typeof HISTOGRAM_DIGITS;
  count: number;
  data: string;
}

function empty(): Histogram {
  return hdr().build({ bitBucketSize: 64, numberOfSignificantValueDigits: HISTOGRAM_DIGITS, autoResize: true });
}

function encode(h: Histogram): LatencyHistogram {
  return { encoding: "hdr-compressed-base64", unit: "ns", significantDigits: HISTOGRAM_DIGITS, count: h.totalCount, data: hdr().encodeIntoCompressedBase64(h) };
}

function decode(stored: LatencyHistogram): Histogram {
  return hdr().decodeFromCompressedBase64(stored.data, 64, false);
}

/** Recorded after the load test, from its latencies: nothing is added to the loop that sends the requests. */
export function recordLatencies(latenciesNs: ArrayLike<number>): LatencyHistogram {
  const h = empty();
  for (let i = 0; i < latenciesNs.length; i++) h.recordValue(Math.max(0, Math.round(latenciesNs[i] ?? 0)));
  return encode(h);
}

/** The histogram of the union of the histograms' values. */
export function mergeHistograms(parts: readonly LatencyHistogram[]): LatencyHistogram {
  const sum = empty();
  for (const p of parts) sum.add(decode(p));
  return encode(sum);
}

/** Percentiles (0–100) of a stored histogram, in ns; each within 0.1% of the exact one of its values. */
export function histogramPercentiles(stored: LatencyHistogram, percentiles: readonly number[]): number[] {
  const h = decode(stored);
  return percentiles.map((p) => h.getValueAtPercentile(p));
}
