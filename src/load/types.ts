/** Results of the load generators (closed and open loop, HTTP and in process). */
import type { GeneratorHealth } from "./health.js";

/** Failed requests, counted by kind. A request lands in exactly one bucket. */
export interface LoadErrors {
  /** Non-2xx responses by status code, e.g. { "500": 12 }. */
  status: Record<string, number>;
  /** No complete response within the request's timeout. */
  timeouts: number;
  /** The connection was refused (ECONNREFUSED): nothing listens there, or the server is restarting. */
  refused: number;
  /** The server's host name did not resolve (ENOTFOUND, EAI_AGAIN). Absent from results stored before it was counted. */
  dns?: number;
  /** The connection was reset or closed before the response was complete. */
  reset: number;
  /** A response that is not HTTP, or a 2xx response whose body fails the protocol's validation. */
  malformed: number;
  /**
   * A response body over the request's maxResponseBytes: the read stops there and the connection
   * is closed. Absent from results stored before it was counted.
   */
  tooLarge?: number;
  /** Anything else (e.g. an in-process call that threw). */
  other: number;
}

export interface LoadResult {
  /** Latencies of the successful requests, ns, in order of completion; open loop: from each request's scheduled start. */
  latenciesNs: Float64Array;
  /** Requests counted in the measured phase: sent = ok + errorCount. */
  sent: number;
  ok: number;
  errors: LoadErrors;
  errorCount: number;
  /** Wall time of the measured phase, ns. */
  durationNs: number;
  /** Open loop: the requested arrival rate, requests/s; closed loop: null. */
  targetRate: number | null;
  /** Successful requests per second over the measured phase. */
  achievedRate: number;
  /** Open loop only: the dispatcher fell behind its schedule (see open.ts for the bound). */
  generatorLagged: boolean;
  /** Open loop: the largest delay between a request's scheduled and actual dispatch, ns; closed loop: 0. */
  maxDispatchLagNs: number;
  /** How well the generator kept up (absent from a fake runner's results and from older ones). */
  generator?: GeneratorHealth;
}

export interface HttpRequestSpec {
  url: string;
  method: "POST" | "GET" | "PUT";
  headers: Record<string, string>;
  body: string | Buffer | undefined;
  timeoutMs: number;
  /** The largest response body read; a larger one counts as tooLarge (default DEFAULT_MAX_RESPONSE_BYTES). */
  maxResponseBytes?: number;
  /** Checks a 2xx response; false counts the request as malformed. Not called for other statuses. */
  validate?: (status: number, body: Buffer) => boolean;
  /**
   * Where `validate` can be imported from (a module URL and its export), so that the open loop's
   * worker threads validate too; without it a spec with `validate` runs on the main thread.
   */
  validator?: { module: string; name: string };
}

/**
 * The largest response body a load generator reads by default: 64 MiB holds the JSON of large
 * outputs (a detector's [1, 25200, 85] float32 tensor is about 25 MB as text) and bounds the
 * memory of a run at connections × this.
 */
export const DEFAULT_MAX_RESPONSE_BYTES = 64 * 1024 * 1024;

/** The kinds of failed requests other than non-2xx statuses, in the order they are reported. */
export const ERROR_KINDS = ["timeouts", "refused", "dns", "reset", "malformed", "tooLarge", "other"] as const;
export type ErrorKind = (typeof ERROR_KINDS)[number];

/** How one request ended. */
export type Outcome = { kind: "ok" } | { kind: "status"; status: number } | { kind: ErrorKind };

export function emptyErrors(): LoadErrors {
  return { status: {}, timeouts: 0, refused: 0, dns: 0, reset: 0, malformed: 0, tooLarge: 0, other: 0 };
}
