import type { CellResult, LatencyMs, LoadSummary, SloReport } from "../results.js";
import { type Cell, isRemote, loadFields } from "../suite/expand.js";
import { type LatencySummary, normalQuantile, nsToMs, summarizeLatency, throughput } from "../stats/index.js";
import { significantFall } from "../stats/settle.js";
import { steadyStateCut } from "../stats/steady-cut.js";
import { generatorLimit } from "../load/health.js";
import { recordLatencies } from "../load/histogram.js";
import { describeLoadErrors } from "../load/recorder.js";
import type { LoadResult } from "../load/types.js";
import type { TensorPlan } from "../inputs/plan.js";
import type { Measurement } from "./loop.js";
import { summarizeGenerative } from "./generative.js";
import { evaluateSlos, SLO_CONFIDENCE } from "./slo.js";
import type { Slo } from "../suite/slo.js";
import { describeNoise, type NoiseSample, samplesDuring } from "./noise.js";

/** What a result needs to know of its cell. */
type CellIdentity = Pick<Cell, "id" | "target" | "variant" | "batch" | "provider" | "threads" | "load"> & {
  variantSpec?: { model: string };
};

function base(cell: CellIdentity): Omit<CellResult, "status" | "error"> {
  return {
    id: cell.id,
    target: cell.target,
    variant: cell.variant,
    batch: cell.batch,
    provider: cell.provider,
    threads: cell.threads,
    ...loadFields(cell.load),
    model: cell.variantSpec?.model ?? null,
    samples: 0,
    samplesDropped: 0,
    steadyState: false,
    latencyMs: null,
    dependence: null,
    outliers: null,
    throughput: null,
    inputs: null,
    accuracy: null,
    coldStart: null,
    warmupIterations: null,
    stopReason: null,
    converged: false,
    relativeCI: null,
    elapsedMs: null,
    peakRssKb: null,
    noisy: false,
    trials: null,
    load: null,
    notes: [],
  };
}

function latencyOf(s: LatencySummary): LatencyMs {
  const { p50, p90, p95, p99, p999, mean, stddev, min, max } = s;
  return { p50, p90, p95, p99, p999, mean, stddev, min, max };
}

export function skippedCell(cell: CellIdentity, reason: string): CellResult {
  return { ...base(cell), status: "skipped", error: reason };
}

export function failedCell(cell: CellIdentity, error: string, partial: Partial<CellResult> = {}): CellResult {
  return { ...base(cell), ...partial, status: "failed", error };
}

/**
 * Over this, a fall of the median from the first third of the timed calls to the last third is
 * reported (with their dependence-aware intervals apart, stats/settle.ts): a transient that
 * outlasted the warm-up and that MSER-5 did not cut (a slow decay through the whole series). The
 * fall between thirds is a lower bound of the bias: the decay goes on after the last call.
 */
const FALLING_LIMIT = 0.01;

/** Summarise a finished measurement: latency in ms with intervals, throughput in items/s. */
export function measuredCell(
  cell: CellIdentity,
  m: Measurement,
  extra: { sessionCreateMs: number; itemsPerCall: number; peakRssKb: number; inputs?: TensorPlan[] | undefined; notes?: string[] | undefined },
): CellResult {
  // A warm-up transient that survived the configured warm-up is left out of every statistic when
  // the data show one (MSER-5's cut, kept only when the prefix is detectably slower); the raw
  // series keeps it.
  const steady = steadyStateCut(m.latenciesNs);
  const latenciesMs = Array.from(m.latenciesNs.subarray(steady.truncate), nsToMs);
  const s = summarizeLatency(latenciesMs);
  const latencyMs = latencyOf(s);
  // A percentile without an interval says so itself (ci: null, "no CI" in the table); the notes
  // say why (too few samples, or too few independent ones).
  const notes: string[] = [...s.notes, ...(extra.notes ?? [])];
  if (steady.tested?.reliable === false) notes.push("no steady state found (MSER-5): the latency drifted through the whole measurement");
  if (m.warmupEnd === "process-calls" && m.stopReason !== "interrupted") {
    notes.push(
      `warm-up: ended at its limit (${m.warmupIterations} calls, ${nsToMs(m.warmupNs ?? 0).toFixed(0)} ms) before this process had made the calls ` +
        "(2,000, and 500 ms of them) after which its latency has settled (V8's optimisation of the code around each call): the figures may be slightly high; give the cell more time (measure.maxTimeMs)",
    );
  } else if (m.warmupSettled === false && m.stopReason !== "interrupted") {
    notes.push(
      `warm-up: the latency was still falling when the warm-up reached its limit (${m.warmupIterations} calls, ${nsToMs(m.warmupNs ?? 0).toFixed(0)} ms): ` +
        "the figures may be high; give the cell more time (measure.maxTimeMs)",
    );
  }
  const falling = significantFall(m.latenciesNs.subarray(steady.truncate), FALLING_LIMIT);
  if (falling !== null) {
    notes.push(
      `warm-up: the median of the last third of the timed calls is ${(falling * 100).toFixed(1)}% below the first third's (their 95% intervals apart): ` +
        "the latency was still falling, the figures are biased high; give the warm-up more room (measure.warmupIterations, measure.maxTimeMs)",
    );
  }
  if (m.stopReason !== "converged") {
    notes.push(`did not converge: stopped at ${m.stopReason} with the headline interval at ±${(m.relativeCI * 100).toFixed(1)}%`);
  }
  return {
    ...base(cell),
    status: "ok",
    error: null,
    samples: latenciesMs.length,
    samplesDropped: steady.truncate,
    steadyState: steady.tested?.reliable !== false,
    latencyMs,
    dependence: s.dependence,
    outliers: s.outliers,
    throughput: { ...throughput(latenciesMs, extra.itemsPerCall), unit: "items/s" },
    inputs: extra.inputs ?? null,
    coldStart: { sessionCreateMs: extra.sessionCreateMs, firstCallMs: nsToMs(m.firstCallNs) },
    warmupIterations: m.warmupIterations,
    stopReason: m.stopReason,
    converged: m.stopReason === "converged",
    relativeCI: Number.isFinite(m.relativeCI) ? m.relativeCI : null,
    elapsedMs: nsToMs(m.elapsedNs),
    peakRssKb: extra.peakRssKb,
    notes,
  };
}

/** The cell with `noisy` set and the reasons noted when interference overlapped its measurement. */
export function flagNoise(cell: CellResult, samples: readonly NoiseSample[], fromMs: number, toMs: number): CellResult {
  if (cell.status !== "ok") return cell;
  // A remote cell's server may well run on this machine: its CPU use is the workload, not noise.
  const reasons = describeNoise(samplesDuring(samples, fromMs, toMs), undefined, undefined, { otherProcesses: !isRemote(cell) });
  if (reasons.length === 0) return cell;
  return { ...cell, noisy: true, notes: [...cell.notes, `noisy: ${reasons.join("; ")}`] };
}

/**
 * A cell measured under load. Latency statistics are over the successful requests; the error
 * counts say how many failed, and a cell whose error rate passes the limit is `failed` with its
 * statistics kept. Throughput is what was achieved; its interval comes from the mean latency's
 * (closed loop: by Little's law the rate is N / mean latency) or, for an open loop, from the
 * Poisson count of completions.
 */
export function measuredLoadCell(
  cell: CellIdentity,
  r: LoadResult,
  extra: {
    sessionCreateMs: number;
    itemsPerCall: number;
    firstCallNs: number;
    warmupIterations: number;
    peakRssKb: number;
    maxErrorRate: number;
    /** The suite's SLOs: judged on this cell's requests (binomial test at SLO_CONFIDENCE), with its goodput. */
    slo?: readonly Slo[] | undefined;
  },
): CellResult {
  const errorRate = r.sent > 0 ? r.errorCount / r.sent : 0;
  const load: LoadSummary = {
    mode: cell.load.mode === "closed" ? "closed" : "open",
    concurrency: loadFields(cell.load).concurrency,
    targetRate: r.targetRate,
    achievedRate: r.achievedRate,
    sent: r.sent,
    ok: r.ok,
    errors: r.errors,
    errorRate,
    durationMs: nsToMs(r.durationNs),
    generatorLagged: r.generatorLagged,
    maxDispatchLagMs: nsToMs(r.maxDispatchLagNs),
    ...(r.generator ? { generator: r.generator } : {}),
    ...(r.trace ? { trace: r.trace } : {}),
    ...(extra.slo && extra.slo.length > 0 ? { slo: evaluateSlos(r, extra.slo, SLO_CONFIDENCE) } : {}),
  };
  // A generator that could not drive the load measured its own queueing: the cell is invalid.
  const limit = r.generator ? generatorLimit(r.generator, { inProcess: !isRemote(cell) }) : null;
  const notes: string[] = [];
  if (r.errorCount > 0) notes.push(`${r.errorCount} of ${r.sent} requests failed (${(errorRate * 100).toFixed(2)}%): ${describeLoadErrors(r.errors)}`);
  if (r.generatorLagged && limit === null)
    notes.push(`the load generator fell behind its schedule (up to ${load.maxDispatchLagMs.toFixed(1)} ms late): the offered rate was lower than asked`);
  if (r.targetRate !== null && r.achievedRate < 0.9 * r.targetRate) {
    notes.push(`open loop: only ${r.achievedRate.toFixed(1)} of ${r.targetRate} requests/s succeeded`);
  }
  if (load.slo) notes.push(describeSlo(load.slo));
  const coldStart = { sessionCreateMs: extra.sessionCreateMs, firstCallMs: nsToMs(extra.firstCallNs) };
  const keyed = { ...base(cell), coldStart, warmupIterations: extra.warmupIterations, peakRssKb: extra.peakRssKb, elapsedMs: load.durationMs, load };
  if (r.ok < 2) {
    const error = `only ${r.ok} successful requests: ${describeLoadErrors(r.errors) || "no response"}`;
    return limit !== null
      ? { ...keyed, status: "invalid", error: limit, samples: r.ok, notes: [error, ...notes] }
      : { ...keyed, status: "failed", error, samples: r.ok, notes };
  }
  const latenciesMs = Array.from(r.latenciesNs, nsToMs);
  const s = summarizeLatency(latenciesMs);
  const rate = r.achievedRate * extra.itemsPerCall;
  const z = normalQuantile(0.975);
  const throughputCI: [number, number] | null =
    load.mode === "closed"
      ? s.mean.ci && s.mean.ci[0] > 0
        ? [(rate * s.mean.value) / s.mean.ci[1], (rate * s.mean.value) / s.mean.ci[0]]
        : null
      : [rate * Math.max(0, 1 - z / Math.sqrt(r.ok)), rate * (1 + z / Math.sqrt(r.ok))];
  const failed = errorRate > extra.maxErrorRate;
  const generative = r.generative ? summarizeGenerative(r.generative) : null;
  if (generative) notes.push(...generative.notes);
  return {
    ...keyed,
    load: { ...load, latencyHistogram: recordLatencies(r.latenciesNs) },
    status: limit !== null ? "invalid" : failed ? "failed" : "ok",
    error:
      limit ??
      (failed
        ? `error rate ${(errorRate * 100).toFixed(2)}% is above the limit of ${(extra.maxErrorRate * 100).toFixed(2)}% (${describeLoadErrors(r.errors)})`
        : null),
    samples: latenciesMs.length,
    steadyState: true,
    latencyMs: latencyOf(s),
    dependence: s.dependence,
    outliers: s.outliers,
    throughput: { value: rate, ci: throughputCI, unit: "items/s" },
    stopReason: "duration",
    converged: true,
    ...(r.generative ? { generative: generative?.summary ?? null } : {}),
    notes: [...s.notes, ...notes],
  };
}

/** "SLO p99 <= 80ms: pass (3 of 812 over); goodput 160.2 req/s (99.6%)", at the report's confidence. */
function describeSlo(r: SloReport): string {
  const checks = r.checks.map((c) => `${c.slo}: ${c.verdict}${c.verdict === "not-measured" ? "" : ` (${c.over} of ${c.n} over)`}`).join(", ");
  const good = r.goodput ? `; goodput ${r.goodput.ratePerS.toFixed(1)} req/s (${(r.goodput.share * 100).toFixed(1)}% of requests)` : "";
  return `SLO at ${r.confidence * 100}% confidence: ${checks}${good}`;
}
