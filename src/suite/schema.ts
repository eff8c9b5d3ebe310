import { z } from "zod";
import { DTYPES, LIMITS } from "./names.js";
import { HEADLINES, METRICS } from "../stats/metrics.js";

/**
 * The suite file format. One zod schema gives both the runtime check (with key paths for every
 * problem) and the TypeScript types. Objects are strict: an unknown key is an error, because a
 * misspelt `warmpu:` silently ignored is a benchmark that measured something else.
 */

export type Dtype = (typeof DTYPES)[number];

export const FILLS = ["random-normal", "random-uniform", "zeros", "ones", "range"] as const;
export type FillKind = (typeof FILLS)[number];

/** A whole number in [min, max]; the message names the range. */
function wholeNumber(min: number, max: number) {
  const range = `must be a whole number from ${min} to ${max}`;
  return z.number().int({ error: range }).min(min, { error: range }).max(max, { error: range });
}

/** A number in (0, max], or [0, max] with `zero`. */
function positiveNumber(max: number, { zero = false } = {}) {
  const range = zero ? `must be a number from 0 to ${max}` : `must be a number above 0 and at most ${max}`;
  return (zero ? z.number().min(0, { error: range }) : z.number().gt(0, { error: range })).max(max, { error: range });
}

const identifier = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, "expected a name of letters, digits, '_', '.', '-'");

/** A reference: VARIANT of the same target, or TARGET/VARIANT (a served model against its local twin). */
const reference = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*(\/[A-Za-z0-9][A-Za-z0-9_.-]*)?$/, "expected VARIANT (of this target) or TARGET/VARIANT (e.g. local/fp32)");

/** How accuracy against the reference is measured: `samples` seeded input sets (default 16), outside the timed loops. */
const accuracySchema = z.strictObject({ samples: wholeNumber(1, 10_000).optional() });

const dimension = z.union([wholeNumber(0, LIMITS.dimension), z.string().min(1)], {
  error: `expected a size (a whole number from 0 to ${LIMITS.dimension}) or the name of a dimension (batch, or a key of dims)`,
});

export const inputSpecSchema = z.strictObject({
  shape: z.array(dimension).optional(),
  dtype: z.enum(DTYPES).optional(),
  fill: z.union([z.enum(FILLS), z.number()], { error: `must be one of ${FILLS.join(", ")}, or a number (every element that value)` }).optional(),
  /** random-normal: mean/std; random-uniform and range: low/high (high exclusive). */
  mean: z.number().optional(),
  std: z.number().gt(0, { error: "must be a number above 0" }).optional(),
  low: z.number().optional(),
  high: z.number().optional(),
  /** Real data: samples from a file (.npy, .json, or raw values of the dtype), fed `batch` at a time, cycled. */
  file: z.string().min(1).optional(),
});
export type InputSpec = z.infer<typeof inputSpecSchema>;

import { ORDERS } from "./order.js";

export type { Order } from "./order.js";

export const PROVIDERS = ["cpu", "cuda", "tensorrt", "webgpu", "dml", "coreml"] as const;
export type Provider = (typeof PROVIDERS)[number];

export const GRAPH_OPTIMIZATION = ["disabled", "basic", "extended", "all"] as const;

export const matrixSchema = z.strictObject({
  batch: z.array(wholeNumber(1, LIMITS.batch)).min(1).optional(),
  providers: z.array(z.enum(PROVIDERS)).min(1).optional(),
  threads: z.array(wholeNumber(1, LIMITS.threads)).min(1).optional(),
  /** Closed loop: this many requests (session.run calls) in flight at once; [] for none. */
  concurrency: z.array(wholeNumber(1, LIMITS.concurrency)).optional(),
  /** Open loop: requests per second on a fixed schedule or as a Poisson process. */
  rate: z.array(positiveNumber(LIMITS.ratePerS)).optional(),
});

export const measureSchema = z.strictObject({
  warmupIterations: wholeNumber(0, LIMITS.warmupIterations).optional(),
  minIterations: wholeNumber(1, LIMITS.iterations).optional(),
  maxIterations: wholeNumber(1, LIMITS.iterations).optional(),
  minTimeMs: positiveNumber(LIMITS.timeMs, { zero: true }).optional(),
  maxTimeMs: positiveNumber(LIMITS.timeMs).optional(),
  /** Stop once the 95% interval of the headline statistic has this relative half-width. */
  targetRelativeCI: positiveNumber(1).optional(),
  headline: z.enum(HEADLINES).optional(),
});
export type MeasureSpec = z.infer<typeof measureSchema>;

/** How a load cell (concurrency or rate) is driven; see docs/LOAD.md for the MLPerf mapping. */
export const loadSchema = z.strictObject({
  durationMs: positiveNumber(LIMITS.timeMs).optional(),
  warmupRequests: wholeNumber(0, LIMITS.requests).optional(),
  maxRequests: wholeNumber(1, LIMITS.requests).optional(),
  /** fixed or poisson at each matrix rate, or trace: the times in `trace` (docs/LOAD.md "Trace replay"). */
  arrival: z.enum(["fixed", "poisson", "trace"]).optional(),
  /** arrival: trace: a JSONL file of requests with `timestamp` (ms), relative to the suite. */
  trace: z.string().min(1).optional(),
  /** arrival: trace: replay this many times as fast (default 1); or give matrix.rate to scale the trace to each mean rate. */
  speedup: positiveNumber(1000).optional(),
  /** Open loop over HTTP: the most connections the generator may open (default: 20 ms of arrivals, 16..512). */
  connections: wholeNumber(1, LIMITS.connections).optional(),
  /** Open loop over HTTP: worker threads that send (default: one per 8,000 req/s, at most one per core). */
  workers: wholeNumber(1, 64).optional(),
  /** A cell whose share of failed requests exceeds this is `failed` (default 0.01). */
  maxErrorRate: positiveNumber(1, { zero: true }).optional(),
});

/** A model to feed back one of its outputs as the next call's input: a recurrent state. */
const stateSchema = z.strictObject({ from: z.string().min(1), to: z.string().min(1) });

const variantSchema = z.union(
  [
    z.string().min(1),
    z.strictObject({
      model: z.string().min(1),
      /** This variant's own input specs, over the target's (a model with an input the others lack). */
      inputs: z.record(z.string(), inputSpecSchema).optional(),
      /** This variant's own symbolic dimension sizes, over the target's. */
      dims: z.record(z.string(), wholeNumber(1, LIMITS.dimension)).optional(),
    }),
  ],
  { error: "expected the model file's path (fp32: models/mlp.onnx) or { model: PATH, inputs?, dims? }" },
);

export const onnxTargetSchema = z.strictObject({
  kind: z.literal("onnx"),
  description: z.string().optional(),
  variants: z.record(identifier, variantSchema).refine((v) => Object.keys(v).length > 0, {
    message: "expected at least one variant (name: path/to/model.onnx)",
  }),
  inputs: z.record(z.string(), inputSpecSchema).optional(),
  /** Values for symbolic dimensions other than the batch, e.g. { height: 640 }. */
  dims: z.record(z.string(), wholeNumber(1, LIMITS.dimension)).optional(),
  /** The variant every other one's outputs are compared with: VARIANT, or TARGET/VARIANT of another target. */
  reference: reference.optional(),
  /** Outputs fed back as the next call's inputs (a recurrent model's state), in every call and for accuracy. */
  state: z.array(stateSchema).max(64).optional(),
  accuracy: accuracySchema.optional(),
  /**
   * Accuracy against labels: the inputs' data files (inputs.NAME.file) are fed in order, and `output`
   * (default: the model's first) is scored against `file` by `metric`, for every variant.
   */
  labels: z
    .strictObject({
      file: z.string().min(1),
      metric: z.enum(["top1", "top5", "mae", "rmse"]),
      output: z.string().min(1).optional(),
    })
    .optional(),
  graphOptimization: z.enum(GRAPH_OPTIMIZATION).optional(),
  matrix: matrixSchema.optional(),
  /** Overrides of the suite's measurement plan for this target's cells. */
  measure: measureSchema.optional(),
  load: loadSchema.optional(),
});

export const PROTOCOLS = ["kserve-v2", "tfserving", "json", "openai-chat", "openai-completions"] as const;
/** Local tokenizers (gpt-tokenizer's encodings, shipped in the package). */
export const TOKENIZERS = ["cl100k_base", "o200k_base", "p50k_base", "r50k_base"] as const;

/** A length in tokens: a fixed number, or a normal distribution rounded and clamped to [min, max]. */
const lengthSchema = z.union(
  [
    wholeNumber(1, LIMITS.tokens),
    z
      .strictObject({
        mean: positiveNumber(LIMITS.tokens),
        sd: positiveNumber(LIMITS.tokens, { zero: true }).optional(),
        min: wholeNumber(1, LIMITS.tokens).optional(),
        max: wholeNumber(1, LIMITS.tokens).optional(),
      })
      .refine((d) => d.min === undefined || d.max === undefined || d.min <= d.max, { message: "min must not be larger than max" }),
  ],
  { error: "expected a number of tokens (128) or { mean, sd, min, max }" },
);

/** The workload of a streaming (openai-*) target. */
const generateSchema = z.strictObject({
  /** A JSONL file of prompts ({"prompt": …} or {"messages": […]}, optional max_tokens), relative to the suite; default: synthetic prompts. */
  prompts: z.string().min(1).optional(),
  /** Synthetic prompts' length in tokens (default 128). */
  input: lengthSchema.optional(),
  /** Each request's max_tokens (default 128). */
  output: lengthSchema.optional(),
  /** Send ignore_eos: true (vLLM, SGLang): the server generates max_tokens whatever the text. */
  ignoreEos: z.boolean().optional(),
  /** Send min_tokens = max_tokens (vLLM): the same, for servers that take min_tokens. */
  minTokens: z.boolean().optional(),
  /** Count tokens locally when the server sends no usage, and check its usage when it does. */
  tokenizer: z.enum(TOKENIZERS).optional(),
  /** A stream that sends no bytes for this long is given up as stalled (default: only the timeout). */
  stallMs: positiveNumber(LIMITS.timeMs).optional(),
  /** Extra fields of every request body (temperature, seed, …). */
  params: z.record(z.string(), z.unknown()).optional(),
});

export const httpTargetSchema = z.strictObject({
  kind: z.literal("http"),
  description: z.string().optional(),
  /** kserve-v2 and tfserving: the server's base URL; json: the endpoint. `${ENV}` is expanded. */
  url: z.string().min(1),
  protocol: z.enum(PROTOCOLS),
  /** kserve-v2 and tfserving: the model's name on the server (or give `variants`). */
  model: z.string().min(1).optional(),
  /** Named variants: model names on the server (kserve-v2, tfserving) or endpoint URLs (json). */
  variants: z.record(identifier, z.string().min(1)).optional(),
  method: z.enum(["POST", "PUT"]).optional(),
  /** Values may use `${ENV}`; they are sent as written but never stored or printed. */
  headers: z.record(z.string(), z.string()).optional(),
  timeoutMs: positiveNumber(LIMITS.timeMs).optional(),
  /** json: the request body, with placeholders for generated tensors (see src/runners/http/json-template.ts). */
  body: z.string().optional(),
  tfserving: z
    .strictObject({
      format: z.enum(["instances", "inputs"]).optional(),
      signatureName: z.string().optional(),
      version: wholeNumber(1, Number.MAX_SAFE_INTEGER).optional(),
    })
    .optional(),
  inputs: z.record(z.string(), inputSpecSchema).optional(),
  dims: z.record(z.string(), wholeNumber(1, LIMITS.dimension)).optional(),
  /**
   * The served outputs are compared with TARGET/VARIANT's (a local twin: the shadow check of a
   * deployment) or with another VARIANT served here, on seeded inputs outside the timed loops.
   */
  reference: reference.optional(),
  accuracy: accuracySchema.optional(),
  /** openai-chat, openai-completions: the prompts and output lengths. */
  generate: generateSchema.optional(),
  matrix: matrixSchema.optional(),
  load: loadSchema.optional(),
});

export const targetSchema = z.discriminatedUnion("kind", [onnxTargetSchema, httpTargetSchema]);

const relativeThreshold = positiveNumber(10);

export const regressionSchema = z.strictObject({
  /** Practical threshold: a relative change smaller than this is never a regression (default 0.05). */
  threshold: relativeThreshold.optional(),
  /** Per-metric thresholds, over `threshold`. */
  thresholds: z.partialRecord(z.enum(METRICS), relativeThreshold).optional(),
  /** The metrics that are compared and can gate (default: all). */
  metrics: z.array(z.enum(METRICS)).min(1).optional(),
  /**
   * Limits on every cell's accuracy against its target's reference (any output): a cell past one
   * fails a gated run (--baseline, --fail-on-regression) whatever its latency did.
   */
  accuracy: z
    .strictObject({
      minTop1Agreement: positiveNumber(1, { zero: true }).optional(),
      minCosine: z.number().min(-1, { error: "must be a number from -1 to 1" }).max(1, { error: "must be a number from -1 to 1" }).optional(),
      maxAbsError: positiveNumber(1e30, { zero: true }).optional(),
      maxRelError: positiveNumber(1e30, { zero: true }).optional(),
      /** With --baseline: the most a cell's accuracy may fall from the baseline's (absolute). */
      maxDrop: positiveNumber(1e30, { zero: true }).optional(),
    })
    .optional(),
});
export type RegressionSpec = z.infer<typeof regressionSchema>;

/** How much a difference in an environment field matters when two runs are compared (compare/env.ts). */
export const TOLERANCES = ["must", "warn", "ignore"] as const;
export type Tolerance = (typeof TOLERANCES)[number];

export const ENV_TOLERANCE_FIELDS = [
  "cpuModel",
  "logicalCores",
  "memoryBytes",
  "cpuSpeedMHz",
  "arch",
  "os",
  "kernel",
  "hostname",
  "node",
  "onnxruntime",
  "bench",
  "git",
  "models",
  // Added with the full fingerprint (docs/RECORDS.md); a run stored before has none of them.
  "physicalCores",
  "cpuFlags",
  "cpuMaxMHz",
  "cpuCaches",
  "governor",
  "virtualization",
  "container",
  "gpu",
  "gpuDriver",
  "v8",
  "dependencies",
  "lockfile",
  "env",
  "suite",
  // Inputs, labels and traces read from files, by hash (a run stored before has none).
  "data",
] as const;

export const suiteSchema = z.strictObject({
  name: identifier,
  description: z.string().optional(),
  /** 32 bits: the generators take no more (src/util/rng.ts); a larger seed would silently alias a smaller one. */
  seed: wholeNumber(0, LIMITS.seed).optional(),
  targets: z.record(identifier, targetSchema).refine((t) => Object.keys(t).length > 0, {
    message: "expected at least one target",
  }),
  matrix: matrixSchema.optional(),
  measure: measureSchema.optional(),
  load: loadSchema.optional(),
  /** The order of the cells inside each trial: interleaved (default: a new seeded shuffle per trial) or sequential (the suite's order). */
  order: z.enum(ORDERS).optional(),
  /**
   * Each trial is a fresh process that measures every cell once; the intervals and verdicts are
   * between trials. At least `min`, then more while the headline statistic's interval is wider than
   * ±targetRelativeCI, at most `max`.
   */
  trials: z
    .strictObject({
      min: wholeNumber(1, LIMITS.trials).optional(),
      max: wholeNumber(1, LIMITS.trials).optional(),
      targetRelativeCI: positiveNumber(1).optional(),
    })
    .refine((t) => t.min === undefined || t.max === undefined || t.min <= t.max, { message: "min must not be larger than max" })
    .optional(),
  regression: regressionSchema.optional(),
  /** A/B inside one run: compare these two variants (or targets) cell by cell after the run. */
  compare: z.strictObject({ base: identifier, head: identifier }).optional(),
  /**
   * Service-level objectives on per-request values (suite/slo.ts): a list such as
   * ['p99 <= 80ms', 'ttft.p99 <= 500ms'], or a map such as { p99: '<= 80ms' }. Load cells report
   * each SLO's verdict and their goodput; `bench capacity` searches for the load they hold at.
   */
  slo: z
    .union([z.array(z.string()).max(32), z.record(z.string(), z.union([z.string(), z.number()]))], {
      error: "expected a list of SLOs such as ['p99 <= 80ms', 'ttft.p99 <= 500ms'], or a map such as { p99: '<= 80ms' }",
    })
    .optional(),
  /** How much each fingerprint field matters when comparing runs: must | warn | ignore. */
  environment: z.partialRecord(z.enum(ENV_TOLERANCE_FIELDS), z.enum(TOLERANCES)).optional(),
});
export type SuiteSpec = z.infer<typeof suiteSchema>;
