import { UserError } from "../errors.js";
import { type RegressionPolicy, regressionPolicy } from "../suite/resolve.js";
import { METRICS, type MetricName } from "../suite/schema.js";
import type { Tolerance } from "./env.js";
import type { Side } from "./source.js";

/**
 * Run-to-run noise assumed for comparisons across runs when no calibration says otherwise: the
 * standard deviation of one run's log offset, per metric. Measured on a shared 2-vCPU cloud VM
 * (10 A/A runs of the quickstart, median over its 36 cells: p50 3.4%, p90 5.5%, p99 10.5%, mean
 * 5.6%); `bench calibrate` measures the machine at hand and stores its own figures in the baseline.
 */
export const DEFAULT_RUN_NOISE: Readonly<Record<MetricName, number>> = { p50: 0.03, p90: 0.1, p99: 0.25, mean: 0.08, throughput: 0.08 };

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
    if ((METRICS as readonly string[]).includes(m)) policy.thresholds[m as MetricName] = v;
  }
  if (overrides.threshold !== undefined) {
    for (const m of METRICS) policy.thresholds[m] = overrides.threshold;
  }
  if (overrides.metric && overrides.metric.length > 0) {
    const bad = overrides.metric.filter((m) => !(METRICS as readonly string[]).includes(m));
    if (bad.length > 0) throw new UserError(`--metric ${bad.join(", ")}: expected one of ${METRICS.join(", ")}`);
    policy.metrics = [...new Set(overrides.metric)] as MetricName[];
  }
  return policy;
}

export function environmentTolerances(base: Side, head: Side): Partial<Record<string, Tolerance>> {
  const suite = (head.resolvedSuite ?? base.resolvedSuite) as StoredSuite | null;
  return suite?.environment ?? {};
}
