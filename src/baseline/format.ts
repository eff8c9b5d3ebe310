import { z } from "zod";
import type { Fingerprint } from "../fingerprint/index.js";
import type { CellResult, RunInfo } from "../results.js";
import { METRICS, type Metric, nsToMs } from "../stats/metrics.js";

/**
 * Portable baselines: JSON meant to be committed and reviewed in pull requests.
 *
 * Why raw samples and not a fixed set of quantiles: the comparison bootstraps the change of each
 * metric from the two series in measurement order (their autocorrelation sets the block length),
 * which a table of quantiles cannot give back. Series longer than MAX_SAMPLES keep every k-th
 * sample (systematic thinning): it spans the whole measurement, keeps the order, and thins the
 * dependence rather than inventing any. Values are milliseconds rounded to 6 significant digits,
 * far below the noise of any latency we can measure.
 */
export const BASELINE_FORMAT = "bench-baseline";
export const BASELINE_VERSION = 1;
export const MAX_SAMPLES = 5000;

type CellKey = "id" | "target" | "variant" | "batch" | "provider" | "threads" | "status";

export interface BaselineCell extends Pick<CellResult, CellKey> {
  summary: Omit<CellResult, CellKey>;
  /** Every k-th sample of the run (1 = all). */
  samplesThinning: number;
  samplesMs: number[];
}

/** Standard deviation of one run's log offset, per metric, pooled over cells and per cell. */
export interface RunNoise {
  runs: number;
  metrics: Partial<Record<Metric, number>>;
  cells: Record<string, Partial<Record<Metric, number>>>;
}

export interface Baseline {
  format: typeof BASELINE_FORMAT;
  version: number;
  name: string;
  suite: string;
  createdAt: string;
  run: Omit<RunInfo, "fingerprint">;
  /** Per-metric practical thresholds for comparisons against this baseline (set by hand), or null. */
  thresholds: Partial<Record<Metric, number>> | null;
  /** Run-to-run noise of this machine measured by `bench calibrate`, or null (defaults apply). */
  runNoise: RunNoise | null;
  fingerprint: Fingerprint;
  resolvedSuite: unknown;
  cells: BaselineCell[];
}

const estimateSchema = z.looseObject({ value: z.number(), ci: z.tuple([z.number(), z.number()]).nullable() });
const latencySchema = z.looseObject({
  p50: estimateSchema,
  p90: estimateSchema,
  p95: estimateSchema,
  p99: estimateSchema,
  p999: estimateSchema,
  mean: estimateSchema,
  stddev: z.number(),
  min: z.number(),
  max: z.number(),
});
const trialSummarySchema = z.looseObject({
  trial: z.number().int().positive(),
  samples: z.number().int().nonnegative(),
  p50: z.number(),
  p90: z.number(),
  p99: z.number(),
  mean: z.number(),
  throughput: z.number(),
  disturbed: z.boolean(),
});

/**
 * A cell's statistics as the readers use them (CellResult without its key). Keys that baselines of
 * format 1 had from the start are required; later additions may be missing (cellResultOf fills them).
 */
export const cellSummarySchema = z.looseObject({
  error: z.string().nullable(),
  samples: z.number().int().nonnegative(),
  latencyMs: latencySchema.nullable(),
  throughput: estimateSchema.nullable(),
  coldStart: z.looseObject({ sessionCreateMs: z.number(), firstCallMs: z.number() }).nullable(),
  warmupIterations: z.number().nullable(),
  stopReason: z.string().nullable(),
  converged: z.boolean(),
  relativeCI: z.number().nullable(),
  elapsedMs: z.number().nullable(),
  peakRssKb: z.number().nullable(),
  noisy: z.boolean(),
  notes: z.array(z.string()),
  samplesDropped: z.number().int().nonnegative().optional(),
  steadyState: z.boolean().optional(),
  concurrency: z.number().nullable().optional(),
  rate: z.number().nullable().optional(),
  load: z.looseObject({}).nullable().optional(),
  trials: z.array(trialSummarySchema).nullable().optional(),
});

/** The key of a cell: what matches it across runs. */
export const cellKeySchema = z.looseObject({
  id: z.string().min(1),
  target: z.string(),
  variant: z.string(),
  batch: z.number(),
  provider: z.string(),
  threads: z.number().nullable(),
  status: z.enum(["ok", "failed", "skipped", "invalid"]),
});

const cellSchema = cellKeySchema.extend({
  summary: cellSummarySchema,
  samplesThinning: z.number().int().positive(),
  samplesMs: z.array(z.number().positive()),
});

/** The parts of a fingerprint that comparisons read. */
export const fingerprintSchema = z.looseObject({
  host: z.looseObject({ cpuModel: z.string(), logicalCores: z.number(), arch: z.string() }),
  runtime: z.looseObject({ node: z.string(), onnxruntime: z.string() }),
  models: z.record(z.string(), z.looseObject({ sha256: z.string() })),
});

/** Where zod found the first problem and what it is: `cells.3.summary.samples: expected number, received undefined`. */
export function firstIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  const where = issue ? issue.path.map(String).join(".") || "(top level)" : "(top level)";
  const message = (issue?.message ?? "invalid").replace(/^Invalid input: expected (.+), received undefined$/, "missing (expected $1)");
  return `${where}: ${message}`;
}

const baselineSchema = z.looseObject({
  format: z.literal(BASELINE_FORMAT),
  version: z.number().int(),
  name: z.string(),
  suite: z.string(),
  createdAt: z.string(),
  run: z.looseObject({ id: z.string(), startedAt: z.string() }),
  thresholds: z.partialRecord(z.enum(METRICS), z.number().positive().max(10)).nullable(),
  runNoise: z
    .looseObject({
      runs: z.number().int().nonnegative(),
      metrics: z.partialRecord(z.enum(METRICS), z.number().nonnegative()),
      cells: z.record(z.string(), z.partialRecord(z.enum(METRICS), z.number().nonnegative())),
    })
    .nullable()
    .optional(),
  fingerprint: fingerprintSchema,
  resolvedSuite: z.unknown(),
  cells: z.array(cellSchema),
});

export function thin(samplesNs: Float64Array): { thinning: number; samplesMs: number[] } {
  const thinning = Math.max(1, Math.ceil(samplesNs.length / MAX_SAMPLES));
  const samplesMs: number[] = [];
  for (let i = 0; i < samplesNs.length; i += thinning) samplesMs.push(Number(nsToMs(samplesNs[i] as number).toPrecision(6)));
  return { thinning, samplesMs };
}

export function toBaselineCell(cell: CellResult, samplesNs: Float64Array | undefined): BaselineCell {
  const { id, target, variant, batch, provider, threads, status, ...summary } = cell;
  const { thinning, samplesMs } = samplesNs ? thin(samplesNs) : { thinning: 1, samplesMs: [] };
  return { id, target, variant, batch, provider, threads, status, summary, samplesThinning: thinning, samplesMs };
}

/**
 * Diff-friendly text: two-space indentation and a fixed key order from construction, except that
 * each cell's samples sit on one line, so a change of baseline reads as one changed line per cell.
 */
export function serializeBaseline(b: Baseline): string {
  const placeholders: string[] = [];
  const doc = {
    ...b,
    cells: b.cells.map((c) => {
      placeholders.push(`[${c.samplesMs.join(",")}]`);
      return { ...c, samplesMs: `@@SAMPLES${placeholders.length - 1}@@` };
    }),
  };
  return `${JSON.stringify(doc, null, 2).replace(/"@@SAMPLES(\d+)@@"/g, (_, i: string) => placeholders[Number(i)] ?? "[]")}\n`;
}

/** Parse and check a baseline file's text; errors name the file and what is wrong. */
export function parseBaseline(text: string, file: string): Baseline {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new Error(`${file}: not valid JSON (${err instanceof Error ? err.message : String(err)}); the baseline file is corrupted`);
  }
  const format = (raw as { format?: unknown } | null)?.format;
  if (format !== BASELINE_FORMAT) {
    throw new Error(`${file}: not a bench baseline (expected "format": "${BASELINE_FORMAT}")`);
  }
  const version = (raw as { version?: unknown }).version;
  if (typeof version === "number" && version > BASELINE_VERSION) {
    throw new Error(`${file}: baseline format version ${version} is newer than this bench reads (${BASELINE_VERSION}); upgrade bench`);
  }
  const parsed = baselineSchema.safeParse(raw);
  if (!parsed.success)
    throw new Error(
      `${file}: ${firstIssue(parsed.error)}; the baseline file is corrupted: fix that key, or save the baseline again with 'bench baseline save RUN -n NAME'`,
    );
  // The checked input itself, not zod's copy: its key order is the file's, so a rewrite changes only what changed.
  return raw as Baseline;
}

export function createBaseline(
  name: string,
  run: RunInfo,
  resolvedSuite: unknown,
  cells: BaselineCell[],
  createdAt: Date,
  runNoise: RunNoise | null = null,
): Baseline {
  const { fingerprint, ...info } = run;
  return {
    format: BASELINE_FORMAT,
    version: BASELINE_VERSION,
    name,
    suite: run.suite,
    createdAt: createdAt.toISOString(),
    run: info,
    thresholds: null,
    runNoise,
    fingerprint,
    resolvedSuite,
    cells,
  };
}

/** A baseline cell as the CellResult it was saved from (samples aside). */
export function cellResultOf(c: BaselineCell): CellResult {
  const { samplesMs: _s, samplesThinning: _t, summary, ...key } = c;
  return withLaterKeys({ ...summary, ...key });
}

/** A cell read from a file, with the keys added to CellResult after the file may have been written. */
export function withLaterKeys(cell: Omit<CellResult, keyof typeof LATER_KEYS> & Partial<CellResult>): CellResult {
  return { ...LATER_KEYS, ...cell };
}

/** What a cell of a baseline saved before these keys existed means by their absence. */
const LATER_KEYS = {
  samplesDropped: 0,
  steadyState: true,
  dependence: null,
  outliers: null,
  concurrency: null,
  rate: null,
  load: null,
  trials: null,
} satisfies Partial<CellResult>;
