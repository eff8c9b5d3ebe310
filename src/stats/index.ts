/** Public API of the statistics core: pure functions of samples, no I/O. */
export {
  METRICS,
  PERCENTILES,
  PERCENTILE_PROBABILITY,
  HEADLINES,
  isPercentile,
  nsToMs,
  msToNs,
  nsToS,
  msToS,
  usToS,
  itemsPerSecond,
  type Metric,
  type Percentile,
  type Headline,
} from "./metrics.js";
export { sortSamples, quantile, type SortedSamples } from "./quantile.js";
export {
  quantileCI,
  meanCI,
  relativeHalfWidth,
  orderStatisticRanks,
  minSamplesForQuantileCI,
  type Interval,
  type OrderStatisticRanks,
} from "./intervals.js";
export { summarizeLatency, throughput, type Estimate, type LatencySummary } from "./summary.js";
export { tQuantile, normalQuantile } from "./distributions.js";
export {
  autocorrelations,
  lag1Autocorrelation,
  integratedAutocorrelationTime,
  effectiveSampleSize,
} from "./autocorrelation.js";
export {
  batchMeansCI,
  meanCIDependent,
  quantileCIDependent,
  dependentOrderStatisticRanks,
  indicatorAutocorrelationTime,
  headlineRelativeHalfWidth,
  MIN_SAMPLES_FOR_BATCH_MEANS,
} from "./dependent.js";
export { mser5, type SteadyState } from "./steady-state.js";
export {
  classifyOutliers,
  MAD_NORMAL_SCALE,
  type OutlierClassification,
  type OutlierCounts,
  type TukeyFences,
} from "./outliers.js";
export {
  compareCells,
  compareCell,
  adjustComparisons,
  type Verdict,
  type Comparison,
  type CellPair,
  type CompareOptions,
} from "./compare.js";
export { decideVerdict } from "./verdict.js";
export { holm } from "./holm.js";
export { mannWhitney } from "./mann-whitney.js";
