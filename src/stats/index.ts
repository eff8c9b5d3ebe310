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
  METRICS,
  type Metric,
  type Verdict,
  type Comparison,
  type CellPair,
  type CompareOptions,
} from "./compare.js";
export { decideVerdict } from "./verdict.js";
export { holm } from "./holm.js";
export { mannWhitney } from "./mann-whitney.js";
export { trialStatistics, trialEstimate, trialVariancePrior, TRIAL_METRICS, type TrialMetric, type TrialStatistics, type TrialEstimate } from "./trials.js";
export {
  estimateVariancePrior,
  moderateVariance,
  sampleVariance,
  type VarianceEstimate,
  type VariancePrior,
  type ModeratedVariance,
} from "./moderated.js";
export {
  compareTrials,
  compareTrialCells,
  minimumDetectableChange,
  decideVerdictByEstimate,
  type CompareTrialsOptions,
  type CompareTrialCellsOptions,
  type SidePriors,
  type TrialCellPair,
  type TrialComparison,
  type TrialComparisons,
  type TrialSensitivity,
  type VerdictRule,
} from "./compare-trials.js";
export { steadyStateCut, type SteadyStateCut, type SteadyStateTest } from "./steady-cut.js";
