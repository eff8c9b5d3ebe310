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
  /** A streaming (generative) cell's per-request values; absent for every other cell. */
  generative?: GenerativeSamples;
  /** Trace replay: the trace and how it was replayed; absent for every other load. */
  trace?: TraceReplay;
}

/** The trace a cell replayed (suite `load: { arrival: trace }`): which file, and how. */
export interface TraceReplay {
  /** As the suite names it (relative to the suite file). */
  path: string;
  sha256: string;
  /** Requests in the file. */
  requests: number;
  /** From its first to its last timestamp, ms. */
  spanMs: number;
  /** The time scale the trace was replayed at: 2 is twice as fast as recorded. */
  speedup: number;
  /** Requests of the trace this replay scheduled (fewer than `requests` when load.durationMs cut it short, or on a load shard). */
  scheduled: number;
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

/**
 * A generative (streaming) cell's per-request values, filled by src/runners/http/generative-load.ts.
 * Index i is the i-th successful request in order of completion, in every per-request array.
 */
export interface GenerativeSamples {
  /** Time to first token: from the request's start (open loop: scheduled) to its first chunk with text, ns. */
  ttftNs: Float64Array;
  /** End to end: from the start to the end of the stream, ns (the cell's latency of the same request). */
  e2eNs: Float64Array;
  /** (e2e − ttft) / (outputTokens − 1), ns; NaN for a response of fewer than 2 tokens. */
  tpotNs: Float64Array;
  outputTokens: Float64Array;
  /** The server's prompt_tokens, else the synthetic prompt's planned length; NaN when neither is known. */
  inputTokens: Float64Array;
  /** Every gap between successive text chunks of every successful request; request i's are itlNs[itlOffsets[i]] up to itlNs[itlOffsets[i + 1]]. */
  itlNs: Float64Array;
  itlOffsets: Uint32Array;
  /** Whose count each successful request's outputTokens is: the server's usage, the local tokenizer's, or (neither) its text chunks. */
  tokenSource: { usage: number; tokenizer: number; chunks: number };
  /** The suite's local tokenizer, or null. */
  tokenizer: string | null;
  /** Requests with both a usage and a local count, how many differ, and by how much at most. */
  tokenizerCheck: { compared: number; differing: number; maxAbsDiff: number; usageTotal: number; tokenizerTotal: number };
  faults: StreamFaultCounts;
  /** From the earliest start to the latest end of the measured requests, ns: the time the output tokens took to come. */
  spanNs: number;
}

/** What went wrong in streams, by kind (a failed request is also in LoadErrors: errorEvent → other, stall → timeouts, cut → reset, malformedEvent/noTokens → malformed). */
export interface StreamFaultCounts {
  /** A `data: {"error": …}` event mid-stream. */
  errorEvents: number;
  /** The answer began, then no bytes came within the stall limit (or the timeout). */
  stalls: number;
  /** The connection closed, or the stream ended without [DONE] or a finish_reason. */
  cuts: number;
  /** An event whose data is not JSON. */
  malformedEvents: number;
  /** A complete stream that carried no text. */
  noTokens: number;
  /** Data events without text or usage, in all requests (not failures). */
  emptyChunks: number;
  /** Successful requests with more tokens than text chunks: some chunk carried several tokens (not failures). */
  multiTokenChunks: number;
}
