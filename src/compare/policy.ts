import { UserError } from "../errors.js";
import { type RegressionPolicy, regressionPolicy } from "../suite/resolve.js";
import { METRICS, type Metric } from "../stats/metrics.js";
import type { Tolerance } from "./env.js";
import type { Side } from "./side.js";

/**
 * Run-to-run noise assumed for comparisons across runs when no calibration says otherwise: the
 * standard deviation of one run's log offset, per metric. From 10 A/A runs of the quickstart on a
 * shared 2-vCPU cloud VM: the median cell moved p50 3.4%, p90 5.5%, p99 10.5%, mean 5.6% from run
 * to run, but the tails of a quarter of the cells moved several times more, so the defaults sit
 * between the median and the root mean square (p90 15.7%, p99 35%, mean 9%). `bench calibrate`
 * measures the machine at hand and stores its own figures in the baseline.
 */
export const DEFAULT_RUN_NOISE: Readonly<Record<Metric, number>> = { p50: 0.03, p90: 0.1, p99: 0.25, mean: 0.08, throughput: 0.08 };

export interface PolicyOverrides {
  threshold?: number;
  metric?: string[];
}

interface StoredSuite {
  regression?: RegressionPolicy;
  environment?: Partial<Record<string, Tolerance>>;
}

/**
 * The thresholds of a comparison, weakest to strongest: the default 5%; the head's suite policy
 * (the code under test says what matters); thresholds a baseline measured with `bench
 * calibrate`; `--threshold` and `--metric` on the command line.
 */
export function resolvePolicy(base: Side, head: Side, overrides: PolicyOverrides): RegressionPolicy {
  const suite = (head.resolvedSuite ?? base.resolvedSuite) as StoredSuite | null;
  const policy: RegressionPolicy = suite?.regression
    ? { thresholds: { ...suite.regression.thresholds }, metrics: [...suite.regression.metrics] }
    : regressionPolicy();
  for (const [m, v] of Object.entries(base.thresholds ?? {})) {
    if ((METRICS as readonly string[]).includes(m)) policy.thresholds[m as Metric] = v;
  }
  if (overrides.threshold !== undefined) {
    for (const m of METRICS) policy.thresholds[m] = overrides.threshold;
  }
  if (overrides.metric && overrides.metric.length > 0) {
    checkMetricNames(overrides.metric);
    policy.metrics = [...new Set(overrides.metric)] as Metric[];
  }
  return policy;
}

/** --metric names, checked before anything runs. */
export function checkMetricNames(metrics: readonly string[] | undefined): void {
  const bad = (metrics ?? []).filter((m) => !(METRICS as readonly string[]).includes(m));
  if (bad.length > 0) throw new UserError(`--metric ${bad.join(", ")}: expected one of ${METRICS.join(", ")}`);
}

export function environmentTolerances(base: Side, head: Side): Partial<Record<string, Tolerance>> {
  const suite = (head.resolvedSuite ?? base.resolvedSuite) as StoredSuite | null;
  return suite?.environment ?? {};
}
