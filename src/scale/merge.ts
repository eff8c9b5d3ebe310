import { UserError } from "../errors.js";
import { histogramPercentiles, type LatencyHistogram, mergeHistograms } from "../load/histogram.js";
import { emptyErrors, type LoadErrors, type LoadResult } from "../load/types.js";
import { type AggregateInput, aggregateCells, concat, judgeTrials, type TrialCell } from "../measure/aggregate.js";
import { tradeOff } from "../measure/execute.js";
import { measuredLoadCell } from "../measure/cell-result.js";
import type { CellResult, LatencyMs, MergedPart, NoiseReport, RunInfo, RunOrigin, RunStatus, ShardOf, TrialInfo } from "../results.js";
import { msToNs, nsToMs, PERCENTILE_PROBABILITY, PERCENTILES } from "../stats/index.js";
import type { Percentile } from "../stats/metrics.js";
import { type CellLoad, expandCells, type PlannedCell } from "../suite/expand.js";
import type { ResolvedSuite } from "../suite/resolve.js";
import { type Conflict, describeConflict, mustMatchConflicts } from "./must-match.js";
import type { RunData } from "./transfer.js";

export interface Part {
  /** Where it was read from: an export file, or DB@RUN. */
  source: string;
  data: RunData;
}

export interface MergeOptions {
  /** The parts are runs of the same cells (a fleet of identical runners): each cell's trials from every part. */
  asTrials?: boolean;
  /** Merge even when a must-match field of the fingerprints differs (the fields are recorded in the run). */
  force?: boolean;
  /** The merged run's id. */
  id: string;
}

export interface Merged {
  data: RunData;
  /** What the user should know (a shard missing, a forced difference), one line each. */
  warnings: string[];
}

type TrialRow = RunData["trials"]["cells"][number];
type Mode = NonNullable<RunOrigin["merged"]>["mode"];

/**
 * Several runs into one (`bench merge`). Shards of one suite: the union of their cells, each cell
 * once. Runs of the same cells on machines of one type (`asTrials`): each cell's trials from
 * every part, its statistics between all of them as if one machine had run them all. Load
 * shards: each load cell's requests from every part as one load (counts and rates added,
 * percentiles of the union of the requests, its latency histograms added), the other cells as
 * extra trials. Trials are renumbered (part after part) so that each number is one process.
 */
export function mergeRuns(parts: readonly Part[], options: MergeOptions): Merged {
  const first = parts[0];
  if (!first || parts.length < 2) throw new UserError("give at least two parts (export files or results databases)");
  const warnings: string[] = [];
  const suites = new Set(parts.map((p) => p.data.run.suite));
  if (suites.size > 1) throw new UserError(`the parts are runs of different suites (${[...suites].join(", ")}); merge runs of one suite`);
  const seen = new Map<string, string>();
  for (const p of parts) {
    const other = seen.get(p.data.run.id);
    if (other !== undefined) throw new UserError(`${other} and ${p.source} are the same run (${p.data.run.id}): give each part once`);
    seen.set(p.data.run.id, p.source);
  }
  const forced = checkFingerprints(parts, options.force === true, warnings);
  const mode = mergeMode(parts, options.asTrials === true, warnings);

  // Part after part, each trial a number of its own.
  let offset = 0;
  const renumbered = parts.map((p) => {
    const trialOffset = offset;
    offset += Math.max(0, ...p.data.trials.infos.map((t) => t.trial), ...p.data.trials.cells.map((t) => t.trial));
    return { part: p, trialOffset };
  });
  const renumber = (result: CellResult, by: number): CellResult =>
    result.trials ? { ...result, trials: result.trials.map((t) => ({ ...t, trial: t.trial + by })) } : result;

  // Every cell id, in the matrix's order when the suite can say it, else in the order of the parts.
  const byId = new Map<string, { source: string; trialOffset: number; cell: RunData["cells"][number]; trials: TrialRow[] }[]>();
  for (const { part, trialOffset } of renumbered) {
    for (const cell of part.data.cells) {
      const trials = part.data.trials.cells.filter((t) => t.result.id === cell.result.id);
      byId.set(cell.result.id, [...(byId.get(cell.result.id) ?? []), { source: part.source, trialOffset, cell, trials }]);
    }
  }
  const order = matrixOrder(first.data.resolvedSuite, [...byId.keys()]);
  // A suite stored by another bench may lack what this one's has: every key is looked up with care.
  type StoredTarget = { name: string; measure?: Partial<ResolvedSuite["measure"]>; load?: { maxErrorRate?: number } };
  const suite = first.data.resolvedSuite as { targets?: StoredTarget[] } | null;
  const targetOf = (name: string) => suite?.targets?.find((t) => t.name === name);

  const infos: TrialInfo[] = renumbered.flatMap(({ part, trialOffset }) => part.data.trials.infos.map((t) => ({ ...t, trial: t.trial + trialOffset })));
  const judged = mode === "shards" ? { infos, canaryMs: null, noise: null } : judgeTrials(infos);
  const disturbed = new Map(judged.infos.map((t) => [t.trial, t.disturbed]));
  const plan = first.data.run.trials;

  const cells: RunData["cells"] = [];
  const trialCells: TrialRow[] = [];
  for (const id of order) {
    const from = byId.get(id) ?? [];
    const ordinal = cells.length;
    const own = from.flatMap((f) => f.trials.map((t) => ({ ...t, trial: t.trial + f.trialOffset, ordinal, result: renumber(t.result, f.trialOffset) })));
    trialCells.push(...own);
    const one = from[0];
    if (!one) continue;
    if (from.length === 1) {
      cells.push({ ordinal, result: renumber(one.cell.result, one.trialOffset), latencyNs: one.cell.latencyNs });
      continue;
    }
    if (mode === "shards") {
      throw new UserError(
        `cell ${id} is in ${from.map((f) => f.source).join(" and ")}: shards of a run never share a cell; ` +
          "to merge runs of the same cells as extra trials, pass --as-trials",
      );
    }
    if (one.cell.result.load !== null) {
      cells.push({ ordinal, ...unionLoad(from, mode === "load", targetOf(one.cell.result.target)?.load?.maxErrorRate ?? 0.01) });
      continue;
    }
    const input: AggregateInput = {
      trials: own satisfies TrialCell[],
      itemsPerCall: one.cell.result.batch,
      disturbed,
      headline: targetOf(one.cell.result.target)?.measure?.headline ?? "p50",
      targetRelativeCI: plan?.targetRelativeCI ?? 0.01,
    };
    const aggregated = aggregateCells(new Map([[ordinal, input]])).get(ordinal);
    if (!aggregated) continue;
    // What the run itself adds after its trials (its outputs against the reference): the first part's.
    const { accuracy, labelAccuracy, outputDigest } = one.cell.result;
    const extra = {
      ...(labelAccuracy ? { labelAccuracy } : {}),
      ...(outputDigest ? { outputDigest } : {}),
    };
    const result = aggregated.result.status === "ok" ? { ...aggregated.result, accuracy, ...extra } : aggregated.result;
    cells.push({ ordinal, result: { ...result, notes: [...result.notes, `merged: trials from ${from.length} machines`] }, latencyNs: aggregated.latencyNs });
  }

  // The Pareto marks are over a target's cells: a shard saw only some of them, so they are judged again over all.
  remark(cells, first.data.resolvedSuite);

  const runs = parts.map((p) => p.data.run);
  const mergedParts: MergedPart[] = renumbered.map(({ part, trialOffset }) => ({
    source: part.source,
    runId: part.data.run.id,
    shard: part.data.run.origin?.shard ?? null,
    loadShard: part.data.run.origin?.loadShard ?? null,
    trialOffset,
    cells: part.data.cells.length,
    fingerprint: part.data.run.fingerprint,
  }));
  const status = worstStatus([
    ...runs.map((r) => r.status),
    ...(cells.some((c) => c.result.status === "failed" || c.result.status === "invalid") ? ["failed" as const] : []),
  ]);
  const finished = runs.map((r) => r.finishedAt);
  const run: RunInfo = {
    ...first.data.run,
    id: options.id,
    status,
    startedAt: runs.map((r) => r.startedAt).sort()[0] ?? first.data.run.startedAt,
    finishedAt: finished.includes(null) ? null : ([...finished].sort().pop() ?? null),
    noise: judged.noise ?? mergedNoise(parts),
    trials: plan
      ? {
          ...plan,
          trials: judged.infos,
          canaryMs: judged.canaryMs ?? plan.canaryMs,
          stopReason: status === "interrupted" ? "interrupted" : runs.every((r) => r.trials?.stopReason === "precise") ? "precise" : "max-trials",
        }
      : null,
    origin: { merged: { mode, parts: mergedParts, forced } },
  };
  return { data: { run, resolvedSuite: first.data.resolvedSuite, cells, trials: { infos: judged.infos, cells: trialCells } }, warnings };
}

/** The must-match fields the parts differ on: refused, or with --force said and returned. */
function checkFingerprints(parts: readonly Part[], force: boolean, warnings: string[]): string[] {
  const conflicts: Conflict[] = mustMatchConflicts(
    parts.map((p) => ({ label: p.source, fingerprint: p.data.run.fingerprint, resolvedSuite: p.data.resolvedSuite })),
  );
  const firstConflict = conflicts[0];
  if (!firstConflict) return [];
  if (!force) {
    const more =
      conflicts.length > 1
        ? ` (and ${conflicts
            .slice(1)
            .map((c) => c.field)
            .join(", ")})`
        : "";
    throw new UserError(`${describeConflict(firstConflict)}${more}: parts of one run must match there; pass --force to merge them anyway`);
  }
  for (const c of conflicts) warnings.push(`merged with --force although ${describeConflict(c)}`);
  return conflicts.map((c) => c.field);
}

/** How the parts go together, from what they say they are. */
function mergeMode(parts: readonly Part[], asTrials: boolean, warnings: string[]): Mode {
  const loadShards = parts.map((p) => p.data.run.origin?.loadShard);
  if (loadShards.some((s) => s !== undefined)) {
    checkShards(parts, loadShards, "--load-shard", (missing, n) => {
      throw new UserError(
        `load shard${missing.length > 1 ? "s" : ""} ${missing.join(", ")} of ${n} missing: the load would be short of its rate; give every load shard`,
      );
    });
    return "load";
  }
  if (asTrials) return "trials";
  checkShards(
    parts,
    parts.map((p) => p.data.run.origin?.shard),
    "--shard",
    (missing, n) => warnings.push(`shard${missing.length > 1 ? "s" : ""} ${missing.join(", ")} of ${n} missing: the merged run lacks their cells`),
  );
  return "shards";
}

function checkShards(parts: readonly Part[], shards: (ShardOf | undefined)[], flag: string, onMissing: (missing: number[], count: number) => void): void {
  const given = shards.flatMap((s, i) => (s ? [{ s, source: parts[i]?.source ?? "" }] : []));
  if (given.length === 0) return;
  if (given.length < parts.length) {
    const plain = parts.filter((_, i) => !shards[i]).map((p) => p.source);
    throw new UserError(`${plain.join(", ")} ${plain.length > 1 ? "are not" : "is not a"} ${flag} run${plain.length > 1 ? "s" : ""}, unlike the other parts`);
  }
  const counts = new Set(given.map((g) => g.s.count));
  if (counts.size > 1) throw new UserError(`the parts were split in different ways (${flag} of ${[...counts].join(" and ")} parts)`);
  const count = given[0]?.s.count ?? 1;
  const seen = new Map<number, string>();
  for (const g of given) {
    const other = seen.get(g.s.index);
    if (other !== undefined) throw new UserError(`${other} and ${g.source} are both ${flag} ${g.s.index}/${count}`);
    seen.set(g.s.index, g.source);
  }
  const missing = Array.from({ length: count }, (_, i) => i + 1).filter((i) => !seen.has(i));
  if (missing.length > 0) onMissing(missing, count);
}

function remark(cells: RunData["cells"], resolvedSuite: unknown): void {
  let planned: Map<string, PlannedCell>;
  try {
    planned = new Map(expandCells(resolvedSuite as ResolvedSuite).map((c) => [c.id, c]));
  } catch {
    return; // a suite stored by another bench: the parts' own marks stay
  }
  const marks = tradeOff(cells.map((c) => ({ cell: planned.get(c.result.id), result: c.result })));
  for (const c of cells) {
    const { pareto: _p, dominatedBy: _d, ...rest } = c.result;
    const mark = marks.get(c.result.id);
    c.result = mark ? { ...rest, pareto: mark.pareto, dominatedBy: mark.dominatedBy } : rest;
  }
}

/** The cell ids in the order of the suite's matrix, those it does not list after them. */
function matrixOrder(resolvedSuite: unknown, ids: readonly string[]): string[] {
  let matrix: string[] = [];
  try {
    matrix = expandCells(resolvedSuite as ResolvedSuite).map((c) => c.id);
  } catch {
    // A suite stored by another version of bench: the parts' order.
  }
  const present = new Set(ids);
  const listed = matrix.filter((id) => present.has(id));
  const seen = new Set(listed);
  return [...listed, ...ids.filter((id) => !seen.has(id))];
}

const STATUS_RANK: readonly RunStatus[] = ["completed", "failed", "abandoned", "interrupted", "running"];
function worstStatus(statuses: readonly RunStatus[]): RunStatus {
  return statuses.reduce((a, b) => (STATUS_RANK.indexOf(b) > STATUS_RANK.indexOf(a) ? b : a), "completed");
}

function mergedNoise(parts: readonly Part[]): NoiseReport | null {
  const noises = parts.flatMap((p) => (p.data.run.noise ? [{ source: p.source, noise: p.data.run.noise }] : []));
  const head = noises[0];
  const last = noises[noises.length - 1];
  if (!head || !last) return null;
  return {
    calibrationBeforeMs: head.noise.calibrationBeforeMs,
    calibrationAfterMs: last.noise.calibrationAfterMs,
    samples: [],
    noisy: noises.some((n) => n.noise.noisy),
    reasons: noises.flatMap((n) => n.noise.reasons.map((r) => `${n.source}: ${r}`)),
  };
}

function addErrors(a: LoadErrors, b: LoadErrors): LoadErrors {
  const status = { ...a.status };
  for (const [code, n] of Object.entries(b.status)) status[code] = (status[code] ?? 0) + n;
  return {
    status,
    timeouts: a.timeouts + b.timeouts,
    refused: a.refused + b.refused,
    dns: (a.dns ?? 0) + (b.dns ?? 0),
    reset: a.reset + b.reset,
    malformed: a.malformed + b.malformed,
    tooLarge: (a.tooLarge ?? 0) + (b.tooLarge ?? 0),
    other: a.other + b.other,
  };
}

/**
 * One load cell from several machines. `concurrent` (load shards): they sent their shares of
 * one load at once, so rates and in-flight requests add up; otherwise (extra trials) they are
 * replicates of the same load, so the rate is their mean. Either way the latencies are of every
 * request: percentiles of the union, from the raw samples when every part has them, else from
 * the parts' histograms added up, never averaged percentiles. A part whose cell failed or was
 * invalid decides the cell: its error, named.
 */
function unionLoad(
  from: readonly { source: string; cell: RunData["cells"][number] }[],
  concurrent: boolean,
  maxErrorRate: number,
): { result: CellResult; latencyNs: Float64Array | undefined } {
  const bad = from.find((f) => f.cell.result.status !== "ok");
  const head = from[0]?.cell.result as CellResult;
  if (bad) {
    const r = bad.cell.result;
    return { result: { ...r, error: `${bad.source}: ${r.error ?? r.status}` }, latencyNs: undefined };
  }
  const loads = from.map((f) => f.cell.result.load).filter((l) => l !== null);
  const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
  const n = from.length;
  const load: CellLoad =
    head.rate !== null
      ? { mode: "open", rate: concurrent ? sum(from.map((f) => f.cell.result.rate ?? 0)) : head.rate }
      : { mode: "closed", concurrency: concurrent ? sum(from.map((f) => f.cell.result.concurrency ?? 0)) : (head.concurrency ?? 1) };
  const samples = from.map((f) => f.cell.latencyNs);
  const complete = samples.every((s, i) => s !== undefined && s.length === loads[i]?.ok);
  const latenciesNs = complete ? concat(samples as Float64Array[]) : new Float64Array(0);
  const achieved = sum(loads.map((l) => l.achievedRate));
  const r: LoadResult = {
    latenciesNs,
    sent: sum(loads.map((l) => l.sent)),
    ok: sum(loads.map((l) => l.ok)),
    errors: loads.map((l) => l.errors).reduce(addErrors, emptyErrors()),
    errorCount: sum(loads.map((l) => l.sent - l.ok)),
    durationNs: msToNs(Math.max(...loads.map((l) => l.durationMs))),
    targetRate: loads.every((l) => l.targetRate !== null) ? (concurrent ? sum(loads.map((l) => l.targetRate ?? 0)) : (loads[0]?.targetRate ?? null)) : null,
    achievedRate: concurrent ? achieved : achieved / n,
    generatorLagged: loads.some((l) => l.generatorLagged),
    maxDispatchLagNs: msToNs(Math.max(...loads.map((l) => l.maxDispatchLagMs))),
    // A replayed trace: load shards each scheduled their share of it.
    ...(loads[0]?.trace
      ? { trace: { ...loads[0].trace, scheduled: concurrent ? sum(loads.map((l) => l.trace?.scheduled ?? 0)) : loads[0].trace.scheduled } }
      : {}),
  };
  const cold = head.coldStart;
  const histograms = loads.map((l) => l.latencyHistogram).filter((h): h is LatencyHistogram => h !== undefined);
  const histogram = histograms.length === n ? mergeHistograms(histograms) : undefined;
  const note = concurrent
    ? `merged: one load sent from ${n} machines (${from.map((f) => f.source).join(", ")}); percentiles over all their requests`
    : `merged: the same load measured on ${n} machines; percentiles over all their requests, the rate their mean`;
  if (complete) {
    const result = measuredLoadCell({ ...head, load, variantSpec: head.model !== null ? { model: head.model } : undefined }, r, {
      sessionCreateMs: cold?.sessionCreateMs ?? 0,
      itemsPerCall: head.batch,
      firstCallNs: msToNs(cold?.firstCallMs ?? 0),
      warmupIterations: head.warmupIterations ?? 0,
      peakRssKb: Math.max(...from.map((f) => f.cell.result.peakRssKb ?? 0)),
      maxErrorRate,
    });
    const withHistogram = histogram && result.load ? { ...result.load, latencyHistogram: histogram } : result.load;
    return { result: { ...result, inputs: head.inputs ?? null, load: withHistogram, notes: [...result.notes, note] }, latencyNs: latenciesNs };
  }
  if (!histogram) throw new UserError(`load cell ${head.id}: a part has neither its samples nor its latency histogram; export the parts again`);
  return {
    result: fromHistogram(
      head,
      from.map((f) => f.cell.result),
      r,
      histogram,
      concurrent,
      note,
    ),
    latencyNs: undefined,
  };
}

/** A load cell known only by its parts' histograms: percentiles without intervals (a histogram has no order to bootstrap). */
function fromHistogram(
  head: CellResult,
  results: readonly CellResult[],
  r: LoadResult,
  histogram: LatencyHistogram,
  concurrent: boolean,
  note: string,
): CellResult {
  const values = histogramPercentiles(
    histogram,
    PERCENTILES.map((p) => PERCENTILE_PROBABILITY[p] * 100),
  );
  const est = (ns: number) => ({ value: nsToMs(ns), ci: null });
  // The mean, spread and extremes of the union are exact from the parts' own (pooled variance).
  const parts = results.map((c) => ({ n: c.samples, l: c.latencyMs as LatencyMs }));
  const total = parts.reduce((a, p) => a + p.n, 0);
  const mean = parts.reduce((a, p) => a + p.n * p.l.mean.value, 0) / total;
  const squares = parts.reduce((a, p) => a + (p.n - 1) * p.l.stddev ** 2 + p.n * (p.l.mean.value - mean) ** 2, 0);
  const latencyMs = {
    ...Object.fromEntries(PERCENTILES.map((p: Percentile, i) => [p, est(values[i] ?? NaN)])),
    mean: { value: mean, ci: null },
    stddev: Math.sqrt(squares / Math.max(1, total - 1)),
    min: Math.min(...parts.map((p) => p.l.min)),
    max: Math.max(...parts.map((p) => p.l.max)),
  } as LatencyMs;
  const headLoad = head.load;
  return {
    ...head,
    samples: r.ok,
    latencyMs,
    dependence: null,
    outliers: null,
    throughput: { value: r.achievedRate * head.batch, ci: null, unit: "items/s" },
    load: headLoad
      ? {
          ...headLoad,
          sent: r.sent,
          ok: r.ok,
          errors: r.errors,
          errorRate: r.sent > 0 ? r.errorCount / r.sent : 0,
          achievedRate: r.achievedRate,
          targetRate: r.targetRate,
          latencyHistogram: histogram,
        }
      : null,
    rate: concurrent && head.rate !== null ? (r.targetRate ?? head.rate) : head.rate,
    notes: [...head.notes, note, "merged from latency histograms alone: percentiles within 0.1%, without intervals"],
  };
}
