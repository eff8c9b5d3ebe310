import autocannon from "autocannon";
import { monotonicClock } from "../util/clock.js";
import { checkRequest, responseOutcome as checkResponse, userHeaders } from "./http-common.js";
import { type AutocannonClient, patchClient } from "./autocannon-client.js";
import { HealthMonitor } from "./health.js";
import { WarmupSettler, warmupBoundMs } from "./warmup.js";
import { type ClosedLoopHttpOptions, closedLoopLean } from "./closed-lean.js";
import { leanEligible } from "./lean-http.js";
import { LoadRecorder } from "./recorder.js";
import { DEFAULT_MAX_RESPONSE_BYTES, type LoadResult, type Outcome } from "./types.js";
import { msToS } from "../stats/metrics.js";

/** The backstop on autocannon's own duration covers at least this much warm-up. */
const MIN_WARMUP_BUDGET_MS = 1000;

/** autocannon keeps a body as one string, and V8's strings end at 2^29 - 24 characters: a larger limit would throw. */
const MAX_STRING_BODY_BYTES = 256 * 1024 * 1024;

/** How long past the request timeout the drain at the end waits before it gives up on autocannon's timer. */
const DRAIN_SLACK_MS = 500;

/**
 * Closed-loop HTTP load: `connections` keep-alive connections, each sending its
 * next request as soon as the last response is complete. Plain http: targets go through the lean
 * client (closed-lean.ts); https, and any target when BENCH_HTTP_CLIENT=library, through
 * autocannon, as described here. Per-request samples, not autocannon's
 * histogram: each request's `onResponse` hook sees (status, body) and its client's `response`
 * event right after gives the latency (autocannon times write → last byte with
 * process.hrtime), so our statistics get raw latencies and the validation of each body.
 * Errors come from the client's `timeout` and `connError` events. The measured phase starts
 * after `warmupRequests` outcomes and ends after `durationMs`: no request is sent after that,
 * and those in flight are awaited (up to their timeout) and counted, as in the open loop, so a
 * server that stops answering shows as timeouts rather than vanishing with the abandoned
 * requests. `maxRequests` outcomes or an abort end it at once, in-flight requests not counted
 * (sent = ok + errors). autocannon's per-connection clients are patched where they fall short
 * (see patchClient).
 */
export function closedLoopHttp(o: ClosedLoopHttpOptions): Promise<LoadResult> {
  const url = checkRequest(o.request);
  if (!(o.connections >= 1)) throw new RangeError(`connections must be at least 1, got ${o.connections}`);
  return leanEligible(o.request) ? closedLoopLean(o) : closedLoopAutocannon(o, url);
}

/** closedLoopHttp on autocannon's clients: https targets, and BENCH_HTTP_CLIENT=library. */
function closedLoopAutocannon(o: ClosedLoopHttpOptions, url: URL): Promise<LoadResult> {
  const spec = o.request;
  const clock = monotonicClock;
  const warmup = o.warmupRequests ?? 0;
  const maxRequests = o.maxRequests ?? Number.POSITIVE_INFINITY;
  const recorder = new LoadRecorder();
  const health = new HealthMonitor();
  const clients: AutocannonClient[] = [];

  type Phase = "warmup" | "measure" | "drain" | "done";
  let phase: Phase = warmup > 0 ? "warmup" : "measure";
  // Warm-up ends once at least warmupRequests outcomes came back and the latencies have settled, within a bound (warmup.ts).
  const boundMs = warmupBoundMs(o.durationMs);
  const settler = warmup > 0 ? new WarmupSettler(warmup, boundMs, Number(clock())) : undefined;
  let windowStart = clock();
  let windowEnd: bigint | undefined;
  let stopTimer: NodeJS.Timeout | undefined;
  let drainTimer: NodeJS.Timeout | undefined;
  let tracker: autocannon.Instance | undefined;

  const stop = (): void => {
    if (phase === "done") return;
    phase = "done";
    windowEnd = clock();
    clearTimeout(stopTimer);
    clearTimeout(drainTimer);
    o.signal?.removeEventListener("abort", stop);
    for (const c of clients) c.destroy();
    tracker?.stop();
  };
  /** The duration is over: each client sends nothing more and ends once its request in flight has. */
  const drain = (): void => {
    if (phase !== "measure") return;
    phase = "drain";
    for (const c of clients) {
      if (c.destroyed) continue;
      if (c.pipelinedRequests.size() === 0) c.destroy();
      else c.responseMax = c.reqsMade;
    }
    if (clients.every((c) => c.destroyed)) stop();
    // A backstop: autocannon's own timer ends every request by its timeout.
    else drainTimer = setTimeout(stop, spec.timeoutMs + DRAIN_SLACK_MS);
  };
  const startMeasuring = (): void => {
    phase = "measure";
    health.start();
    windowStart = clock();
    stopTimer = setTimeout(drain, o.durationMs);
  };
  const onOutcome = (outcome: Outcome, latencyNs: number): void => {
    if (phase === "warmup") {
      settler?.record(outcome.kind === "ok" ? latencyNs : Number.NaN);
      if (settler?.over(Number(clock())) !== false) startMeasuring();
      return;
    }
    if (phase !== "measure" && phase !== "drain") return;
    recorder.record(outcome, latencyNs);
    if (recorder.count >= maxRequests) stop();
  };

  // Set by a request's onResponse, consumed by its client's 'response' event in the same tick.
  let pending: Outcome = { kind: "ok" };
  // Without a validator the status decides, and autocannon is spared decoding every body into a string for onResponse.
  const OK: Outcome = { kind: "ok" };
  const validating = spec.validate !== undefined;
  const responseOutcome = (status: number): Outcome => (validating ? pending : status >= 200 && status <= 299 ? OK : { kind: "status", status });

  const maxBodyBytes = Math.min(spec.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES, MAX_STRING_BODY_BYTES);
  const setupClient = (raw: unknown): void => {
    const client = patchClient(raw, { timeoutMs: spec.timeoutMs, maxBodyBytes, responseOutcome, onOutcome });
    clients.push(client);
    // Later, not now: after a timeout autocannon reconnects (and so ends a draining client) before it emits 'timeout'.
    client.on("done", () =>
      setImmediate(() => {
        if (phase === "drain" && clients.every((c) => c.destroyed)) stop();
      }),
    );
  };

  const budgetS = msToS(Math.max(MIN_WARMUP_BUDGET_MS, o.durationMs) + o.durationMs + spec.timeoutMs + DRAIN_SLACK_MS) + 5;
  return new Promise<LoadResult>((resolve, reject) => {
    try {
      tracker = autocannon(
        {
          url: url.origin,
          connections: o.connections,
          // A backstop only: stop() ends the run.
          duration: budgetS,
          timeout: Math.max(1, Math.ceil(msToS(spec.timeoutMs))),
          // How often autocannon looks at its stop flag once stop() is called.
          sampleInt: 50,
          requests: [
            {
              method: spec.method,
              path: url.pathname + url.search,
              headers: userHeaders(spec),
              ...(spec.body !== undefined ? { body: spec.body } : {}),
              // autocannon hands the body over as text (UTF-8 decoded): fine for the JSON protocols.
              ...(validating
                ? {
                    onResponse: (status: number, body: string) => {
                      pending = checkResponse(spec, status, () => Buffer.from(body, "utf8"));
                    },
                  }
                : {}),
            },
          ],
          setupClient,
        },
        (err: unknown) => {
          stop();
          if (err) reject(err instanceof Error ? err : new Error(`autocannon failed: ${JSON.stringify(err)}`));
          else {
            const end = windowEnd ?? clock();
            const durationNs = Number(end - windowStart);
            const generator = health.finish({
              targetRate: null,
              scheduled: null,
              sent: recorder.count,
              dropped: 0,
              windowNs: durationNs,
              inFlightCap: o.connections,
            });
            // Each connection has one request out at a time (no pipelining).
            const w = settler?.summary;
            resolve({
              ...recorder.result({ durationNs, targetRate: null }),
              generator: { ...generator, maxInFlight: o.connections, ...(w ? { warmup: w } : {}) },
            });
          }
        },
      );
    } catch (err) {
      reject(err instanceof Error ? err : new Error(String(err)));
      return;
    }
    if (o.signal?.aborted) stop();
    else o.signal?.addEventListener("abort", stop, { once: true });
    if (phase === "measure") startMeasuring();
    else {
      // Warm-up is bounded in time too: a server that never answers must not hold the run.
      setTimeout(() => {
        if (phase === "warmup" && settler?.over(Number(clock())) !== false) startMeasuring();
      }, boundMs).unref();
    }
  });
}
