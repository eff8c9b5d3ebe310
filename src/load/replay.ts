import { readTrace, type TraceEntry, type TracePlan } from "../suite/trace.js";
import { defaultInFlightCap, MAX_IN_FLIGHT } from "./open.js";
import type { TraceReplay } from "./types.js";

/** The most time between two warm-up requests before a replay: 20 warm-ups take at most 200 ms. */
const WARMUP_GAP_MS = 10;

/** A trace's schedule for one cell: when each request is due, and which line of the trace it is. */
export interface ReplaySchedule {
  /** Offsets from the start of the replay, ns, non-decreasing: `warmup` warm-up requests, then the trace's. */
  scheduleNs: Float64Array;
  warmup: number;
  /** The trace entry of each scheduled request. */
  entries: TraceEntry[];
  /** The cell's duration: the scaled span (and 1 ms, so the last request is inside), or load.durationMs if shorter. */
  durationMs: number;
  info: TraceReplay;
}

/**
 * Reads the trace again (a run is a fresh process) and checks that it is the file the suite was
 * validated with: a trace edited in between would be replayed under the old one's hash.
 */
export function loadTraceEntries(plan: TracePlan): TraceEntry[] {
  const trace = readTrace(plan.file, plan.path);
  if (trace.sha256 !== plan.sha256) throw new Error(`${plan.path}: the trace changed after the suite was loaded; run again`);
  return trace.entries;
}

/**
 * The schedule of a replay at the cell's `rate` (req/s): the trace's own mean rate times its
 * speedup unless the matrix asked for another rate, which scales the trace's timestamps to it.
 * A load shard (I of N, from 1) sends every N-th request, from the I-th, at the same times.
 * `warmup` requests, not measured, are scheduled before the trace (the open loop's own warm-up
 * would take the trace's first requests). `capMs`: a shorter duration than the plan's (a step of
 * `bench capacity`).
 */
export function replaySchedule(
  plan: TracePlan,
  all: readonly TraceEntry[],
  rate: number,
  o: { shard?: { index: number; count: number } | undefined; warmup?: number; capMs?: number | undefined } = {},
): ReplaySchedule {
  const { shard, warmup = 0 } = o;
  const count = shard?.count ?? 1;
  const fullRate = rate * count;
  const speedup = Math.abs(fullRate - plan.rate) <= 1e-9 * plan.rate ? plan.speedup : fullRate / ((all.length * 1000) / plan.spanMs);
  const durationMs = Math.min(plan.capMs ?? Number.POSITIVE_INFINITY, o.capMs ?? Number.POSITIVE_INFINITY, Math.ceil(plan.spanMs / speedup) + 1);
  const entries = all.filter((e, i) => i % count === (shard ? shard.index - 1 : 0) && e.offsetMs / speedup < durationMs);
  // Warm-up requests (not measured) go first, WARMUP_GAP_MS apart at most, then the trace.
  const gapNs = Math.min(WARMUP_GAP_MS * 1e6, 1e9 / rate);
  const scheduleNs = new Float64Array(warmup + entries.length);
  for (let i = 0; i < warmup; i++) scheduleNs[i] = i * gapNs;
  entries.forEach((e, i) => (scheduleNs[warmup + i] = warmup * gapNs + (e.offsetMs / speedup) * 1e6));
  return {
    scheduleNs,
    warmup,
    entries,
    durationMs,
    info: { path: plan.path, sha256: plan.sha256, requests: all.length, spanMs: plan.spanMs, speedup, scheduled: entries.length },
  };
}

/**
 * The most requests in flight in a replay: the open loop's default for the mean rate, or the whole
 * trace if larger (up to MAX_IN_FLIGHT), so that a burst above the mean is sent, not dropped.
 */
export function replayInFlightCap(r: ReplaySchedule, ratePerS: number, timeoutMs: number): number {
  return Math.min(MAX_IN_FLIGHT, Math.max(defaultInFlightCap(ratePerS, timeoutMs), r.scheduleNs.length));
}
