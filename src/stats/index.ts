/** Public API of the statistics core: pure functions of samples, no I/O. */
export { METRICS, PERCENTILES, PERCENTILE_PROBABILITY, HEADLINES, isPercentile, nsToMs, msToNs, nsToS, msToS, usToS, itemsPerSecond } from "./metrics.js";
export { sortSamples, quantile } from "./quantile.js";
export { quantileCI, meanCI, relativeHalfWidth, orderStatisticRanks, minSamplesForQuantileCI, type Interval } from "./intervals.js";
export { summarizeLatency, throughput, type Estimate, type LatencySummary } from "./summary.js";
export { tQuantile, normalQuantile } from "./distributions.js";
export { autocorrelations, lag1Autocorrelation, integratedAutocorrelationTime, effectiveSampleSize } from "./autocorrelation.js";
export {
  batchMeansCI,
  meanCIDependent,
  quantileCIDependent,
  dependentOrderStatisticRanks,
  indicatorAutocorrelationTime,
  headlineRelativeHalfWidth,
} from "./dependent.js";
export { mser5 } from "./steady-state.js";
export { classifyOutliers, MAD_NORMAL_SCALE } from "./outliers.js";
