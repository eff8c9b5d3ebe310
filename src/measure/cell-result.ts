import type { CellResult, LatencyMs } from "../results.js";
import type { Cell } from "../suite/expand.js";
import { mser5, summarizeLatency, throughput } from "../stats/index.js";
import type { Measurement } from "./loop.js";
import { describeNoise, type NoiseSample, samplesDuring } from "./noise.js";

type CellKey = Pick<Cell, "id" | "target" | "variant" | "batch" | "provider" | "threads"> & {
  variantSpec?: { model: string };
};

function base(cell: CellKey): Omit<CellResult, "status" | "error"> {
  return {
    id: cell.id,
    target: cell.target,
    variant: cell.variant,
    batch: cell.batch,
    provider: cell.provider,
    threads: cell.threads,
    model: cell.variantSpec?.model ?? null,
    samples: 0,
    samplesDropped: 0,
    steadyState: false,
    latencyMs: null,
    dependence: null,
    outliers: null,
    throughput: null,
    accuracy: null,
    coldStart: null,
    warmupIterations: null,
    stopReason: null,
    converged: false,
    relativeCI: null,
    elapsedMs: null,
    peakRssKb: null,
    noisy: false,
    notes: [],
  };
}

export function skippedCell(cell: CellKey, reason: string): CellResult {
  return { ...base(cell), status: "skipped", error: reason };
}

export function failedCell(cell: CellKey, error: string, partial: Partial<CellResult> = {}): CellResult {
  return { ...base(cell), ...partial, status: "failed", error };
}

/** Summarise a finished measurement: latency in ms with intervals, throughput in items/s. */
export function measuredCell(
  cell: CellKey,
  m: Measurement,
  extra: { sessionCreateMs: number; itemsPerCall: number; peakRssKb: number },
): CellResult {
  // The warm-up transient that survived the configured warm-up is found in the data (MSER-5) and
  // left out of every statistic; the raw series keeps it.
  const steady = mser5(m.latenciesNs);
  const latenciesMs = Array.from(m.latenciesNs.subarray(steady.truncate), (ns) => ns / 1e6);
  const s = summarizeLatency(latenciesMs);
  const latencyMs: LatencyMs = {
    p50: s.p50,
    p90: s.p90,
    p95: s.p95,
    p99: s.p99,
    p999: s.p999,
    mean: s.mean,
    stddev: s.stddev,
    min: s.min,
    max: s.max,
  };
  // A percentile without an interval says so itself (ci: null, "no CI" in the table); the notes
  // say why (too few samples, or too few independent ones).
  const notes: string[] = [...s.notes];
  if (!steady.reliable) notes.push("no steady state found (MSER-5): the latency drifted through the whole measurement");
  if (m.stopReason !== "converged") {
    notes.push(
      `did not converge: stopped at ${m.stopReason} with the headline interval at ±${(m.relativeCI * 100).toFixed(1)}%`,
    );
  }
  return {
    ...base(cell),
    status: "ok",
    error: null,
    samples: latenciesMs.length,
    samplesDropped: steady.truncate,
    steadyState: steady.reliable,
    latencyMs,
    dependence: s.dependence,
    outliers: s.outliers,
    throughput: { ...throughput(latenciesMs, extra.itemsPerCall), unit: "items/s" },
    coldStart: { sessionCreateMs: extra.sessionCreateMs, firstCallMs: m.firstCallNs / 1e6 },
    warmupIterations: m.warmupIterations,
    stopReason: m.stopReason,
    converged: m.stopReason === "converged",
    relativeCI: Number.isFinite(m.relativeCI) ? m.relativeCI : null,
    elapsedMs: m.elapsedNs / 1e6,
    peakRssKb: extra.peakRssKb,
    notes,
  };
}

/** The cell with `noisy` set and the reasons noted when interference overlapped its measurement. */
export function flagNoise(cell: CellResult, samples: readonly NoiseSample[], fromMs: number, toMs: number): CellResult {
  if (cell.status !== "ok") return cell;
  const reasons = describeNoise(samplesDuring(samples, fromMs, toMs));
  if (reasons.length === 0) return cell;
  return { ...cell, noisy: true, notes: [...cell.notes, `noisy: ${reasons.join("; ")}`] };
}
