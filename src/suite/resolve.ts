import path from "node:path";
import {
  type ENV_TOLERANCE_FIELDS,
  type HeadlineStat,
  type InputSpec,
  type MeasureSpec,
  METRICS,
  type MetricName,
  type Provider,
  type RegressionSpec,
  type SuiteSpec,
} from "./schema.js";

/** A suite with every default filled in and every model path made absolute. */
export interface ResolvedSuite {
  name: string;
  description: string | undefined;
  /** Absolute path of the suite file. */
  file: string;
  seed: number;
  order: "interleaved" | "sequential";
  targets: ResolvedTarget[];
  measure: MeasurePlan;
  regression: RegressionPolicy;
  compare: { base: string; head: string } | null;
  environment: Partial<Record<(typeof ENV_TOLERANCE_FIELDS)[number], "must" | "warn" | "ignore">>;
}

export interface RegressionPolicy {
  thresholds: Record<MetricName, number>;
  metrics: MetricName[];
}

export const DEFAULT_THRESHOLD = 0.05;

export function regressionPolicy(spec: RegressionSpec = {}): RegressionPolicy {
  const base = spec.threshold ?? DEFAULT_THRESHOLD;
  const thresholds = Object.fromEntries(METRICS.map((m) => [m, spec.thresholds?.[m] ?? base])) as Record<MetricName, number>;
  return { thresholds, metrics: spec.metrics ? [...new Set(spec.metrics)] : [...METRICS] };
}

export interface ResolvedTarget {
  name: string;
  kind: "onnx";
  variants: ResolvedVariant[];
  inputs: Record<string, InputSpec>;
  dims: Record<string, number>;
  graphOptimization: "disabled" | "basic" | "extended" | "all";
  batch: number[];
  providers: Provider[];
  threads: number[];
  measure: MeasurePlan;
}

export interface ResolvedVariant {
  name: string;
  /** As written in the suite, relative to the suite file. */
  model: string;
  modelPath: string;
}

export interface MeasurePlan {
  warmupIterations: number;
  minIterations: number;
  maxIterations: number;
  minTimeMs: number;
  maxTimeMs: number;
  targetRelativeCI: number;
  headline: HeadlineStat;
}

/**
 * Defaults chosen for a laptop run that is still statistically useful: enough samples that the
 * median's interval usually converges to ±1%, bounded at 10 s per cell so a sweep stays short.
 */
export const DEFAULT_MEASURE: MeasurePlan = {
  warmupIterations: 20,
  minIterations: 50,
  maxIterations: 100_000,
  minTimeMs: 500,
  maxTimeMs: 10_000,
  targetRelativeCI: 0.01,
  headline: "p50",
};

export const DEFAULT_SEED = 1;

export function resolveSuite(spec: SuiteSpec, file: string): ResolvedSuite {
  const dir = path.dirname(path.resolve(file));
  const measure = measurePlan(spec.measure ?? {});

  const targets = Object.entries(spec.targets).map(([name, t]): ResolvedTarget => {
    const matrix = { ...spec.matrix, ...t.matrix };
    return {
      name,
      kind: t.kind,
      variants: Object.entries(t.variants).map(([vname, v]) => {
        const model = typeof v === "string" ? v : v.model;
        return { name: vname, model, modelPath: path.resolve(dir, model) };
      }),
      inputs: t.inputs ?? {},
      dims: t.dims ?? {},
      graphOptimization: t.graphOptimization ?? "all",
      batch: matrix.batch ?? [1],
      providers: matrix.providers ?? ["cpu"],
      threads: matrix.threads ?? [1],
      measure: measurePlan({ ...spec.measure, ...t.measure }),
    };
  });
  return {
    name: spec.name,
    description: spec.description,
    file: path.resolve(file),
    seed: spec.seed ?? DEFAULT_SEED,
    order: spec.order ?? "interleaved",
    targets,
    measure,
    regression: regressionPolicy(spec.regression),
    compare: spec.compare ?? null,
    environment: spec.environment ?? {},
  };
}

function measurePlan(m: MeasureSpec): MeasurePlan {
  const plan: MeasurePlan = { ...DEFAULT_MEASURE };
  for (const key of Object.keys(plan) as (keyof MeasurePlan)[]) {
    const v = m[key];
    if (v !== undefined) (plan as Record<keyof MeasurePlan, unknown>)[key] = v;
  }
  // A default must not contradict what the user wrote: their bound wins over the default one.
  if (m.maxIterations === undefined) plan.maxIterations = Math.max(plan.maxIterations, plan.minIterations);
  else plan.minIterations = Math.min(plan.minIterations, plan.maxIterations);
  if (m.maxTimeMs === undefined) plan.maxTimeMs = Math.max(plan.maxTimeMs, plan.minTimeMs);
  else plan.minTimeMs = Math.min(plan.minTimeMs, plan.maxTimeMs);
  return plan;
}
