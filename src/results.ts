import type { OutputDigest } from "./accuracy/digest.js";
import type { CellLabelAccuracy } from "./accuracy/labels.js";
import type { CellAccuracy } from "./accuracy/metrics.js";
import type { Fingerprint } from "./fingerprint/index.js";
import type { TensorPlan } from "./inputs/plan.js";
import type { GeneratorHealth } from "./load/health.js";
import type { LatencyHistogram } from "./load/histogram.js";
import type { LoadErrors, StreamFaultCounts, TraceReplay } from "./load/types.js";
import type { PercentileVerdict } from "./stats/percentile-test.js";
import type { SloMetric } from "./suite/slo.js";
import type { Order } from "./suite/schema.js";

export type { Order } from "./suite/schema.js";
import type { Estimate, LatencySummary } from "./stats/index.js";

/** The shapes of DESIGN.md's `--json` contract; the store reads and writes the same. */

/** `abandoned`: the run's process died (SIGKILL, power loss) and a later command found it gone (src/store/liveness.ts). */
export type RunStatus = "running" | "completed" | "failed" | "interrupted" | "abandoned";
/**
 * `invalid`: measured, but the load generator could not drive the load it was asked for (it fell
 * behind its schedule or its event loop was blocked), so the latencies are partly its own; counted
 * like `failed` for the exit code (3). Stored in the cells table's status column as `failed`.
 */
export type CellStatus = "ok" | "failed" | "skipped" | "invalid";
/** Why a cell's measurement stopped; `duration` ends a load cell's fixed-length test. */
export type StopReason = "converged" | "max-iterations" | "max-time" | "interrupted" | "duration" | "max-trials";

export interface RunInfo {
  id: string;
  suite: string;
  suiteFile: string;
  status: RunStatus;
  startedAt: string;
  finishedAt: string | null;
  seed: number;
  /** How cells were scheduled: interleaved rounds or one after another. */
  order: Order;
  benchVersion: string;
  fingerprint: Fingerprint;
  /** Load, CPU clock and calibration around the run; null while it runs. */
  noise: NoiseReport | null;
  /** The trials (fresh processes) the run measured its cells in; null for a run stored before trials. */
  trials: RunTrials | null;
  /** Absent for a plain run: set for a shard, a load shard, a merged or an imported run (src/scale). */
  origin?: RunOrigin;
}

/** One of N: `index` is 1-based. */
export interface ShardOf {
  index: number;
  count: number;
}

/** A run the merged run was made of: what it was, and the machine it ran on. */
export interface MergedPart {
  /** Where the part was read from (an export file, or DB@RUN). */
  source: string;
  runId: string;
  shard: ShardOf | null;
  loadShard: ShardOf | null;
  /** The merged run's trial number of the part's trial 1 is this + 1. */
  trialOffset: number;
  cells: number;
  fingerprint: Fingerprint;
}

/** Where a run came from when it is not one machine's whole run. */
export interface RunOrigin {
  /** `bench run --shard I/N`: this run measured the I-th of N parts of the matrix. */
  shard?: ShardOf;
  /** `bench run --load-shard I/N`: every load cell sent 1/N of its rate (or concurrency) from this machine. */
  loadShard?: ShardOf;
  /** `bench merge`: the runs it was made of, and how. */
  merged?: { mode: "shards" | "trials" | "load"; parts: MergedPart[]; forced: string[] };
  /** `bench import`: the file it came from (not part of the run: left out of a later export). */
  imported?: { file: string; at: string };
}

/** A stored run as `bench list` shows it: of its fingerprint only the git state, and how many of its cells ended in each status. */
export interface RunListEntry extends Pick<RunInfo, "id" | "suite" | "status" | "startedAt" | "finishedAt"> {
  git: Fingerprint["git"];
  /** Cells by status; a status no cell has may be absent. */
  cells: Partial<Record<CellStatus, number>>;
}

/** One trial: a fresh process that measured every cell of the run once, in its own order. */
export interface TrialInfo {
  trial: number;
  status: "completed" | "failed" | "interrupted";
  startedAt: string;
  finishedAt: string | null;
  /** The fixed CPU-bound canary (median ms of noise.ts's calibration workload) at the trial's start and end. */
  canaryMs: [number, number] | null;
  /** Its canary moved from the run's median by more than the limit: the machine was not itself. */
  disturbed: boolean;
  /** What the trial's own noise check saw (other processes, steal, clock), one line each. */
  notes: string[];
}

export interface RunTrials {
  /** The plan: at least `min` trials, more while the headline statistic is less precise than `targetRelativeCI`, at most `max`. */
  min: number;
  max: number;
  targetRelativeCI: number;
  trials: TrialInfo[];
  /** Median canary over the trials, ms: compared between runs to see whether the machine changed. */
  canaryMs: number | null;
  /** Why no more trials were run. */
  stopReason: "precise" | "max-trials" | "interrupted" | "failed";
}

/** One trial's statistics of a cell: latencies in ms (steady state), throughput in items/s. */
export interface TrialSummary {
  trial: number;
  samples: number;
  samplesDropped: number;
  p50: number;
  p90: number;
  p99: number;
  mean: number;
  throughput: number;
  /** The trial's canary moved, its noise check saw interference while this cell was measured, or it is `slow`. */
  disturbed: boolean;
  /** The cell ran far slower in this trial than in its others (stats/trials.ts slowTrials): a disturbed block. */
  slow?: boolean;
}

/** Latency statistics in ms: the summary's estimates without its bookkeeping. */
export type LatencyMs = Pick<LatencySummary, "p50" | "p90" | "p95" | "p99" | "p999" | "mean" | "stddev" | "min" | "max">;

export interface CellResult {
  id: string;
  target: string;
  variant: string;
  batch: number;
  /** The execution provider; "http" for a remote target. */
  provider: string;
  /** Intra-op threads; null for a remote target. */
  threads: number | null;
  /** Closed-loop load: requests in flight; null when one call is timed at a time. */
  concurrency: number | null;
  /** Open-loop load: target requests per second; null otherwise. */
  rate: number | null;
  /** The model file, as the suite names it (its hash is in the run's fingerprint). */
  model: string | null;
  status: CellStatus;
  error: string | null;
  /** Steady-state samples behind the statistics (warm-up, the first call and the transient excluded). */
  samples: number;
  /** Timed samples MSER-5 found to be warm-up transient, left out of the statistics (kept in the store). */
  samplesDropped: number;
  /** false when MSER-5 found no steady state: the latency drifted through the whole measurement. */
  steadyState: boolean;
  latencyMs: LatencyMs | null;
  /** Serial dependence: lag-1 autocorrelation, integrated autocorrelation time, effective sample size. */
  dependence: LatencySummary["dependence"] | null;
  /** Outlier counts (Tukey fences at 1.5 and 3 IQR; modified z-score above 3.5); never dropped. */
  outliers: LatencySummary["outliers"] | null;
  throughput: (Estimate & { unit: "items/s" }) | null;
  /** The tensors each call fed (name, dtype, shape, fill and its parameters); null when not known (a failed or remote cell). */
  inputs?: TensorPlan[] | null;
  /** On its target's Pareto front over p50, p99, throughput and accuracy (absent when not judged: a lone cell, a load cell). */
  pareto?: boolean;
  /** The cells of the same target that are at least as good on every axis and better on one. */
  dominatedBy?: string[];
  /** The first values of every output on one seeded input (accuracy/digest.ts): a baseline's answer to compare with. */
  outputDigest?: OutputDigest | null;
  /** Against the target's labels (`labels:`), for every variant; absent or null when the target names none. */
  labelAccuracy?: CellLabelAccuracy | null;
  /** onnxruntime's profile of the cell (`bench run --profile`), from calls outside the timed trials; absent when not asked for. */
  profile?: CellProfile | { error: string };
  /** Against the target's reference variant (src/accuracy); null when none is named or for the reference itself. */
  accuracy: CellAccuracy | null;
  coldStart: { sessionCreateMs: number; firstCallMs: number } | null;
  warmupIterations: number | null;
  /** Why the timed loop stopped; `converged` means the headline interval reached its target. */
  stopReason: StopReason | null;
  converged: boolean;
  /** Relative half-width of the headline statistic's 95% interval at the end. */
  relativeCI: number | null;
  elapsedMs: number | null;
  peakRssKb: number | null;
  /** Under load (concurrency or rate): the generator's account of the requests; null for one call at a time. */
  load: LoadSummary | null;
  /** Interference (other processes, steal, clock changes) was seen while this cell was measured. */
  noisy: boolean;
  /**
   * Each trial's statistics of this cell; the latency and throughput intervals are between these
   * (stats/trials.ts). null for a cell measured in one trial only (a load cell, an older run).
   */
  trials: TrialSummary[] | null;
  /** A streaming (openai-chat, openai-completions) cell's generative metrics (docs/LOAD.md); absent for every other cell. */
  generative?: GenerativeSummary | null;
  notes: string[];
}

/** The generative metrics of which the per-request values are kept, by the names `slo:` uses. */
export const GENERATIVE_METRICS = ["ttft", "tpot", "itl", "e2e"] as const;
export type GenerativeMetric = (typeof GENERATIVE_METRICS)[number];

/**
 * A streaming cell's generative metrics (docs/LOAD.md defines each). Every latency is in ms with
 * the same percentiles and intervals as `latencyMs`; `samplesMs` holds the per-request values,
 * index i being the same request in every array (in order of completion).
 */
export interface GenerativeSummary {
  /** Successful requests behind the statistics. */
  requests: number;
  ttftMs: LatencyMs;
  /** null when no request had 2 or more output tokens. */
  tpotMs: LatencyMs | null;
  /** Over every gap between text chunks of every request (vLLM's ITL); null when no request had 2 chunks. */
  itlMs: LatencyMs | null;
  e2eMs: LatencyMs;
  /** Output tokens of one request. */
  outputTokens: { mean: number; min: number; max: number; total: number };
  /** Input tokens of one request (the server's prompt_tokens, else the planned synthetic length); null when unknown. */
  inputTokens: { mean: number; min: number; max: number; total: number } | null;
  /** Aggregate: all output tokens from the first request's start to the last one's end, tokens/s (interval: requests' Poisson count × mean tokens' interval). */
  outputTokensPerS: { value: number; ci: [number, number] | null };
  /** Per request: output tokens / e2e, tokens/s. */
  requestTokensPerS: LatencyMs;
  /** Whose count outputTokens is, request by request, and how a local tokenizer compares with the server's usage. */
  tokens: {
    usage: number;
    tokenizer: number;
    chunks: number;
    tokenizerName: string | null;
    check: { compared: number; differing: number; maxAbsDiff: number; usageTotal: number; tokenizerTotal: number } | null;
  };
  faults: StreamFaultCounts;
  /** Per-request values, ms (tpot null for a 1-token answer; itlMaxMs: the request's longest gap, null under 2 chunks). */
  samplesMs: { ttft: number[]; tpot: (number | null)[]; e2e: number[]; itlMax: (number | null)[]; outputTokens: number[] };
}

/**
 * Where a run's results go as they are measured: the SQLite store implements it; the measurement
 * knows only this, so it does not depend on the store.
 */
export interface RunSink {
  createRun(run: RunInfo & { resolvedSuite: unknown }): void;
  /** One cell, its summary and its raw samples (ns, in measurement order). */
  saveCell(runId: string, ordinal: number, cell: CellResult, latencyNs?: Float64Array): void;
  updateCell(runId: string, cell: CellResult): void;
  finishRun(id: string, status: RunStatus, finishedAt: string, noise: NoiseReport | null, trials: RunTrials | null): void;
}

export interface RunResult {
  run: RunInfo;
  cells: CellResult[];
}

/**
 * Signs that something else used the machine while we measured. Sampled between cells or
 * rounds, never inside a timed loop.
 */
export interface NoiseSample {
  /** ms since the run started. */
  atMs: number;
  load1: number;
  /** Mean current clock of the logical CPUs, MHz (0 where the OS does not say). */
  cpuMHz: number;
  /** Share of the machine's CPU time used by other processes since the previous sample, 0..1 (null off Linux). */
  othersCpu: number | null;
  /** Share of CPU time the hypervisor gave to other guests since the previous sample (null off Linux). */
  steal: number | null;
}

export interface NoiseReport {
  /** Median time of the fixed calibration workload before and after the run, ms. */
  calibrationBeforeMs: number;
  calibrationAfterMs: number;
  samples: NoiseSample[];
  noisy: boolean;
  reasons: string[];
}

/** A load cell's account of its requests. */
export interface LoadSummary {
  mode: "closed" | "open";
  concurrency: number | null;
  targetRate: number | null;
  achievedRate: number;
  sent: number;
  ok: number;
  errors: LoadErrors;
  errorRate: number;
  durationMs: number;
  generatorLagged: boolean;
  maxDispatchLagMs: number;
  /** The generator's own health over the measured phase (src/load/health.ts); absent before it was measured. */
  generator?: GeneratorHealth;
  /** The successful requests' latencies as a mergeable HDR histogram (src/load/histogram.ts); absent in results stored before it. */
  latencyHistogram?: LatencyHistogram;
  /** The suite's SLOs judged on this cell's requests, and its goodput (src/measure/slo.ts); absent when the suite names none. */
  slo?: SloReport;
  /** Trace replay (load.arrival: trace): the trace and how it was replayed; absent for every other load. */
  trace?: TraceReplay;
}

/** An SLO's verdict on one load (src/measure/slo.ts): the binomial test's, or not measured when the cell has no such per-request value. */
export type SloVerdict = PercentileVerdict | "not-measured";

export interface SloCheck {
  slo: string;
  metric: SloMetric;
  thresholdMs: number;
  /** The percentile's sample value over the successful requests, ms; null when not measured. */
  observedMs: number | null;
  /** Requests judged (successful and failed: a failed request did not meet the SLO). */
  n: number;
  /** Of them, those that did not meet it (failures included). */
  over: number;
  verdict: SloVerdict;
  /** Why not measured. */
  reason?: string;
}

export interface SloReport {
  confidence: number;
  /** pass: every SLO passed the test; fail: one failed; undecided: none failed but one could not be decided (or not measured). */
  verdict: PercentileVerdict;
  checks: SloCheck[];
  /**
   * Requests that met every SLO's per-request threshold, and their rate over the measured window
   * (req/s); null when an SLO's metric is not measured on this cell.
   */
  goodput: { requests: number; ratePerS: number; share: number } | null;
}

/** One operator type on one execution provider, in a cell's profile: mean kernel time per profiled call. */
export interface OperatorTime {
  op: string;
  provider: string;
  nodes: number;
  meanUs: number;
  /** Of the summed kernel time of all nodes. */
  share: number;
}

/**
 * What onnxruntime's profiler saw of a cell (its trace's Node events): where the time went by
 * operator, and which execution provider ran each node.
 */
export interface CellProfile {
  /** Profiled calls, after the warm-up calls whose events are left out. */
  calls: number;
  /** onnxruntime's name of the provider the cell asked for (CPUExecutionProvider, CUDAExecutionProvider, …). */
  requested: string;
  /** Summed kernel time of all nodes, per call (µs): less than the call's latency, which also has the session's own work. */
  kernelUs: number;
  /** By operator type and provider, the most time first. */
  operators: OperatorTime[];
  /** Nodes per execution provider. */
  providers: Record<string, number>;
  /** Every node (the slowest first, at most PROFILE_NODES), with the provider that ran it. */
  nodes: { name: string; op: string; provider: string; meanUs: number }[];
  /** Nodes the CPU provider ran although another was asked for (onnxruntime's silent fallback); null when the CPU was asked for. */
  fallback: { nodes: number; of: number; ops: string[] } | null;
}
