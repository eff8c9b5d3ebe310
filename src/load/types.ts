/** Results of the load generators (closed and open loop, HTTP and in process). */

/** Failed requests, counted by kind. A request lands in exactly one bucket. */
export interface LoadErrors {
  /** Non-2xx responses by status code, e.g. { "500": 12 }. */
  status: Record<string, number>;
  /** No complete response within the request's timeout. */
  timeouts: number;
  /** The connection was refused (ECONNREFUSED). */
  refused: number;
  /** The connection was reset or closed before the response was complete. */
  reset: number;
  /** A 2xx response whose body fails the protocol's validation. */
  malformed: number;
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
}

export interface HttpRequestSpec {
  url: string;
  method: "POST" | "GET" | "PUT";
  headers: Record<string, string>;
  body: string | Buffer | undefined;
  timeoutMs: number;
  /** Checks a 2xx response; false counts the request as malformed. Not called for other statuses. */
  validate?: (status: number, body: Buffer) => boolean;
}

export type ErrorKind = "timeouts" | "refused" | "reset" | "malformed" | "other";

/** How one request ended. */
export type Outcome = { kind: "ok" } | { kind: "status"; status: number } | { kind: ErrorKind };

export function emptyErrors(): LoadErrors {
  return { status: {}, timeouts: 0, refused: 0, reset: 0, malformed: 0, other: 0 };
}
