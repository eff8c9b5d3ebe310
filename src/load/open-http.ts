import { monotonicClock } from "../util/clock.js";
import { HttpClient } from "./http-client.js";
import { responseOutcome } from "./http-common.js";
import { type Completion, runOpenLoop } from "./open.js";
import { classifyNetworkError } from "./recorder.js";
import type { Arrival } from "./schedule.js";
import type { HttpRequestSpec, LoadResult } from "./types.js";
import { nsToMs } from "../stats/metrics.js";

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
 * Open-loop HTTP load (see runOpenLoop): requests leave at their scheduled times through an
 * undici Pool whatever the server does, and each latency runs from the scheduled start to the
 * end of the response body, so a stall shows in the percentiles. The timeout also runs from
 * the scheduled start. By default the pool may open as many connections as one second of
 * arrivals at the target rate (at least 16, at most 1024), so earlier requests that are still
 * outstanding do not hold later ones back; a request that finds every connection busy waits in
 * the pool, and that wait is part of its latency, as it would be for a real client.
 */
export async function openLoopHttp(o: {
  request: HttpRequestSpec;
  ratePerS: number;
  arrival: Arrival;
  durationMs: number;
  maxRequests?: number;
  seed: number;
  connections?: number;
  warmupRequests?: number;
  /** Aborting stops dispatching; requests in flight are awaited (up to their timeout) and counted. */
  signal?: AbortSignal;
}): Promise<LoadResult> {
  const spec = o.request;
  const connections = o.connections ?? defaultConnections(o.ratePerS);
  const client = new HttpClient(spec, connections);
  const clock = monotonicClock;

  const send = async (scheduledNs: bigint): Promise<Completion> => {
    const remainingMs = spec.timeoutMs - nsToMs(Number(clock() - scheduledNs));
    if (remainingMs <= 0) return { outcome: { kind: "timeouts" }, endNs: clock() };
    const abort = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      abort.abort();
    }, remainingMs);
    try {
      const res = await client.send(abort.signal);
      const endNs = clock();
      return { outcome: responseOutcome(spec, res.status, () => res.body), endNs };
    } catch (err) {
      const endNs = clock();
      // The timer's callback sets timedOut; flow analysis cannot see that.
      // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition
      return { outcome: { kind: timedOut ? "timeouts" : classifyNetworkError(err) }, endNs };
    } finally {
      clearTimeout(timer);
    }
  };

  try {
    return await runOpenLoop({
      ratePerS: o.ratePerS,
      arrival: o.arrival,
      durationMs: o.durationMs,
      maxRequests: o.maxRequests,
      seed: o.seed,
      warmupRequests: o.warmupRequests,
      signal: o.signal,
      timeoutMs: spec.timeoutMs,
      clock,
      send,
    });
  } finally {
    await client.close();
  }
}
