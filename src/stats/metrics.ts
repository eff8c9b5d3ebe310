/**
 * The statistical vocabulary, one home for each word: the metrics a comparison reports, the
 * percentiles a summary estimates and their probabilities, the headline choices of the adaptive
 * stopping rule, and the conversions between the clock's units and the reported ones.
 */

/** What a comparison reports on (`bench diff`), in report order. */
export const METRICS = ["p50", "p90", "p99", "mean", "throughput"] as const;
export type Metric = (typeof METRICS)[number];

/** The percentiles of a latency summary, in report order. */
export const PERCENTILES = ["p50", "p90", "p95", "p99", "p999"] as const;
export type Percentile = (typeof PERCENTILES)[number];

/** The probability p of each percentile: p99 is the 0.99-quantile. */
export const PERCENTILE_PROBABILITY: Readonly<Record<Percentile, number>> = {
  p50: 0.5,
  p90: 0.9,
  p95: 0.95,
  p99: 0.99,
  p999: 0.999,
};

/** The percentiles a suite may name as its `headline`, the one the stopping rule watches. */
export const HEADLINES = ["p50", "p90", "p95", "p99"] as const satisfies readonly Percentile[];
export type Headline = (typeof HEADLINES)[number];

export function isPercentile(name: string): name is Percentile {
  return Object.hasOwn(PERCENTILE_PROBABILITY, name);
}

// The clock counts nanoseconds; latencies are reported in milliseconds, rates per second.
export const nsToMs = (ns: number): number => ns / 1e6;
export const msToNs = (ms: number): number => ms * 1e6;
export const nsToS = (ns: number): number => ns / 1e9;
export const msToS = (ms: number): number => ms / 1000;
/** process.cpuUsage() counts microseconds. */
export const usToS = (us: number): number => us / 1e6;

/** Items per second when each call of `items` takes `ms` milliseconds. */
export const itemsPerSecond = (items: number, ms: number): number => (items * 1000) / ms;
