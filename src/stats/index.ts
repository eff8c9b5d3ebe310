/** Public API of the statistics core: pure functions of samples, no I/O. */
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
