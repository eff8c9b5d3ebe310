import { ERROR_KINDS, type ErrorKind, type LoadErrors, type LoadResult, type Outcome, emptyErrors } from "./types.js";
import { nsToS } from "../stats/metrics.js";

/**
 * Collects outcomes of one measured phase. Recording is O(1) amortised and allocation-free
 * except when the latency buffer doubles, so it can sit inside a load loop.
 */
export class LoadRecorder {
  private latencies = new Float64Array(4096);
  /** keepEnds: each success's completion time (ns from the loop's origin), so parts from several threads merge in completion order. */
  private endTimes: Float64Array<ArrayBuffer> | undefined;
  private n = 0;
  sent = 0;
  ok = 0;
  readonly errors: LoadErrors = emptyErrors();

  constructor(o: { keepEnds?: boolean } = {}) {
    if (o.keepEnds === true) this.endTimes = new Float64Array(4096);
  }

  record(outcome: Outcome, latencyNs: number, endNs = 0): void {
    this.sent++;
    if (outcome.kind === "ok") this.success(latencyNs, endNs);
    else if (outcome.kind === "status") this.failStatus(outcome.status);
    else this.fail(outcome.kind);
  }

  success(latencyNs: number, endNs = 0): void {
    if (this.n === this.latencies.length) {
      this.latencies = grow(this.latencies);
      if (this.endTimes) this.endTimes = grow(this.endTimes);
    }
    if (this.endTimes) this.endTimes[this.n] = endNs;
    this.latencies[this.n++] = latencyNs;
    this.ok++;
  }

  /** The completion times kept (empty unless keepEnds). */
  ends(): Float64Array {
    return this.endTimes ? this.endTimes.slice(0, this.n) : new Float64Array(0);
  }

  failStatus(status: number): void {
    const key = String(status);
    this.errors.status[key] = (this.errors.status[key] ?? 0) + 1;
  }

  fail(kind: ErrorKind): void {
    this.errors[kind] = (this.errors[kind] ?? 0) + 1;
  }

  /** Outcomes so far (successes and failures). */
  get count(): number {
    return this.ok + errorCount(this.errors);
  }

  result(o: { durationNs: number; targetRate: number | null; generatorLagged?: boolean; maxDispatchLagNs?: number }): LoadResult {
    const count = errorCount(this.errors);
    return {
      latenciesNs: this.latencies.slice(0, this.n),
      sent: this.ok + count,
      ok: this.ok,
      errors: { ...this.errors, status: { ...this.errors.status } },
      errorCount: count,
      durationNs: o.durationNs,
      targetRate: o.targetRate,
      achievedRate: o.durationNs > 0 ? this.ok / nsToS(o.durationNs) : 0,
      generatorLagged: o.generatorLagged ?? false,
      maxDispatchLagNs: o.maxDispatchLagNs ?? 0,
    };
  }
}

function grow(a: Float64Array<ArrayBuffer>): Float64Array<ArrayBuffer> {
  const grown = new Float64Array(a.length * 2);
  grown.set(a);
  return grown;
}

export function errorCount(e: LoadErrors): number {
  let n = 0;
  for (const k of ERROR_KINDS) n += e[k] ?? 0;
  for (const v of Object.values(e.status)) n += v;
  return n;
}

/**
 * The failed requests in one line, by kind as the run JSON names them: "HTTP 500 ×12, timeouts ×3".
 * Empty when none failed. Kinds missing from an older stored result count as none.
 */
export function describeLoadErrors(e: LoadErrors): string {
  const parts = [
    ...Object.entries(e.status).map(([code, n]) => `HTTP ${code} ×${n}`),
    ...ERROR_KINDS.flatMap((k) => {
      const n = e[k] ?? 0;
      return n > 0 ? [`${k} ×${n}`] : [];
    }),
  ];
  return parts.join(", ");
}

/** getaddrinfo's codes for a name that did not resolve (Node's dns module). */
const DNS_CODES = new Set(["ENOTFOUND", "EAI_AGAIN", "EAI_NONAME", "EAI_FAIL", "EAI_NODATA", "ENODATA"]);

/** The bucket of a network error, by the codes Node's net module and undici give. */
export function classifyNetworkError(err: unknown): ErrorKind {
  const { code, name } = typeof err === "object" && err !== null ? (err as { code?: unknown; name?: unknown }) : {};
  // undici's HTTPParserError (code HPE_… or none): the bytes that came back are not an HTTP response.
  if (name === "HTTPParserError" || (typeof code === "string" && code.startsWith("HPE_"))) return "malformed";
  if (typeof code !== "string") return "other";
  if (DNS_CODES.has(code)) return "dns";
  switch (code) {
    case "ECONNREFUSED":
      return "refused";
    case "ECONNRESET":
    case "EPIPE":
    case "ECONNABORTED":
    case "UND_ERR_SOCKET": // undici: "other side closed" before the response was complete
      return "reset";
    case "ETIMEDOUT":
    case "UND_ERR_CONNECT_TIMEOUT":
    case "UND_ERR_HEADERS_TIMEOUT":
    case "UND_ERR_BODY_TIMEOUT":
      return "timeouts";
    case "UND_ERR_RES_EXCEEDED_MAX_SIZE": // undici's maxResponseSize
      return "tooLarge";
    default:
      return "other";
  }
}
