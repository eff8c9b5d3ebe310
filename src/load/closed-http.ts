import type { EventEmitter } from "node:events";
import type { Socket } from "node:net";
import autocannon from "autocannon";
import { monotonicClock } from "../util/clock.js";
import { checkRequest, responseOutcome, userHeaders } from "./http-common.js";
import { LoadRecorder, classifyNetworkError } from "./recorder.js";
import { DEFAULT_MAX_RESPONSE_BYTES, type HttpRequestSpec, type LoadResult, type Outcome } from "./types.js";
import { msToNs, msToS } from "../stats/metrics.js";

/**
 * The parts of autocannon's (8.x) per-connection Client that we reach into; not in its typings.
 * See node_modules/autocannon/lib/httpClient.js.
 */
interface AutocannonClient extends EventEmitter {
  /** Request timeout in ms, read when each request is written. */
  timeout: number;
  destroyed: boolean;
  conn: Socket;
  /** http-parser-js's parser, one per client, reused across its connections. */
  parser: { initialize(type: "RESPONSE"): void; execute(chunk: Buffer): number | Error };
  pipelinedRequests: { size(): number; clear(): void; addBody(data: Buffer): void };
  /** Requests written so far, and the count at which the client destroys itself instead of writing the next. */
  reqsMade: number;
  responseMax: number | undefined;
  timeoutTicker: { reschedule(ms: number): void };
  _connect(): void;
  _destroyConnection(): void;
  destroy(): void;
}

/** Warm-up ends after warmupRequests outcomes or after this long, whichever comes first. */
const MIN_WARMUP_BUDGET_MS = 1000;

const TOO_LARGE: Outcome = { kind: "tooLarge" };

/** autocannon keeps a body as one string, and V8's strings end at 2^29 - 24 characters: a larger limit would throw. */
const MAX_STRING_BODY_BYTES = 256 * 1024 * 1024;

/** How long past the request timeout the drain at the end waits before it gives up on autocannon's timer. */
const DRAIN_SLACK_MS = 500;

/** After a connection could not be made, the wait before the next attempt. */
const RECONNECT_DELAY_MS = 20;

/**
 * Closed-loop HTTP load with autocannon: `connections` keep-alive connections, each sending its
 * next request as soon as the last response is complete. Per-request samples, not autocannon's
 * histogram: each request's `onResponse` hook sees (status, body) and its client's `response`
 * event right after gives the latency (autocannon times write → last byte with
 * process.hrtime), so our statistics get raw latencies and the validation of each body.
 * Errors come from the client's `timeout` and `connError` events. The measured phase starts
 * after `warmupRequests` outcomes and ends after `durationMs`: no request is sent after that,
 * and those in flight are awaited (up to their timeout) and counted, as in the open loop, so a
 * server that stops answering shows as timeouts rather than vanishing with the abandoned
 * requests. `maxRequests` outcomes or an abort end it at once, in-flight requests not counted
 * (sent = ok + errors).
 *
 * Autocannon's client is patched per instance where it falls short of a load test's needs:
 * - its `timeout` option is whole seconds ≥ 1, so the client's `timeout` field is set to `timeoutMs`;
 * - when a connection fails or the server closes it, autocannon reconnects but keeps the in-flight
 *   request in its queue (the next response would be timed from that stale start) and its parser
 *   mid-message (the next response would be read as the rest of the old one, as after a timeout
 *   on a body that trickles in): on reconnect the queue is cleared, the parser reset, and the lost
 *   request counted as `reset` when the server closed the connection under it;
 * - after a connection could not be made (refused, DNS) it reconnects at once, in a tight loop:
 *   the next attempt waits RECONNECT_DELAY_MS (each failed attempt counts as one failed request);
 * - it keeps every response body whole and ignores parser errors: a body over `maxResponseBytes`
 *   stops being kept and its connection is replaced (`tooLarge`), and bytes that are not an HTTP
 *   response (or headers over 80 KiB) count as `malformed` instead of waiting for the timeout.
 */
export function closedLoopHttp(o: {
  request: HttpRequestSpec;
  connections: number;
  durationMs: number;
  maxRequests?: number;
  warmupRequests?: number;
  /** Aborting ends the run early (as after SIGINT); what was measured so far is returned. */
  signal?: AbortSignal;
}): Promise<LoadResult> {
  const spec = o.request;
  const url = checkRequest(spec);
  if (!(o.connections >= 1)) throw new RangeError(`connections must be at least 1, got ${o.connections}`);
  const clock = monotonicClock;
  const warmup = o.warmupRequests ?? 0;
  const maxRequests = o.maxRequests ?? Number.POSITIVE_INFINITY;
  const recorder = new LoadRecorder();
  const clients: AutocannonClient[] = [];

  type Phase = "warmup" | "measure" | "drain" | "done";
  let phase: Phase = warmup > 0 ? "warmup" : "measure";
  let warmupSeen = 0;
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
    windowStart = clock();
    stopTimer = setTimeout(drain, o.durationMs);
  };
  const onOutcome = (outcome: Outcome, latencyNs: number): void => {
    if (phase === "warmup") {
      if (++warmupSeen >= warmup) startMeasuring();
      return;
    }
    if (phase !== "measure" && phase !== "drain") return;
    recorder.record(outcome, latencyNs);
    if (recorder.count >= maxRequests) stop();
  };

  // Set by a request's onResponse, consumed by its client's 'response' event in the same tick.
  let pending: Outcome = { kind: "ok" };

  const maxBodyBytes = Math.min(spec.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES, MAX_STRING_BODY_BYTES);
  const setupClient = (raw: unknown): void => {
    const client = raw as AutocannonClient;
    client.timeout = spec.timeoutMs;
    clients.push(client);
    // Set when the response being read said Connection: close, and the connection once it is complete.
    let closeAfter = false;
    let closingConn: Socket | undefined;
    let bodyBytes = 0;
    let overLimit = false;
    let parseError = false;
    client.on("headers", (info: { shouldKeepAlive?: boolean }) => {
      closeAfter = info.shouldKeepAlive === false;
      bodyBytes = 0;
      overLimit = false;
    });
    client.on("response", (_status: number, _bytes: number, durationMs: number) => {
      if (closeAfter) closingConn = client.conn;
      const outcome = overLimit ? TOO_LARGE : pending;
      overLimit = false;
      onOutcome(outcome, msToNs(durationMs));
    });
    client.on("timeout", () => onOutcome({ kind: "timeouts" }, 0));
    // Later, not now: after a timeout autocannon reconnects (and so ends a draining client) before it emits 'timeout'.
    client.on("done", () =>
      setImmediate(() => {
        if (phase === "drain" && clients.every((c) => c.destroyed)) stop();
      }),
    );
    // A connection that could not be made (refused, DNS): autocannon reconnects at once, which
    // floods a restarting server or the resolver; the next attempt waits RECONNECT_DELAY_MS.
    let backOff = false;
    client.on("connError", (err: unknown) => {
      const kind = classifyNetworkError(err);
      backOff = kind !== "reset";
      onOutcome({ kind }, 0);
    });
    const queue = client.pipelinedRequests;
    const addBody = queue.addBody.bind(queue);
    queue.addBody = (data: Buffer): void => {
      bodyBytes += data.length;
      if (bodyBytes > maxBodyBytes) overLimit = true;
      else addBody(data);
    };
    /** Drop the connection and open a new one, as autocannon does after a timeout. */
    const replaceConnection = (outcome: Outcome): void => {
      client._destroyConnection();
      client.timeoutTicker.reschedule(client.timeout);
      client._connect();
      onOutcome(outcome, 0);
    };
    // autocannon's own methods, rebound below to the client they came from.
    // eslint-disable-next-line @typescript-eslint/unbound-method
    const connect = client._connect;
    let parserPatched = false;
    client._connect = function patchedConnect(this: AutocannonClient): void {
      this.pipelinedRequests.clear();
      if (backOff) {
        backOff = false;
        // Its timeout must not fire while no request is out.
        this.timeoutTicker.reschedule(this.timeout + RECONNECT_DELAY_MS);
        setTimeout(() => {
          if (!this.destroyed) this._connect();
        }, RECONNECT_DELAY_MS);
        return;
      }
      if (!parserPatched) {
        // The parser exists once the constructor has run, which ends with the first _connect.
        parserPatched = true;
        const parser = this.parser;
        // eslint-disable-next-line @typescript-eslint/unbound-method
        const execute = parser.execute;
        parser.execute = (chunk: Buffer): number | Error => {
          const ret = execute.call(parser, chunk);
          if (ret instanceof Error) parseError = true;
          return ret;
        };
      } else this.parser.initialize("RESPONSE");
      bodyBytes = 0;
      overLimit = false;
      parseError = false;
      closeAfter = false;
      connect.call(this);
      const conn = this.conn;
      // Runs before autocannon's own 'end' handler, which reconnects and sends a new request.
      conn.prependListener("end", () => {
        if (!this.destroyed && conn !== closingConn && this.pipelinedRequests.size() > 0) onOutcome({ kind: "reset" }, 0);
      });
      // Runs after autocannon's own 'data' handler has parsed the chunk.
      conn.on("data", () => {
        if (this.destroyed || conn !== this.conn) return;
        if (parseError) replaceConnection({ kind: "malformed" });
        else if (overLimit) replaceConnection(TOO_LARGE);
      });
    };
  };

  const budgetS = msToS(Math.max(MIN_WARMUP_BUDGET_MS, o.durationMs) + o.durationMs) + 5;
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
              onResponse: (status: number, body: string) => {
                pending = responseOutcome(spec, status, () => Buffer.from(body, "utf8"));
              },
            },
          ],
          setupClient,
        },
        (err: unknown) => {
          stop();
          if (err) reject(err instanceof Error ? err : new Error(`autocannon failed: ${JSON.stringify(err)}`));
          else {
            const end = windowEnd ?? clock();
            resolve(recorder.result({ durationNs: Number(end - windowStart), targetRate: null }));
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
      setTimeout(
        () => {
          if (phase === "warmup") startMeasuring();
        },
        Math.max(MIN_WARMUP_BUDGET_MS, o.durationMs),
      ).unref();
    }
  });
}
