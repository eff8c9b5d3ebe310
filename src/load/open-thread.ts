import { monotonicClock } from "../util/clock.js";
import { HttpSender } from "./http-send.js";
import { leanEligible } from "./lean-http.js";
import { LeanSender } from "./lean-send.js";
import { type OpenLoopDetail, type OpenPacing, runOpenLoopDetailed } from "./open.js";
import type { Arrival } from "./schedule.js";
import type { HttpRequestSpec } from "./types.js";

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

export interface OpenLoopHttpOptions {
  request: HttpRequestSpec;
  ratePerS: number;
  arrival: Arrival;
  durationMs: number;
  maxRequests?: number | undefined;
  seed: number;
  /** Trace replay: the whole schedule, ns from the start (instead of `arrival` and `seed`; see runOpenLoop). */
  scheduleNs?: Float64Array | undefined;
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
  /** How each thread waits for a near arrival (open.ts OpenPacing; default by each thread's share of the rate). */
  pacing?: OpenPacing | undefined;
  /** Aborting stops dispatching; requests in flight are awaited (up to their timeout) and counted. */
  signal?: AbortSignal | undefined;
}

/** The open loop on this thread; `origin` and `keepEnds` for a worker of a multi-threaded one. */
export async function openLoopHttpThread(o: OpenLoopHttpOptions & { origin?: bigint; keepEnds?: boolean }): Promise<OpenLoopDetail> {
  const spec = o.request;
  const clock = monotonicClock;
  const connections = o.connections ?? defaultConnections(o.ratePerS);
  // The lean client unless the target is https, requests are pipelined, or BENCH_HTTP_CLIENT=library.
  const sender =
    (o.pipelining ?? 1) <= 1 && leanEligible(spec)
      ? new LeanSender(spec, { connections }, clock)
      : new HttpSender(spec, { connections, pipelining: o.pipelining }, clock);
  try {
    return await runOpenLoopDetailed({
      ratePerS: o.ratePerS,
      arrival: o.arrival,
      durationMs: o.durationMs,
      maxRequests: o.maxRequests,
      seed: o.seed,
      scheduleNs: o.scheduleNs,
      warmupRequests: o.warmupRequests,
      // A listed schedule (a trace) has exactly warmupRequests warm-up requests first.
      settleWarmup: (o.warmupRequests ?? 0) > 0 && !o.scheduleNs,
      signal: o.signal,
      timeoutMs: spec.timeoutMs,
      maxInFlight: o.maxInFlight,
      pacing: o.pacing,
      clock,
      origin: o.origin,
      keepEnds: o.keepEnds,
      start: (scheduledNs, id, done) => {
        sender.send(scheduledNs, id, done);
      },
    });
  } finally {
    await sender.close();
  }
}
