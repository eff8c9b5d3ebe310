import type { EventEmitter } from "node:events";
import type { Socket } from "node:net";
import { classifyNetworkError } from "./recorder.js";
import type { Outcome } from "./types.js";
import { msToNs } from "../stats/metrics.js";

/**
 * The parts of autocannon's (8.x) per-connection Client that we reach into; not in its typings.
 * See node_modules/autocannon/lib/httpClient.js.
 */
export interface AutocannonClient extends EventEmitter {
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

const TOO_LARGE: Outcome = { kind: "tooLarge" };

/** After a connection could not be made, the wait before the next attempt. */
const RECONNECT_DELAY_MS = 20;

export interface ClientHooks {
  timeoutMs: number;
  maxBodyBytes: number;
  /** The outcome of the response that just completed (its status; with a validator, as its request's onResponse hook judged it). */
  responseOutcome: (status: number) => Outcome;
  /** Every request's end: a response (with its latency), or a failure (latency 0). */
  onOutcome: (outcome: Outcome, latencyNs: number) => void;
}

/**
 * One of autocannon's per-connection clients (as setupClient hands it over), patched where it
 * falls short of a load test's needs, its outcomes reported to `hooks`:
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
export function patchClient(raw: unknown, hooks: ClientHooks): AutocannonClient {
  const { maxBodyBytes, onOutcome } = hooks;
  const client = raw as AutocannonClient;
  client.timeout = hooks.timeoutMs;
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
  client.on("response", (status: number, _bytes: number, durationMs: number) => {
    if (closeAfter) closingConn = client.conn;
    const outcome = overLimit ? TOO_LARGE : hooks.responseOutcome(status);
    overLimit = false;
    onOutcome(outcome, msToNs(durationMs));
  });
  client.on("timeout", () => onOutcome({ kind: "timeouts" }, 0));
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
  return client;
}
