import { closedLoopLocal, DEFAULT_TIMEOUT_MS, openLoopLocal } from "../load/local.js";
import { loadTraceEntries, replayInFlightCap, replaySchedule } from "../load/replay.js";
import type { LoadResult } from "../load/types.js";
import { arrivalSeed, type PlannedCell } from "../suite/expand.js";
import type { LoadStep } from "./runner.js";

/**
 * In-process load on one session: N `session.run` calls in flight (MLPerf LoadGen's Offline-like
 * throughput mode when N is large) or calls at a rate (its Server scenario), so in-process and
 * served latency of one model under the same load can be compared cell by cell. The plan's
 * warm-up calls go first, one at a time (the HTTP generators send their own). `at`: another load
 * and duration than the cell's (a step of `bench capacity`).
 */
export async function runLocalLoad(call: () => Promise<unknown>, cell: PlannedCell, seed: number, signal: AbortSignal, at?: LoadStep): Promise<LoadResult> {
  const load = at?.load ?? cell.load;
  const plan = cell.targetSpec.load;
  if (load.mode === "single") throw new RangeError(`${cell.id}: not a load cell`);
  for (let i = 0; i < plan.warmupRequests && !signal.aborted; i++) await call();
  const maxRequests = at ? undefined : plan.maxRequests;
  const common = { call, durationMs: at?.durationMs ?? plan.durationMs, ...(maxRequests !== undefined ? { maxRequests } : {}), signal };
  if (load.mode === "closed") return closedLoopLocal({ ...common, concurrency: load.concurrency });
  if (plan.trace) {
    const replay = replaySchedule(plan.trace, loadTraceEntries(plan.trace), load.rate, { shard: cell.loadShard, capMs: at?.durationMs });
    const r = await openLoopLocal({
      ...common,
      durationMs: replay.durationMs,
      ratePerS: load.rate,
      arrival: "fixed",
      scheduleNs: replay.scheduleNs,
      seed: 0,
      maxInFlight: replayInFlightCap(replay, load.rate, DEFAULT_TIMEOUT_MS),
    });
    return { ...r, trace: replay.info };
  }
  return openLoopLocal({ ...common, ratePerS: load.rate, arrival: plan.arrival === "trace" ? "poisson" : plan.arrival, seed: arrivalSeed(cell, seed) });
}
