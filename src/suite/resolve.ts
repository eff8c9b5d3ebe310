import path from "node:path";
import type { z } from "zod";
import type { AccuracyLimits } from "../accuracy/limits.js";
import type { Order } from "./schema.js";
import { parseSlos, type Slo } from "./slo.js";
import { readTrace, type Trace, TraceError, tracePlan, type TracePlan } from "./trace.js";
import { OPENAI_PROTOCOLS } from "./names.js";
import { type Headline, METRICS, type Metric } from "../stats/metrics.js";
import type {
  ENV_TOLERANCE_FIELDS,
  Tolerance,
  InputSpec,
  MeasureSpec,
  PROTOCOLS,
  TOKENIZERS,
  httpTargetSchema,
  Provider,
  RegressionSpec,
  SuiteSpec,
} from "./schema.js";

/** A suite with every default filled in and every model path made absolute. */
export interface ResolvedSuite {
  name: string;
  description: string | undefined;
  /** Absolute path of the suite file. */
  file: string;
  seed: number;
  order: Order;
  trials: TrialPlan;
  targets: ResolvedTarget[];
  measure: MeasurePlan;
  regression: RegressionPolicy;
  compare: { base: string; head: string } | null;
  environment: Partial<Record<(typeof ENV_TOLERANCE_FIELDS)[number], Tolerance>>;
  /** The suite's SLOs (`slo:`), parsed; absent when it names none (and in suites resolved before SLOs existed). */
  slo?: Slo[];
}

/** How many trials (fresh processes) a run measures its cells in; see the suite schema's `trials`. */
export interface TrialPlan {
  min: number;
  max: number;
  targetRelativeCI: number;
}

/**
 * 5 trials detect a 10% shift of p50, mean or throughput between two runs in over 90% of
 * simulated gates with 3% process-to-process noise, and a 25% rise of p99 in over 95%
 * (test/stats-trials-gate.test.ts); up to 10 when the machine is noisier than that.
 */
export const DEFAULT_TRIALS: TrialPlan = { min: 5, max: 10, targetRelativeCI: 0.02 };

export interface RegressionPolicy {
  thresholds: Record<Metric, number>;
  metrics: Metric[];
  /** Limits on accuracy against the reference (src/accuracy/limits.ts); empty: none. */
  accuracy: AccuracyLimits;
}

export const DEFAULT_THRESHOLD = 0.05;

export function regressionPolicy(spec: RegressionSpec = {}): RegressionPolicy {
  const base = spec.threshold ?? DEFAULT_THRESHOLD;
  const thresholds = Object.fromEntries(METRICS.map((m) => [m, spec.thresholds?.[m] ?? base])) as Record<Metric, number>;
  return { thresholds, metrics: spec.metrics ? [...new Set(spec.metrics)] : [...METRICS], accuracy: spec.accuracy ?? {} };
}

interface TargetCommon {
  name: string;
  variants: ResolvedVariant[];
  inputs: Record<string, InputSpec>;
  dims: Record<string, number>;
  batch: number[];
  /** Closed-loop load cells (requests in flight); empty: none. */
  concurrency: number[];
  /** Open-loop load cells (requests/s); empty: none. */
  rate: number[];
  measure: MeasurePlan;
  load: LoadPlan;
  /** The variant the others' outputs are compared with; null: no accuracy measured. */
  reference: string | null;
  /** The target of `reference` when it is another one (TARGET/VARIANT); null: this target. */
  referenceTarget: string | null;
  /** Seeded input sets fed to each variant and the reference. */
  accuracySamples: number;
}

export interface ResolvedOnnxTarget extends TargetCommon {
  kind: "onnx";
  /** Outputs fed back as inputs of the next call (a recurrent state). */
  state: { from: string; to: string }[];
  /** Accuracy against labels (the label file resolved against the suite); null: none. */
  labels: { file: string; metric: "top1" | "top5" | "mae" | "rmse"; output: string | null } | null;
  graphOptimization: "disabled" | "basic" | "extended" | "all";
  providers: Provider[];
  threads: number[];
}

export interface ResolvedHttpTarget extends TargetCommon {
  kind: "http";
  /** As written: `${ENV}` references are expanded only when a request is built. */
  url: string;
  protocol: (typeof PROTOCOLS)[number];
  method: "POST" | "PUT";
  headers: Record<string, string>;
  timeoutMs: number;
  body: string | undefined;
  tfserving: { format: "instances" | "inputs"; signatureName: string | undefined; version: number | undefined };
  /** openai-chat, openai-completions: the workload (lengths in tokens); null for the other protocols. */
  generate: ResolvedGenerate | null;
}

export interface TokenLengths {
  mean: number;
  sd: number;
  min: number;
  max: number;
}

export interface ResolvedGenerate {
  /** Absolute path of the JSONL prompts, or null for synthetic prompts. */
  prompts: string | null;
  input: TokenLengths;
  output: TokenLengths;
  ignoreEos: boolean;
  minTokens: boolean;
  tokenizer: (typeof TOKENIZERS)[number] | null;
  stallMs: number | null;
  params: Record<string, unknown>;
}

/** Synthetic prompts of 128 tokens asking for 128: a short chat turn. */
const DEFAULT_TOKENS = 128;

function tokenLengths(l: number | { mean: number; sd?: number | undefined; min?: number | undefined; max?: number | undefined } | undefined): TokenLengths {
  if (l === undefined) return { mean: DEFAULT_TOKENS, sd: 0, min: DEFAULT_TOKENS, max: DEFAULT_TOKENS };
  if (typeof l === "number") return { mean: l, sd: 0, min: l, max: l };
  return { mean: l.mean, sd: l.sd ?? 0, min: l.min ?? 1, max: l.max ?? Math.max(1, Math.ceil(l.mean + 4 * (l.sd ?? 0))) };
}

function resolveGenerate(t: z.infer<typeof httpTargetSchema>, dir: string): ResolvedGenerate | null {
  if (!(OPENAI_PROTOCOLS as readonly string[]).includes(t.protocol)) return null;
  const g = t.generate ?? {};
  return {
    prompts: g.prompts !== undefined ? path.resolve(dir, g.prompts) : null,
    input: tokenLengths(g.input),
    output: tokenLengths(g.output),
    ignoreEos: g.ignoreEos ?? false,
    minTokens: g.minTokens ?? false,
    tokenizer: g.tokenizer ?? null,
    stallMs: g.stallMs ?? null,
    params: g.params ?? {},
  };
}

export type ResolvedTarget = ResolvedOnnxTarget | ResolvedHttpTarget;

export interface ResolvedVariant {
  name: string;
  /** onnx: the model file as written in the suite, relative to it; http: the model's name on the server, or the endpoint (json). */
  model: string;
  /** onnx: the model file's absolute path; http: null. */
  modelPath: string | null;
  /** This variant's own input specs and dims, over the target's (empty: the target's alone). */
  inputs?: Record<string, InputSpec>;
  dims?: Record<string, number>;
}

/** Input specs with their data files resolved against the suite's directory. */
function withFilePaths(inputs: Record<string, InputSpec>, dir: string): Record<string, InputSpec> {
  return Object.fromEntries(
    Object.entries(inputs).map(([name, spec]) => [name, spec.file !== undefined ? { ...spec, file: path.resolve(dir, spec.file) } : spec]),
  );
}

/** The input specs and dims a variant of a target is fed by: the target's, with the variant's own over them. */
export function variantInputs(target: { inputs: Record<string, InputSpec>; dims: Record<string, number> }, variant: ResolvedVariant) {
  return { inputs: { ...target.inputs, ...variant.inputs }, dims: { ...target.dims, ...variant.dims } };
}

export interface LoadPlan {
  durationMs: number;
  warmupRequests: number;
  maxRequests: number | undefined;
  arrival: "fixed" | "poisson" | "trace";
  /** arrival: trace: the trace replayed (read and checked when the suite is loaded); null otherwise. */
  trace: TracePlan | null;
  connections: number | undefined;
  workers: number | undefined;
  maxErrorRate: number;
}

export const DEFAULT_LOAD: LoadPlan = {
  durationMs: 5000,
  warmupRequests: 20,
  maxRequests: undefined,
  arrival: "poisson",
  trace: null,
  connections: undefined,
  workers: undefined,
  maxErrorRate: 0.01,
};

export const DEFAULT_HTTP_TIMEOUT_MS = 10_000;
/** Input sets for accuracy against a reference: enough for every output's error, quick beside the timing. */
const DEFAULT_ACCURACY_SAMPLES = 16;

export interface MeasurePlan {
  warmupIterations: number;
  minIterations: number;
  maxIterations: number;
  minTimeMs: number;
  maxTimeMs: number;
  targetRelativeCI: number;
  headline: Headline;
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

/**
 * Throws a TraceError (`targets.NAME.load.trace: FILE:LINE: …`) for a trace file that cannot be
 * replayed: loadSuite reports it as a problem of the suite.
 */
export function resolveSuite(spec: SuiteSpec, file: string): ResolvedSuite {
  const dir = path.dirname(path.resolve(file));
  const measure = measurePlan(spec.measure ?? {});
  const traces = new Map<string, Trace>();

  const targets = Object.entries(spec.targets).map(([name, t]): ResolvedTarget => {
    const matrix = { ...spec.matrix, ...t.matrix };
    const { trace: traceKey, speedup, ...loadKeys } = { ...definedOnly(spec.load), ...definedOnly(t.load) };
    let load: LoadPlan = { ...DEFAULT_LOAD, ...loadKeys };
    if (load.arrival === "trace" && traceKey !== undefined) {
      const traceFile = path.resolve(dir, traceKey);
      let trace = traces.get(traceFile);
      try {
        trace ??= readTrace(traceFile, traceKey);
      } catch (err) {
        throw err instanceof TraceError ? new TraceError(`targets.${name}.load.trace: ${err.message}`) : err;
      }
      traces.set(traceFile, trace);
      const capMs = loadKeys.durationMs ?? null;
      const plan = tracePlan(trace, traceFile, traceKey, speedup ?? 1, capMs);
      // Without a cap the cell lasts the trace's span (and 1 ms, so that its last request is inside).
      load = { ...load, trace: plan, durationMs: capMs ?? Math.ceil(trace.spanMs / plan.speedup) + 1 };
    }
    const common = {
      name,
      inputs: withFilePaths(t.inputs ?? {}, dir),
      dims: t.dims ?? {},
      batch: matrix.batch ?? [1],
      concurrency: matrix.concurrency ?? [],
      // A trace without matrix rates is replayed at its own mean rate (times speedup).
      rate: matrix.rate ?? (load.trace ? [load.trace.rate] : []),
      measure: measurePlan({ ...spec.measure, ...(t.kind === "onnx" ? t.measure : {}) }),
      load,
      ...splitReference(t.reference),
      accuracySamples: t.accuracy?.samples ?? DEFAULT_ACCURACY_SAMPLES,
    };
    if (t.kind === "http") {
      const variants = t.variants
        ? Object.entries(t.variants).map(([vname, model]) => ({ name: vname, model, modelPath: null }))
        : [{ name: "default", model: t.model ?? t.url, modelPath: null }];
      return {
        ...common,
        kind: "http",
        // A server is measured under load; with neither axis given, one request at a time.
        concurrency: common.concurrency.length === 0 && common.rate.length === 0 ? [1] : common.concurrency,
        // A streaming request carries one prompt: the suite's batch axis does not apply.
        ...(resolveGenerate(t, dir) !== null ? { batch: [1] } : {}),
        variants,
        url: t.url,
        protocol: t.protocol,
        method: t.method ?? "POST",
        headers: t.headers ?? {},
        timeoutMs: t.timeoutMs ?? DEFAULT_HTTP_TIMEOUT_MS,
        body: t.body,
        tfserving: { format: t.tfserving?.format ?? "instances", signatureName: t.tfserving?.signatureName, version: t.tfserving?.version },
        generate: resolveGenerate(t, dir),
      };
    }
    return {
      ...common,
      kind: "onnx",
      variants: Object.entries(t.variants).map(([vname, v]) => {
        if (typeof v === "string") return { name: vname, model: v, modelPath: path.resolve(dir, v) };
        return { name: vname, model: v.model, modelPath: path.resolve(dir, v.model), inputs: withFilePaths(v.inputs ?? {}, dir), dims: v.dims ?? {} };
      }),
      state: t.state ?? [],
      graphOptimization: t.graphOptimization ?? "all",
      labels: t.labels ? { file: path.resolve(dir, t.labels.file), metric: t.labels.metric, output: t.labels.output ?? null } : null,
      providers: matrix.providers ?? ["cpu"],
      threads: matrix.threads ?? [1],
    };
  });
  return {
    name: spec.name,
    description: spec.description,
    file: path.resolve(file),
    seed: spec.seed ?? DEFAULT_SEED,
    order: spec.order ?? "interleaved",
    trials: resolveTrials(spec.trials),
    targets,
    measure,
    regression: regressionPolicy(spec.regression),
    compare: spec.compare ?? null,
    environment: spec.environment ?? {},
    // Validation has reported any SLO that does not parse.
    ...(spec.slo ? { slo: parseSlos(spec.slo).slos } : {}),
  };
}

/** `fp32` → this target's fp32; `local/fp32` → target local's fp32. */
function splitReference(reference: string | undefined): { reference: string | null; referenceTarget: string | null } {
  if (reference === undefined) return { reference: null, referenceTarget: null };
  const slash = reference.indexOf("/");
  return slash < 0 ? { reference, referenceTarget: null } : { reference: reference.slice(slash + 1), referenceTarget: reference.slice(0, slash) };
}

function definedOnly<T extends object>(o: T | undefined): Partial<T> {
  return Object.fromEntries(Object.entries(o ?? {}).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/**
 * The suite as it may be stored and printed: header values may be secrets, so they are replaced
 * (DESIGN.md: "nothing secret is" recorded). `${ENV}` references elsewhere are never expanded in
 * a resolved suite, so the URL keeps the reference, not the value.
 */
export function redactSuite(suite: ResolvedSuite): ResolvedSuite {
  return {
    ...suite,
    targets: suite.targets.map((t) => (t.kind === "http" ? { ...t, headers: Object.fromEntries(Object.keys(t.headers).map((k) => [k, "<redacted>"])) } : t)),
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

/** The suite's local model files, by their name in the suite: what the fingerprint hashes. */
export function modelFiles(suite: ResolvedSuite): Record<string, string> {
  return Object.fromEntries(suite.targets.flatMap((t) => t.variants.flatMap((v) => (v.modelPath ? [[v.model, v.modelPath] as const] : []))));
}

/**
 * The data files a suite's cells are fed or judged by — inputs read from files (a target's and its
 * variants'), label files, replayed traces — keyed by their path relative to the suite: what
 * besides the models makes two runs of one suite the same experiment.
 */
export function dataFiles(suite: ResolvedSuite): Record<string, string> {
  const dir = path.dirname(suite.file);
  const files = suite.targets.flatMap((t) => [
    ...[t.inputs, ...t.variants.map((v) => v.inputs ?? {})].flatMap((inputs) => Object.values(inputs).flatMap((i) => (i.file ? [i.file] : []))),
    ...(t.kind === "onnx" && t.labels ? [t.labels.file] : []),
    ...(t.load.trace ? [t.load.trace.file] : []),
  ]);
  return Object.fromEntries([...new Set(files)].sort().map((file) => [path.relative(dir, file), file]));
}

function resolveTrials(spec: SuiteSpec["trials"]): TrialPlan {
  const min = spec?.min ?? Math.min(DEFAULT_TRIALS.min, spec?.max ?? DEFAULT_TRIALS.min);
  return { min, max: spec?.max ?? Math.max(min, DEFAULT_TRIALS.max), targetRelativeCI: spec?.targetRelativeCI ?? DEFAULT_TRIALS.targetRelativeCI };
}
