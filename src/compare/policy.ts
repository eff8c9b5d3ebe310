import { UserError } from "../errors.js";
import { type RegressionPolicy, regressionPolicy } from "../suite/resolve.js";
import { METRICS, type Metric } from "../stats/metrics.js";
import type { Tolerance } from "./env.js";
import type { Side } from "./side.js";

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
    ? { thresholds: { ...suite.regression.thresholds }, metrics: [...suite.regression.metrics], accuracy: { ...suite.regression.accuracy } }
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
