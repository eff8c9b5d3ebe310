import { availableParallelism } from "node:os";
import { type OpenLoopHttpOptions, openLoopHttpThread } from "./open-thread.js";
import type { LoadResult } from "./types.js";

/**
 * The rate one worker thread is given at most by default, req/s: about half of what one thread
 * sustained against nginx on the development machine (docs/perf/load.md), so each keeps slack.
 */
export const RATE_PER_WORKER = 8000;
/** The most worker threads the open loop starts by default. */
const MAX_DEFAULT_WORKERS = 16;

/**
 * Worker threads for an open loop at `ratePerS`: one per RATE_PER_WORKER of rate, leaving a core
 * to the server and the rest of the machine (at most os.availableParallelism() − 1, and
 * MAX_DEFAULT_WORKERS); 1 (the main thread alone) below that, and on a machine of 2 cores or fewer.
 */
export function defaultOpenWorkers(ratePerS: number, cores = availableParallelism()): number {
  return Math.max(1, Math.min(cores - 1, MAX_DEFAULT_WORKERS, Math.ceil(ratePerS / RATE_PER_WORKER)));
}

/**
 * Open-loop HTTP load (see runOpenLoop): requests leave at their scheduled times through an
 * undici Pool whatever the server does, and each latency runs from the scheduled start to the
 * end of the response body, so a stall shows in the percentiles. The timeout also runs from
 * the scheduled start. The pool opens connections as requests need them, up to `connections`
 * (defaultConnections): a request that finds every connection busy waits in the pool, and that
 * wait is part of its latency, as it would be for a real client. Above RATE_PER_WORKER req/s,
 * when the machine has the cores, the load is split over worker threads (open-workers.ts) and
 * their results merged exactly.
 */
export async function openLoopHttp(o: OpenLoopHttpOptions): Promise<LoadResult> {
  const importable = o.request.validate === undefined || o.request.validator !== undefined;
  const workers = importable ? (o.workers ?? defaultOpenWorkers(o.ratePerS)) : 1;
  if (workers <= 1) return (await openLoopHttpThread(o)).result;
  const { openLoopHttpWorkers } = await import("./open-workers.js");
  return openLoopHttpWorkers(o, workers);
}
