import { availableParallelism } from "node:os";
import { monotonicClock } from "../util/clock.js";
import { HttpSender } from "./http-send.js";
import { type OpenLoopDetail, runOpenLoopDetailed } from "./open.js";
import type { Arrival } from "./schedule.js";
import type { HttpRequestSpec, LoadResult } from "./types.js";

/** The default pool: a connection per 20 ms of arrivals (rate / 50), at least 16, at most 512. */
const MIN_DEFAULT_CONNECTIONS = 16;
const MAX_DEFAULT_CONNECTIONS = 512;
const DEFAULT_CONNECTIONS_PER_RATE = 1 / 50;

/**
 * Enough connections for the rate when each request holds one for up to 20 ms (Little's law:
 * rate × 20 ms in flight), without opening a socket per request in the first second, which an
 * arrival rate of thousands did when the pool could grow to one second of arrivals. A slower
 * server makes requests wait for a connection, and that wait is in their latency; set
 * `load.connections` for such a server.
 */
export function defaultConnections(ratePerS: number): number {
  return Math.min(MAX_DEFAULT_CONNECTIONS, Math.max(MIN_DEFAULT_CONNECTIONS, Math.ceil(ratePerS * DEFAULT_CONNECTIONS_PER_RATE)));
}

/**
 * The rate one worker thread is given at most by default, req/s: about half of what one thread
 * sustained against nginx on the development machine (docs/perf/load.md), so each keeps slack.
 */
export const RATE_PER_WORKER = 8000;
/** The most worker threads the open loop starts by default. */
const MAX_DEFAULT_WORKERS = 16;

/**
 * Worker threads for an open loop at `ratePerS`: one per RATE_PER_WORKER of rate, at most one per
 * core (os.availableParallelism) and MAX_DEFAULT_WORKERS; 1 (the main thread alone) below that.
 */
export function defaultOpenWorkers(ratePerS: number, cores = availableParallelism()): number {
  return Math.max(1, Math.min(cores, MAX_DEFAULT_WORKERS, Math.ceil(ratePerS / RATE_PER_WORKER)));
}

export interface OpenLoopHttpOptions {
  request: HttpRequestSpec;
  ratePerS: number;
  arrival: Arrival;
  durationMs: number;
  maxRequests?: number | undefined;
  seed: number;
  /** The most connections the generator opens, over all its workers (default defaultConnections). */
  connections?: number | undefined;
  /** Requests in flight per connection (undici's pipelining; default 1: HTTP/1.1 pipelining only helps idempotent requests). */
  pipelining?: number | undefined;
  /** The least warm-up: it goes on until the latencies have settled, within a bound (warmup.ts); 0 or none: no warm-up. */
  warmupRequests?: number | undefined;
  /**
   * Worker threads that drive the load, each with rate / workers on its own schedule, pool and
   * event loop (default defaultOpenWorkers; 1: the main thread). A spec whose `validate` cannot be
   * imported by a worker (no `validator`) runs on the main thread.
   */
  workers?: number | undefined;
  /** The most requests in flight (default: open.ts defaultInFlightCap of the rate; split over the workers). */
  maxInFlight?: number | undefined;
  /** Aborting stops dispatching; requests in flight are awaited (up to their timeout) and counted. */
  signal?: AbortSignal | undefined;
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

/** The open loop on this thread; `origin` and `keepEnds` for a worker of a multi-threaded one. */
export async function openLoopHttpThread(o: OpenLoopHttpOptions & { origin?: bigint; keepEnds?: boolean }): Promise<OpenLoopDetail> {
  const spec = o.request;
  const clock = monotonicClock;
  const sender = new HttpSender(spec, { connections: o.connections ?? defaultConnections(o.ratePerS), pipelining: o.pipelining }, clock);
  try {
    return await runOpenLoopDetailed({
      ratePerS: o.ratePerS,
      arrival: o.arrival,
      durationMs: o.durationMs,
      maxRequests: o.maxRequests,
      seed: o.seed,
      warmupRequests: o.warmupRequests,
      settleWarmup: (o.warmupRequests ?? 0) > 0,
      signal: o.signal,
      timeoutMs: spec.timeoutMs,
      maxInFlight: o.maxInFlight,
      clock,
      origin: o.origin,
      keepEnds: o.keepEnds,
      start: (scheduledNs, done) => {
        sender.send(scheduledNs, done);
      },
    });
  } finally {
    await sender.close();
  }
}
