import autocannon from "autocannon";
import { monotonicClock } from "../util/clock.js";
import { checkRequest, responseOutcome as checkResponse, userHeaders } from "./http-common.js";
import { type AutocannonClient, patchClient } from "./autocannon-client.js";
import { HealthMonitor } from "./health.js";
import { ClosedWindow } from "./closed-window.js";
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
  const recorder = new LoadRecorder();
  const health = new HealthMonitor();
  const clients: AutocannonClient[] = [];
  const run = new ClosedWindow(o, clock, recorder, health, { drain: () => drain(), stop: () => stop() });
  let drainTimer: NodeJS.Timeout | undefined;
  let tracker: autocannon.Instance | undefined;

  const stop = (): void => {
    if (!run.end()) return;
    clearTimeout(drainTimer);
    o.signal?.removeEventListener("abort", stop);
    for (const c of clients) c.destroy();
    tracker?.stop();
  };
  /** The duration is over: each client sends nothing more and ends once its request in flight has. */
  const drain = (): void => {
    if (!run.toDrain()) return;
    for (const c of clients) {
      if (c.destroyed) continue;
      if (c.pipelinedRequests.size() === 0) c.destroy();
      else c.responseMax = c.reqsMade;
    }
    if (clients.every((c) => c.destroyed)) stop();
    // A backstop: autocannon's own timer ends every request by its timeout.
    else drainTimer = setTimeout(stop, spec.timeoutMs + DRAIN_SLACK_MS);
  };
  const onOutcome = (outcome: Outcome, latencyNs: number): void => run.outcome(outcome, latencyNs);

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
        if (run.phase === "drain" && clients.every((c) => c.destroyed)) stop();
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
            resolve(run.result());
          }
        },
      );
    } catch (err) {
      reject(err instanceof Error ? err : new Error(String(err)));
      return;
    }
    if (o.signal?.aborted) stop();
    else o.signal?.addEventListener("abort", stop, { once: true });
    run.begin();
  });
}
