import { UserError } from "../errors.js";
import type { CellResult, TrialSummary } from "../results.js";
import type { CellPair } from "../stats/compare.js";
import { METRICS, type Metric } from "../stats/metrics.js";
import type { TrialStatistics } from "../stats/trials.js";
import { undisturbed } from "../stats/trials.js";
import type { RegressionPolicy } from "../suite/resolve.js";
import { compareEnvironments, type EnvDifference, type Tolerance } from "./env.js";
import type { RunNoise } from "../baseline/format.js";
import { type CanaryCheck, checkCanary, countTrials, type TrialCount } from "./machine.js";
import { compareRows, type DiffComparison, type Unavailable } from "./rows.js";
import { matchKey, type Side } from "./side.js";
import { isRemote } from "../suite/expand.js";

export type { DiffComparison, Unavailable } from "./rows.js";

/** The smallest change a metric's rows could have detected: the median over cells, and the worst cell's. */
export interface MetricSensitivity {
  median: number;
  worst: number;
  rows: number;
}

/** One kind of note and the cells it applies to. */
export interface DiffNote {
  text: string;
  cells: string[];
}

export interface DiffResult {
  base: string;
  head: string;
  baseRun: string;
  headRun: string;
  environment: EnvDifference[];
  thresholds: Partial<Record<Metric, number>>;
  /** Every cell × metric with an interval, in cell order; one Holm family over all of them. */
  comparisons: DiffComparison[];
  /** Cell × metric rows without an interval (one trial, identical trials): no verdict, a blind spot. */
  unavailable: Unavailable[];
  /** Rows whose verdict is `inconclusive`. */
  inconclusive: number;
  /** Per metric compared: the smallest change this comparison could have detected (rows' `minimumDetectable`). */
  sensitivity: Partial<Record<Metric, MetricSensitivity>>;
  canary: CanaryCheck;
  /** How many trials each side was measured in; null for a side stored before trials. */
  trials: { base: TrialCount | null; head: TrialCount | null };
  /** Cells on one side only, by id. */
  onlyInBase: string[];
  onlyInHead: string[];
  /** Cells on both sides that cannot be compared (failed, skipped, no samples). */
  notComparable: { cell: string; reason: string }[];
  /** What a reader should know about how some cells were compared, one entry per kind. */
  notes: DiffNote[];
  noisy: { base: boolean; head: boolean };
  /**
   * Run-to-run noise from `bench calibrate` (a baseline's), applied across runs to the rows
   * compared from samples (`method: "samples"`); rows compared between trials measure it
   * themselves. `none` inside one run, or when no side carries a calibration.
   */
  runNoise: { source: "none" | "calibrated"; runs: number; metrics: Partial<Record<Metric, number>> };
}

export interface DiffOptions {
  policy: RegressionPolicy;
  environment?: Partial<Record<string, Tolerance>>;
  seed?: number;
  resamples?: number;
}

const NOT_MEASURED =
  "run-to-run variation not measured: compared from each run's samples, without trials on both sides or a calibration ('bench calibrate'), so the interval may be too narrow";
const ONE_SIDE_TRIALS = "measured in trials on one side only (a baseline stored before trials?): compared from samples";
const FEW_COMMON_TRIALS = "fewer than 2 trials on both sides: compared from samples";

/**
 * Match the cells of two sides and compare every metric of every matched pair (compare/rows.ts),
 * with Holm's correction across all of them. A cell is named by its id, or for an A/B of two
 * variants (targets) of one run by its id with `BASE→HEAD` in the variant (target) place.
 */
export function diffSides(base: Side, head: Side, options: DiffOptions): DiffResult {
  if ((base.selector?.kind ?? null) !== (head.selector?.kind ?? null)) {
    throw new UserError(`${base.label} vs ${head.label}: pick a variant (or a target) on both sides, or on neither`);
  }
  const remote = (s: Side) => s.cells.some(isRemote);
  const acrossKinds = base.selector?.kind === "target" && remote(base) !== remote(head);
  const byKey = (side: Side) => {
    const map = new Map(side.cells.map((c) => [matchKey(c, side, acrossKinds), c]));
    if (map.size < side.cells.length) {
      throw new UserError(
        `${side.label}: several cells differ only in provider or threads, which a remote target has no counterpart for; run the local target with one provider and thread count`,
      );
    }
    return map;
  };
  const baseByKey = byKey(base);
  const headByKey = byKey(head);
  const name = (key: string) => key.replace("*", `${base.selector?.name}→${head.selector?.name}`);
  const onlyInBase = [...baseByKey.keys()].filter((k) => !headByKey.has(k)).map((k) => baseByKey.get(k)?.id ?? k);
  const onlyInHead = [...headByKey.keys()].filter((k) => !baseByKey.has(k)).map((k) => headByKey.get(k)?.id ?? k);
  const common = [...headByKey.keys()].filter((k) => baseByKey.has(k));
  if (common.length === 0) {
    throw new UserError(`${base.label} and ${head.label} have no cell in common (base: ${base.cells.length} cells, head: ${head.cells.length})`);
  }

  // Inside one run trial k of both sides ran in one process: pair them. Across runs, each run's
  // trials measure its own run-to-run spread; a calibration is used only where there are none.
  const sameRun = base.runId === head.runId;
  const noise: RunNoise | null = sameRun ? null : (base.runNoise ?? head.runNoise ?? null);
  const calibrated = noise !== null && noise.runs > 0;
  const notComparable: DiffResult["notComparable"] = [];
  const notes = new Notes();
  const trialPairs: Parameters<typeof compareRows>[0]["trialPairs"][number][] = [];
  const samplePairs: CellPair[] = [];
  const cellOrder: string[] = [];
  for (const key of common) {
    const b = baseByKey.get(key) as CellResult;
    const h = headByKey.get(key) as CellResult;
    const cell = base.selector ? name(key) : key;
    cellOrder.push(cell);
    const why = b.status !== "ok" ? `base is ${b.status}` : h.status !== "ok" ? `head is ${h.status}` : undefined;
    if (why) {
      notComparable.push({ cell, reason: why });
      continue;
    }
    // An open loop's throughput was imposed by its schedule: there is none to compare.
    const metrics = h.rate !== null ? options.policy.metrics.filter((m) => m !== "throughput") : options.policy.metrics;
    const trials = trialsToCompare(b.trials, h.trials, sameRun);
    if (trials) {
      trialPairs.push({ cell, base: trials.base, head: trials.head, metrics });
      continue;
    }
    const bs = base.steadySamplesMs(b.id);
    const hs = head.steadySamplesMs(h.id);
    if (!bs || !hs || bs.length < 2 || hs.length < 2) {
      notComparable.push({ cell, reason: "no samples stored" });
      continue;
    }
    if ((b.trials !== null) !== (h.trials !== null)) notes.add(ONE_SIDE_TRIALS, cell);
    else if (sameRun && b.trials !== null) notes.add(FEW_COMMON_TRIALS, cell);
    if (!sameRun && !calibrated) notes.add(NOT_MEASURED, cell);
    // A closed loop's throughput is N·batch per mean latency (Little's law).
    samplePairs.push({
      cell,
      base: bs,
      head: hs,
      itemsPerCall: h.batch * (h.concurrency ?? 1),
      ...(h.rate !== null ? { metrics } : {}),
      ...(calibrated ? { runNoise: cellNoise(noise, h.id) } : {}),
    });
  }

  const thresholds = { ...options.policy.thresholds };
  let rows: ReturnType<typeof compareRows> = { comparisons: [], unavailable: [] };
  try {
    rows = compareRows({
      trialPairs,
      paired: sameRun,
      samplePairs,
      metrics: options.policy.metrics,
      thresholds,
      cellOrder,
      seed: options.seed ?? 1,
      ...(options.resamples ? { resamples: options.resamples } : {}),
    });
  } catch (err) {
    // Values that are not positive latencies can only come from a hand-edited or broken file.
    if (err instanceof RangeError) throw new UserError(`${base.label} vs ${head.label}: ${err.message}`);
    throw err;
  }
  for (const u of rows.unavailable) notes.add(`no interval, so no verdict: ${u.reason}`, u.cell);
  // An A/B of two variants compares two models on purpose: only the machine is checked then.
  const models = base.selector
    ? []
    : common.flatMap((key) => {
        const b = baseByKey.get(key)?.model;
        const h = headByKey.get(key)?.model;
        return b && h ? [{ cell: key, base: b, head: h }] : [];
      });
  const environment = sameRun ? [] : compareEnvironments(base.fingerprint, head.fingerprint, options.environment, models);
  const matched = (byK: Map<string, CellResult>) => common.flatMap((k) => byK.get(k) ?? []);
  return {
    base: base.label,
    head: head.label,
    baseRun: base.runId,
    headRun: head.runId,
    environment,
    thresholds,
    comparisons: rows.comparisons,
    unavailable: rows.unavailable,
    inconclusive: rows.comparisons.filter((c) => c.verdict === "inconclusive").length,
    sensitivity: sensitivityOf(rows.comparisons),
    canary: checkCanary(base, head, sameRun),
    trials: { base: countTrials(base, matched(baseByKey)), head: countTrials(head, matched(headByKey)) },
    onlyInBase,
    onlyInHead,
    notComparable,
    notes: notes.list(),
    noisy: { base: base.noisy, head: head.noisy },
    runNoise: calibrated ? { source: "calibrated", runs: noise.runs, metrics: noise.metrics } : { source: "none", runs: 0, metrics: {} },
  };
}

/**
 * The per-trial statistics to compare, or null for the sample path. Paired (one run): the trials
 * present on both sides, by trial number, at least 2. Unpaired: at least 2 trials on each side.
 */
function trialsToCompare(
  base: readonly TrialSummary[] | null,
  head: readonly TrialSummary[] | null,
  paired: boolean,
): { base: TrialStatistics[]; head: TrialStatistics[] } | null {
  if (!base || !head) return null;
  base = undisturbed(base);
  head = undisturbed(head);
  const stats = (t: TrialSummary): TrialStatistics => ({ p50: t.p50, p90: t.p90, p99: t.p99, mean: t.mean, throughput: t.throughput });
  if (!paired) return base.length >= 2 && head.length >= 2 ? { base: base.map(stats), head: head.map(stats) } : null;
  const headByTrial = new Map(head.map((t) => [t.trial, t]));
  const both = [...base].filter((t) => headByTrial.has(t.trial)).sort((x, y) => x.trial - y.trial);
  if (both.length < 2) return null;
  return { base: both.map(stats), head: both.map((t) => stats(headByTrial.get(t.trial) as TrialSummary)) };
}

function sensitivityOf(rows: readonly DiffComparison[]): DiffResult["sensitivity"] {
  const out: DiffResult["sensitivity"] = {};
  for (const metric of METRICS) {
    const values = rows
      .filter((r) => r.metric === metric)
      .map((r) => r.minimumDetectable)
      .sort((a, b) => a - b);
    if (values.length === 0) continue;
    const mid = Math.floor(values.length / 2);
    const median = values.length % 2 ? (values[mid] as number) : ((values[mid - 1] as number) + (values[mid] as number)) / 2;
    out[metric] = { median, worst: values.at(-1) as number, rows: values.length };
  }
  return out;
}

/** Notes grouped by text, in the order first seen, each cell once. */
class Notes {
  private readonly byText = new Map<string, string[]>();
  add(text: string, cell: string): void {
    const cells = this.byText.get(text) ?? [];
    if (!cells.includes(cell)) cells.push(cell);
    this.byText.set(text, cells);
  }
  list(): DiffNote[] {
    return [...this.byText].map(([text, cells]) => ({ text, cells }));
  }
}

/** A cell's run-to-run noise: its own calibrated figure, never below the metric's pooled one. */
function cellNoise(noise: RunNoise, cellId: string): Partial<Record<Metric, number>> {
  const own = noise.cells[cellId] ?? {};
  const metrics = new Set([...Object.keys(noise.metrics), ...Object.keys(own)]) as Set<Metric>;
  return Object.fromEntries([...metrics].map((m) => [m, Math.max(own[m] ?? 0, noise.metrics[m] ?? 0)]));
}
