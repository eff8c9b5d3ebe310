import { closedLoopLocal, openLoopLocal } from "../load/local.js";
import type { LoadResult } from "../load/types.js";
import type { LoadPlan } from "../suite/resolve.js";
import type { LoadPoint } from "./runner.js";

/**
 * In-process load on one session: N `session.run` calls in flight (MLPerf LoadGen's Offline-like
 * throughput mode when N is large) or calls at a rate (its Server scenario), so in-process and
 * served latency of one model under the same load can be compared cell by cell.
 */
export function runLocalLoad(call: () => Promise<unknown>, point: LoadPoint, plan: LoadPlan, seed: number, signal: AbortSignal): Promise<LoadResult> {
  const common = { call, durationMs: plan.durationMs, maxRequests: plan.maxRequests, signal };
  if (point.concurrency !== null) return closedLoopLocal({ ...common, concurrency: point.concurrency });
  return openLoopLocal({ ...common, ratePerS: point.rate, arrival: plan.arrival, seed });
}
