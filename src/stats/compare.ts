/**
 * Two-sample comparison of latency series, base vs head, and the regression verdict of every
 * cell × metric (DESIGN.md: `bench diff --json`). Pure: series in, comparisons out.
 *
 * For each cell and metric m: change = m(head)/m(base) − 1 (for throughput mean(base)/mean(head)
 * − 1, so a drop is negative); a confidence interval from independent circular block bootstraps
 * of base and head (bootstrap.ts), their spread corrected for the block bootstrap's first-order
 * variance shortfall, percentile interval of the log ratio; a p-value from the
 * Mann–Whitney test corrected for serial dependence (p50, mean, throughput; mann-whitney.ts) or
 * from the bootstrap distribution (p90, p99, where a rank test of location says little about a
 * tail); Holm's adjustment over all comparisons of the call; and the verdict rule of verdict.ts.
 * This sample-level path is the fallback for cells without trials (load cells, older runs): cells
 * measured in trials test the mean as a mean, between trials (compare-trials.ts). Testing the
 * mean here by its bootstrap interval instead was tried: on AR(1) φ = 0.5 series it raised A/A
 * false regressions above 1% (the block bootstrap's variance shortfall), so the rank test stays.
 */
import { blockBootstrap, type BlockBootstrap } from "./bootstrap.js";
import { bootstrapPValue, logReplicates, percentileInterval } from "./bootstrap-interval.js";
import { normalQuantile } from "./distributions.js";
import { holm } from "./holm.js";
import { normalUpperTail } from "./normal-tail.js";
import { mannWhitney } from "./mann-whitney.js";
import { isPercentile, itemsPerSecond, METRICS, PERCENTILE_PROBABILITY, type Metric, type Percentile } from "./metrics.js";
import { decideVerdict, type Verdict } from "./verdict.js";
import { deriveSeed } from "../util/rng.js";

export type { Verdict } from "./verdict.js";
// Kept until src/suite/schema.ts imports them from metrics.ts.

type QuantileMetric = Metric & Percentile;
const isQuantile = (m: Metric): m is QuantileMetric => isPercentile(m);
// Location metrics get the rank test; the tails (p90, p99) a bootstrap p-value.
const usesRankTest = (m: Metric): boolean => m === "p50" || m === "mean" || m === "throughput";

export interface CellPair {
  /** Cell id, e.g. "cls/fp32/b8/cpu/t2". */
  cell: string;
  /** Latencies in ms, in measurement order, all > 0. */
  base: ArrayLike<number>;
  head: ArrayLike<number>;
  /** Items per timed call (the batch size), the same on both sides; default 1. */
  itemsPerCall?: number;
  /** This cell's run-to-run noise, over the options' (see CompareOptions.runNoise). */
  runNoise?: Partial<Record<Metric, number>>;
  /** The metrics of this cell, a subset of the options' (e.g. no throughput where it was imposed). */
  metrics?: readonly Metric[];
}

export interface CompareOptions {
  /** Default: all five, in the order of METRICS. */
  metrics?: readonly Metric[];
  /** Practical threshold per metric, relative; default 0.05 each. */
  thresholds?: Partial<Record<Metric, number>>;
  /** Of the intervals; default 0.95. */
  confidence?: number;
  /** Family-wise error rate for Holm's adjustment; default 0.05. */
  alpha?: number;
  /** Default 1. Each side of each cell draws from its own stream derived from the seed and cell. */
  seed?: number;
  /** Bootstrap resamples per side; default 1000. */
  resamples?: number;
  /**
   * Run-to-run noise per metric: the standard deviation of one run's log offset from the
   * machine's long-run level (other tenants, memory layout, clock state), which the samples of
   * one run cannot show. Set it when base and head are different runs; leave it out for two
   * variants measured in one run. Default: none.
   */
  runNoise?: Partial<Record<Metric, number>>;
}

export interface Comparison {
  cell: string;
  metric: Metric;
  /** The metric on each side: ms for latencies, items/s for throughput. */
  base: number;
  head: number;
  change: number;
  ci: [number, number];
  pValue: number;
  pAdjusted: number;
  threshold: number;
  verdict: Verdict;
}

/** A comparison before Holm's adjustment and the verdict. */
export type UnadjustedComparison = Omit<Comparison, "pAdjusted" | "verdict">;

function checkSeries(xs: ArrayLike<number>, where: string): void {
  if (xs.length < 2) throw new RangeError(`${where}: needs at least 2 samples, got ${xs.length}`);
  for (let i = 0; i < xs.length; i++) {
    const x = xs[i] as number;
    if (!(x > 0 && x < Infinity)) throw new RangeError(`${where}: sample ${i} is ${x}, not a positive latency`);
  }
}

function checkOptions(options: CompareOptions): Required<Omit<CompareOptions, "thresholds" | "runNoise">> {
  const { metrics = METRICS, confidence = 0.95, alpha = 0.05, seed = 1, resamples = 1000 } = options;
  const unknown = metrics.filter((m) => !METRICS.includes(m));
  if (unknown.length > 0 || metrics.length === 0 || new Set(metrics).size !== metrics.length) {
    throw new RangeError(`compareCells: metrics must be distinct, among ${METRICS.join(", ")}; got ${metrics.join(", ")}`);
  }
  if (!(confidence > 0 && confidence < 1)) throw new RangeError(`compareCells: confidence must be in (0, 1), got ${confidence}`);
  if (!(alpha > 0 && alpha < 1)) throw new RangeError(`compareCells: alpha must be in (0, 1), got ${alpha}`);
  if (!Number.isInteger(seed)) throw new RangeError(`compareCells: seed must be an integer, got ${seed}`);
  if (!(Number.isInteger(resamples) && resamples >= 2)) {
    throw new RangeError(`compareCells: resamples must be an integer >= 2, got ${resamples}`);
  }
  for (const [metric, t] of Object.entries(options.thresholds ?? {})) {
    if (!(t >= 0 && t < Infinity)) throw new RangeError(`compareCells: thresholds.${metric} must be >= 0, got ${t}`);
  }
  return { metrics, confidence, alpha, seed, resamples };
}

/** Point value and log bootstrap replicates (bias-corrected spread) of a latency metric on one side. */
function side(boot: BlockBootstrap, metric: Exclude<Metric, "throughput">, quantileMetrics: QuantileMetric[]) {
  if (metric === "mean") return { value: boot.mean, logs: logReplicates(boot.meanReplicates, boot.varianceBias) };
  const q = quantileMetrics.indexOf(metric);
  const replicates = boot.quantileReplicates[q] as Float64Array;
  return { value: boot.quantiles[q] as number, logs: logReplicates(replicates, boot.varianceBias) };
}

function measureCell(
  pair: CellPair,
  options: ReturnType<typeof checkOptions>,
  thresholds: CompareOptions["thresholds"],
  runNoise: CompareOptions["runNoise"],
): UnadjustedComparison[] {
  const { cell, itemsPerCall = 1 } = pair;
  checkSeries(pair.base, `compareCells: cell ${cell}, base`);
  checkSeries(pair.head, `compareCells: cell ${cell}, head`);
  if (!(itemsPerCall > 0 && itemsPerCall < Infinity)) {
    throw new RangeError(`compareCells: cell ${cell}, itemsPerCall must be > 0, got ${itemsPerCall}`);
  }
  const { confidence, seed, resamples } = options;
  const metrics = pair.metrics ? options.metrics.filter((m) => pair.metrics?.includes(m)) : options.metrics;
  const quantileMetrics = METRICS.filter(isQuantile).filter((m) => metrics.includes(m));
  const probabilities = quantileMetrics.map((m) => PERCENTILE_PROBABILITY[m]);
  // Seeds derive from the cell id, so a cell's interval does not depend on the other cells.
  const base = blockBootstrap(pair.base, { probabilities, resamples, seed: deriveSeed(seed, `${cell}\u0000base`) });
  const head = blockBootstrap(pair.head, { probabilities, resamples, seed: deriveSeed(seed, `${cell}\u0000head`) });
  const rankTest = metrics.some(usesRankTest) ? mannWhitney(pair.base, pair.head, { serialDependence: true }) : undefined;

  return metrics.map((metric) => {
    const latency = metric === "throughput" ? "mean" : metric;
    const b = side(base, latency, quantileMetrics);
    const h = side(head, latency, quantileMetrics);
    // Log ratio of head over base, sign-flipped for throughput (items/s is inverse to latency).
    const sign = metric === "throughput" ? -1 : 1;
    const logRatios = new Float64Array(resamples);
    for (let k = 0; k < resamples; k++) {
      logRatios[k] = sign * ((h.logs[k] as number) - (b.logs[k] as number));
    }
    let logCI = percentileInterval(logRatios, confidence);
    let pValue = usesRankTest(metric) ? (rankTest?.pValue ?? NaN) : bootstrapPValue(logCI, confidence);
    const noise = pair.runNoise?.[metric] ?? runNoise?.[metric] ?? 0;
    if (noise > 0) {
      // Each run carries its own offset (a random effect with sd `noise` on the log scale), so
      // the difference of two runs carries √2·noise more than the bootstrap of their samples
      // sees: widen each side of the interval in quadrature, and let the p-value be no smaller
      // than a normal test on the widened interval gives.
      const est = sign * (Math.log(h.value) - Math.log(b.value));
      const z = normalQuantile(1 - (1 - confidence) / 2);
      const extra = z * Math.SQRT2 * noise;
      logCI = [est - Math.hypot(Math.max(0, est - logCI[0]), extra), est + Math.hypot(Math.max(0, logCI[1] - est), extra)];
      const se = (logCI[1] - logCI[0]) / (2 * z);
      pValue = Math.max(pValue, Math.min(1, 2 * normalUpperTail(Math.abs(est) / se)));
    }
    const perSecond = (ms: number): number => itemsPerSecond(itemsPerCall, ms);
    return {
      cell,
      metric,
      base: metric === "throughput" ? perSecond(b.value) : b.value,
      head: metric === "throughput" ? perSecond(h.value) : h.value,
      change: metric === "throughput" ? b.value / h.value - 1 : h.value / b.value - 1,
      ci: [Math.expm1(logCI[0]), Math.expm1(logCI[1])],
      pValue,
      threshold: thresholds?.[metric] ?? 0.05,
    };
  });
}

/**
 * One cell's comparisons before Holm's adjustment. With `adjustComparisons` it splits
 * `compareCells` so that cells can be spread over worker threads: seeds derive from the cell id,
 * so the rows are the same whichever thread computes them.
 */
export function compareCell(pair: CellPair, options: CompareOptions = {}): UnadjustedComparison[] {
  return measureCell(pair, checkOptions(options), options.thresholds, options.runNoise);
}

/** Holm's adjustment over all the rows given, then each row's verdict. */
export function adjustComparisons(rows: readonly UnadjustedComparison[], alpha = 0.05): Comparison[] {
  if (!(alpha > 0 && alpha < 1)) throw new RangeError(`adjustComparisons: alpha must be in (0, 1), got ${alpha}`);
  const adjusted = holm(rows.map((r) => r.pValue));
  return rows.map(({ pValue, threshold, ...row }, i) => {
    const pAdjusted = adjusted[i] as number;
    const higherIsBetter = row.metric === "throughput";
    const verdict = decideVerdict({ change: row.change, ci: row.ci, pAdjusted, threshold, alpha, higherIsBetter });
    // Keys in the order of the `diff --json` contract.
    return { ...row, pValue, pAdjusted, threshold, verdict };
  });
}

/**
 * Compares every cell on every metric; Holm's adjustment runs over all cells × metrics of the
 * call. Deterministic for a seed. Throws a RangeError naming the cell on a series with fewer than
 * 2 samples or a latency that is not a positive finite number.
 */
export function compareCells(pairs: readonly CellPair[], options: CompareOptions = {}): Comparison[] {
  const checked = checkOptions(options);
  return adjustComparisons(
    pairs.flatMap((pair) => measureCell(pair, checked, options.thresholds, options.runNoise)),
    checked.alpha,
  );
}
