import { z } from "zod";
import { HEADLINES, METRICS } from "../stats/metrics.js";

/**
 * The suite file format. One zod schema gives both the runtime check (with key paths for every
 * problem) and the TypeScript types. Objects are strict: an unknown key is an error, because a
 * misspelt `warmpu:` silently ignored is a benchmark that measured something else.
 */

export const DTYPES = ["float32", "float16", "float64", "int8", "uint8", "int16", "uint16", "int32", "uint32", "int64", "uint64", "bool"] as const;
export type Dtype = (typeof DTYPES)[number];

export const FILLS = ["random-normal", "random-uniform", "zeros", "ones", "range"] as const;
export type FillKind = (typeof FILLS)[number];

const identifier = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, "expected a name of letters, digits, '_', '.', '-'");

const positiveInt = z.number().int().positive();

const dimension = z.union([z.number().int().nonnegative(), z.string().min(1)]);

export const inputSpecSchema = z.strictObject({
  shape: z.array(dimension).optional(),
  dtype: z.enum(DTYPES).optional(),
  fill: z.union([z.enum(FILLS), z.number()]).optional(),
  /** random-normal: mean/std; random-uniform and range: low/high (high exclusive). */
  mean: z.number().optional(),
  std: z.number().positive().optional(),
  low: z.number().optional(),
  high: z.number().optional(),
});
export type InputSpec = z.infer<typeof inputSpecSchema>;

import { ORDERS } from "./order.js";

export type { Order } from "./order.js";

export const PROVIDERS = ["cpu", "cuda", "tensorrt", "webgpu", "dml", "coreml"] as const;
export type Provider = (typeof PROVIDERS)[number];

export const GRAPH_OPTIMIZATION = ["disabled", "basic", "extended", "all"] as const;

export const matrixSchema = z.strictObject({
  batch: z.array(positiveInt).min(1).optional(),
  providers: z.array(z.enum(PROVIDERS)).min(1).optional(),
  threads: z.array(positiveInt).min(1).optional(),
  /** Closed loop: this many requests (session.run calls) in flight at once; [] for none. */
  concurrency: z.array(positiveInt).optional(),
  /** Open loop: requests per second on a fixed schedule or as a Poisson process. */
  rate: z.array(z.number().positive()).optional(),
});

export const measureSchema = z.strictObject({
  warmupIterations: z.number().int().nonnegative().optional(),
  minIterations: positiveInt.optional(),
  maxIterations: positiveInt.optional(),
  minTimeMs: z.number().nonnegative().optional(),
  maxTimeMs: z.number().positive().optional(),
  /** Stop once the 95% interval of the headline statistic has this relative half-width. */
  targetRelativeCI: z.number().positive().max(1).optional(),
  headline: z.enum(HEADLINES).optional(),
});
export type MeasureSpec = z.infer<typeof measureSchema>;

/** How a load cell (concurrency or rate) is driven; see docs/LOAD.md for the MLPerf mapping. */
export const loadSchema = z.strictObject({
  durationMs: z.number().positive().optional(),
  warmupRequests: z.number().int().nonnegative().optional(),
  maxRequests: positiveInt.optional(),
  arrival: z.enum(["fixed", "poisson"]).optional(),
  /** Open loop over HTTP: the most connections the generator may open (default: one second of arrivals). */
  connections: positiveInt.optional(),
  /** A cell whose share of failed requests exceeds this is `failed` (default 0.01). */
  maxErrorRate: z.number().min(0).max(1).optional(),
});

const variantSchema = z.union([z.string().min(1), z.strictObject({ model: z.string().min(1) })]);

export const onnxTargetSchema = z.strictObject({
  kind: z.literal("onnx"),
  description: z.string().optional(),
  variants: z.record(identifier, variantSchema).refine((v) => Object.keys(v).length > 0, {
    message: "expected at least one variant (name: path/to/model.onnx)",
  }),
  inputs: z.record(z.string(), inputSpecSchema).optional(),
  /** Values for symbolic dimensions other than the batch, e.g. { height: 640 }. */
  dims: z.record(z.string(), positiveInt).optional(),
  /** The variant every other one's outputs are compared with (accuracy against a reference). */
  reference: identifier.optional(),
  /** How the accuracy is measured: `samples` seeded input sets (default 16), outside the timed loops. */
  accuracy: z.strictObject({ samples: positiveInt.max(10_000).optional() }).optional(),
  graphOptimization: z.enum(GRAPH_OPTIMIZATION).optional(),
  matrix: matrixSchema.optional(),
  /** Overrides of the suite's measurement plan for this target's cells. */
  measure: measureSchema.optional(),
  load: loadSchema.optional(),
});

export const PROTOCOLS = ["kserve-v2", "tfserving", "json"] as const;

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
  timeoutMs: z.number().positive().optional(),
  /** json: the request body, with placeholders for generated tensors (see src/runners/http/json-template.ts). */
  body: z.string().optional(),
  tfserving: z
    .strictObject({
      format: z.enum(["instances", "inputs"]).optional(),
      signatureName: z.string().optional(),
      version: positiveInt.optional(),
    })
    .optional(),
  inputs: z.record(z.string(), inputSpecSchema).optional(),
  dims: z.record(z.string(), positiveInt).optional(),
  matrix: matrixSchema.optional(),
  load: loadSchema.optional(),
});

export const targetSchema = z.discriminatedUnion("kind", [onnxTargetSchema, httpTargetSchema]);

const relativeThreshold = z.number().positive().max(10);

export const regressionSchema = z.strictObject({
  /** Practical threshold: a relative change smaller than this is never a regression (default 0.05). */
  threshold: relativeThreshold.optional(),
  /** Per-metric thresholds, over `threshold`. */
  thresholds: z.partialRecord(z.enum(METRICS), relativeThreshold).optional(),
  /** The metrics that are compared and can gate (default: all). */
  metrics: z.array(z.enum(METRICS)).min(1).optional(),
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
] as const;

export const suiteSchema = z.strictObject({
  name: identifier,
  description: z.string().optional(),
  seed: z.number().int().nonnegative().optional(),
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
    .strictObject({ min: positiveInt.optional(), max: positiveInt.optional(), targetRelativeCI: z.number().positive().max(1).optional() })
    .refine((t) => t.min === undefined || t.max === undefined || t.min <= t.max, { message: "min must not be larger than max" })
    .optional(),
  regression: regressionSchema.optional(),
  /** A/B inside one run: compare these two variants (or targets) cell by cell after the run. */
  compare: z.strictObject({ base: identifier, head: identifier }).optional(),
  /** How much each fingerprint field matters when comparing runs: must | warn | ignore. */
  environment: z.partialRecord(z.enum(ENV_TOLERANCE_FIELDS), z.enum(TOLERANCES)).optional(),
});
export type SuiteSpec = z.infer<typeof suiteSchema>;
