import type { CellResult, LatencyMs } from "../results.js";
import type { Cell } from "../suite/expand.js";
import { summarizeLatency, throughput } from "../stats/index.js";
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
    latencyMs: null,
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
  const latenciesMs = Array.from(m.latenciesNs, (ns) => ns / 1e6);
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
  // A percentile without an interval says so itself (ci: null, "no CI" in the table).
  const notes: string[] = [];
  if (m.stopReason !== "converged") {
    notes.push(
      `did not converge: stopped at ${m.stopReason} with the headline interval at ±${(m.relativeCI * 100).toFixed(1)}%`,
    );
  }
  return {
    ...base(cell),
    status: "ok",
    error: null,
    samples: m.latenciesNs.length,
    latencyMs,
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
