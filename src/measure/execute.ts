import { randomBytes } from "node:crypto";
import type { OutputDigest } from "../accuracy/digest.js";
import type { CellLabelAccuracy } from "../accuracy/labels.js";
import type { CellAccuracy } from "../accuracy/metrics.js";
import { type ParetoMark, paretoFront, type TradeOffPoint } from "../accuracy/pareto.js";
import path from "node:path";
import { collectFingerprint } from "../fingerprint/index.js";
import type { CellResult, Order, RunInfo, RunOrigin, RunResult, RunSink, RunStatus, RunTrials, TrialInfo } from "../results.js";
import type { PlannedCell } from "../suite/expand.js";
import { dataFiles, modelFiles, redactSuite, type ResolvedSuite, type TrialPlan } from "../suite/resolve.js";
import { type AggregateInput, aggregateCells, headlinePrecision, judgeTrials, type TrialCell } from "./aggregate.js";

export type { ProgressEvent } from "./lifecycle.js";

/** What the run reads back of its trials: the store implements it. */
export interface TrialSource {
  loadTrials(runId: string): { infos: TrialInfo[]; cells: (TrialCell & { ordinal: number })[] };
}

/** Measures trial `trial` of run `runId` (in a fresh process, or in this one in tests) and resolves when it is stored. */
export type TrialLauncher = (runId: string, trial: number) => Promise<void>;

export interface ExecuteOptions {
  store: RunSink & TrialSource;
  cells: PlannedCell[];
  launch: TrialLauncher;
  order?: Order;
  /** The suite's trial plan, or the command line's. */
  trials?: TrialPlan;
  /** Aborted on an interrupt: no further trial starts, what was measured is kept and the run is marked interrupted. */
  signal?: AbortSignal;
  onTrial?: (e: { trial: number; plan: TrialPlan; phase: "start" | "end" }) => void;
  /**
   * Run the models once more after the trials for what their outputs say (accuracy against the
   * reference and labels, output digests); default true. Off for a runner that runs no model (the
   * fake one of the tests), whose run would otherwise load onnxruntime for nothing.
   */
  outputs?: boolean;
  /** Profile every local cell with onnxruntime's profiler after the trials (profile.ts): operators and the provider of each node. */
  profile?: boolean;
  /** A shard or a load shard of a run spread over machines (src/scale): stored with the run. */
  origin?: RunOrigin;
  now?: () => Date;
}

export function newRunId(): string {
  return randomBytes(6).toString("hex");
}

/**
 * A run: the cells of a suite measured in several trials (each a fresh process, see trial.ts),
 * at least `trials.min`, then one more at a time while some cell's headline statistic is less
 * precise across trials than `trials.targetRelativeCI`, at most `trials.max` (Kalibera & Jones,
 * "Rigorous Benchmarking in Reasonable Time", ISMM 2013: replicate at the level whose variance
 * dominates). Each trial stores its results as it goes; the run's cells are aggregated from them
 * at the end (aggregate.ts), also after an interrupt or a trial that died, so nothing measured is
 * lost.
 */
export async function executeSuite(suite: ResolvedSuite, options: ExecuteOptions): Promise<RunResult> {
  const { store, cells } = options;
  const plan = options.trials ?? suite.trials;
  const now = options.now ?? (() => new Date());
  const signal = options.signal ?? new AbortController().signal;
  const fingerprint = await collectFingerprint(modelFiles(suite), path.dirname(suite.file), suite.file, dataFiles(suite));
  const run: RunInfo = {
    id: newRunId(),
    suite: suite.name,
    suiteFile: suite.file,
    status: "running",
    startedAt: now().toISOString(),
    finishedAt: null,
    seed: suite.seed,
    order: options.order ?? suite.order,
    benchVersion: fingerprint.runtime.bench,
    fingerprint,
    noise: null,
    trials: null,
    ...(options.origin ? { origin: options.origin } : {}),
  };
  store.createRun({ ...run, resolvedSuite: redactSuite(suite), trials: { ...plan, trials: [], canaryMs: null, stopReason: "interrupted" } });

  const stopped = () => signal.aborted;
  let stopReason: RunTrials["stopReason"] = "max-trials";
  let failure: Error | undefined;
  for (let trial = 1; trial <= plan.max; trial++) {
    if (stopped()) {
      stopReason = "interrupted";
      break;
    }
    options.onTrial?.({ trial, plan, phase: "start" });
    try {
      await options.launch(run.id, trial);
    } catch (err) {
      failure = err instanceof Error ? err : new Error(String(err));
      stopReason = "failed";
      break;
    }
    options.onTrial?.({ trial, plan, phase: "end" });
    if (stopped()) {
      stopReason = "interrupted";
      break;
    }
    if (trial >= plan.min && precise(store.loadTrials(run.id).cells, cells, plan.targetRelativeCI)) {
      stopReason = "precise";
      break;
    }
  }

  const stored = store.loadTrials(run.id);
  const judged = judgeTrials(stored.infos);
  const disturbed = new Map(judged.infos.map((t) => [t.trial, t.disturbed]));
  const inputs = new Map<number, AggregateInput>();
  for (const t of stored.cells) {
    const cell = cells[t.ordinal];
    if (!cell) continue;
    const input = inputs.get(t.ordinal) ?? {
      trials: [],
      itemsPerCall: cell.batch,
      disturbed,
      headline: cell.targetSpec.measure.headline,
      targetRelativeCI: plan.targetRelativeCI,
    };
    (input.trials as TrialCell[]).push(t);
    inputs.set(t.ordinal, input);
  }
  // Outputs against the reference variant, outside every timed loop (and not after an interrupt).
  const outputs = options.outputs !== false && !signal.aborted;
  const accuracy =
    outputs && cells.some((c) => c.targetSpec.reference !== null)
      ? await (await import("./accuracy.js")).measureAccuracy(cells, suite.targets, suite.seed, signal)
      : new Map<number, CellAccuracy>();
  const results: CellResult[] = [];
  const trials: RunTrials = { ...plan, trials: judged.infos, canaryMs: judged.canaryMs, stopReason };
  const labelled =
    outputs && cells.some((c) => c.targetSpec.kind === "onnx" && c.targetSpec.labels !== null)
      ? await (await import("./accuracy.js")).measureLabels(cells, suite.seed, signal)
      : new Map<number, CellLabelAccuracy>();
  // Every local cell's answer on one fixed input, for a later gate to compare with (a baseline's digests).
  const digests =
    outputs && cells.some((c) => c.targetSpec.kind === "onnx")
      ? await (await import("./accuracy.js")).measureDigests(cells, suite.seed, signal)
      : new Map<number, OutputDigest>();
  // Where the time goes inside each local cell, in sessions of their own after every timed trial.
  const profiles =
    options.profile === true && !signal.aborted && cells.some((c) => c.targetSpec.kind === "onnx")
      ? await (await import("./profile.js")).measureProfiles(cells, suite.seed, signal)
      : new Map<number, NonNullable<CellResult["profile"]>>();
  const withAccuracy = (index: number, result: CellResult): CellResult => {
    if (result.status !== "ok") return result;
    const labels = labelled.get(index);
    const digest = digests.get(index);
    const profile = profiles.get(index);
    return {
      ...result,
      accuracy: accuracy.get(index) ?? null,
      ...(labels ? { labelAccuracy: labels } : {}),
      ...(digest ? { outputDigest: digest } : {}),
      ...(profile ? { profile } : {}),
    };
  };
  const aggregated = [...aggregateCells(inputs)]
    .sort(([a], [b]) => a - b)
    .map(([index, { result, latencyNs }]) => ({ index, latencyNs, result: withAccuracy(index, result) }));
  const pareto = tradeOff(aggregated.map((a) => ({ cell: cells[a.index], result: a.result })));
  try {
    for (const { index, result, latencyNs } of aggregated) {
      const mark = pareto.get(result.id);
      const marked = mark ? { ...result, pareto: mark.pareto, dominatedBy: mark.dominatedBy } : result;
      store.saveCell(run.id, index, marked, latencyNs);
      results.push(marked);
    }
  } catch (err) {
    // The run's cells could not all be stored (a full disk): the run is failed, not left running
    // (the trials' own results stay stored); marking it may fail for the same reason.
    try {
      store.finishRun(run.id, "failed", now().toISOString(), judged.noise, { ...trials, stopReason: "failed" });
    } catch {
      // The store's error below says what happened; a later command marks the run abandoned.
    }
    throw err;
  }
  const status: RunStatus = signal.aborted
    ? "interrupted"
    : failure !== undefined || results.some((c) => c.status === "failed" || c.status === "invalid")
      ? "failed"
      : "completed";
  const finishedAt = now().toISOString();
  store.finishRun(run.id, status, finishedAt, judged.noise, trials);
  if (failure !== undefined) throw failure;
  return { run: { ...run, status, finishedAt, noise: judged.noise, trials }, cells: results };
}

/**
 * Per target, the Pareto marks of its measured cells (one call at a time) over p50, p99,
 * throughput and accuracy: against labels when the target has them (an error negated), else
 * against the reference, whose own cells count as exact (1) and the others by their first
 * output's top-1 agreement, else its cosine; without either, over latency and throughput alone.
 */
export function tradeOff(measured: readonly { cell: PlannedCell | undefined; result: CellResult }[]): Map<string, ParetoMark> {
  const byTarget = new Map<string, TradeOffPoint[]>();
  for (const { cell, result } of measured) {
    const latency = result.latencyMs;
    if (!cell || result.status !== "ok" || cell.load.mode !== "single" || !latency || !result.throughput) continue;
    const spec = cell.targetSpec;
    const reference = spec.referenceTarget === null ? spec.reference : null;
    let accuracy: number | null = null;
    const labels = result.labelAccuracy;
    // Against labels when the target has them (an error metric negated: higher is better), else against the reference.
    if (labels && !("error" in labels)) accuracy = labels.higherIsBetter ? labels.value : -labels.value;
    else if (reference !== null && cell.variant === reference) accuracy = 1;
    else if (result.accuracy && result.accuracy.error === undefined) {
      const first = Object.values(result.accuracy.outputs)[0];
      accuracy = first ? (first.top1Agreement?.value ?? first.cosine) : null;
    }
    const points = byTarget.get(cell.target) ?? [];
    points.push({ id: result.id, p50: latency.p50.value, p99: latency.p99.value, throughput: result.throughput.value, accuracy });
    byTarget.set(cell.target, points);
  }
  const marks = new Map<string, ParetoMark>();
  for (const points of byTarget.values()) if (points.length >= 2) for (const [id, m] of paretoFront(points)) marks.set(id, m);
  return marks;
}

/** Every timed cell measured so far has its headline interval within ±target across the trials. */
function precise(stored: readonly (TrialCell & { ordinal: number })[], cells: readonly PlannedCell[], target: number): boolean {
  const byCell = new Map<number, { trials: TrialCell[]; itemsPerCall: number; headline: PlannedCell["targetSpec"]["measure"]["headline"] }>();
  for (const t of stored) {
    const cell = cells[t.ordinal];
    if (!cell || cell.load.mode !== "single") continue;
    const entry = byCell.get(t.ordinal) ?? { trials: [], itemsPerCall: cell.batch, headline: cell.targetSpec.measure.headline };
    entry.trials.push(t);
    byCell.set(t.ordinal, entry);
  }
  return [...headlinePrecision(byCell).values()].every((w) => w <= target);
}
