import { type Dispatcher, Pool } from "undici";
import { type Clock, monotonicClock } from "../util/clock.js";
import { checkRequest, responseOutcome, userHeaders } from "./http-common.js";
import { DeadlineQueue } from "./deadline-queue.js";
import { classifyNetworkError } from "./recorder.js";
import { DEFAULT_MAX_RESPONSE_BYTES, type HttpRequestSpec, type Outcome } from "./types.js";
import { msToNs } from "../stats/metrics.js";

/** How a request ended (open.ts OpenDone): its id, outcome, and the clock when it did. */
export type Done = (id: number, outcome: Outcome, endNs: bigint) => void;

const TIMED_OUT: Outcome = { kind: "timeouts" };
const OK: Outcome = { kind: "ok" };
/** How often requests past their deadline are looked for, as a share of the timeout (at least 1 ms, at most 50 ms). */
const SWEEP_SHARE = 1 / 20;

/** One error for every cancelled request: building a stack per timeout costs what the generator cannot spare when it is behind. */
const TIMEOUT_ERROR = Object.assign(new Error("timed out"), { code: "BENCH_TIMEOUT" });

/**
 * One request in flight, and undici's handler for it (the dispatch interface, so no promise,
 * stream or AbortController per request). The body is kept only when the spec validates it.
 */
class InFlight {
  status = 0;
  private chunks: Buffer[] | undefined;
  private abort: ((err: Error) => void) | undefined;
  timedOut = false;
  ended = false;

  constructor(
    private readonly sender: HttpSender,
    readonly deadlineNs: number,
    private readonly id: number,
    private readonly done: Done,
  ) {}

  onConnect(abort: (err: Error) => void): void {
    this.abort = abort;
    if (this.timedOut) abort(TIMEOUT_ERROR);
  }

  onHeaders(status: number): boolean {
    this.status = status;
    this.chunks = undefined;
    return true;
  }

  onData(chunk: Buffer): boolean {
    if (this.sender.keepBody) (this.chunks ??= []).push(chunk);
    return true;
  }

  onComplete(): void {
    const endNs = this.sender.clock();
    if (this.ended) return;
    this.ended = true;
    const { spec } = this.sender;
    const outcome =
      spec.validate === undefined && this.status >= 200 && this.status <= 299
        ? OK
        : responseOutcome(spec, this.status, () => (this.chunks?.length === 1 ? (this.chunks[0] as Buffer) : Buffer.concat(this.chunks ?? [])));
    this.done(this.id, outcome, endNs);
  }

  onError(err: Error): void {
    const endNs = this.sender.clock();
    if (this.ended) return;
    this.ended = true;
    this.done(this.id, this.timedOut ? TIMED_OUT : { kind: classifyNetworkError(err) }, endNs);
  }

  /** Past its deadline: counted as a timeout now, its request cancelled (at once, or when it leaves the pool's queue). */
  expire(endNs: bigint): void {
    if (this.ended) return;
    this.timedOut = true;
    this.ended = true;
    this.done(this.id, TIMED_OUT, endNs);
    this.abort?.(TIMEOUT_ERROR);
  }
}

/**
 * The open loop's HTTP path: an undici Pool driven through `dispatch` with a plain handler, and
 * one sweep timer for every request's timeout instead of a timer and an AbortController per
 * request. Requests leave in the order of their schedule and each one's deadline is its
 * scheduled start + timeout, so the deadlines of the requests in flight are in the order they
 * were sent: the sweep looks at the oldest ones only. Timing is the caller's (the loop times
 * from the schedule); `done` is called once per request, with the clock read first.
 */
export class HttpSender {
  private readonly pool: Pool;
  private readonly opts: Dispatcher.DispatchOptions;
  private readonly timeoutNs: number;
  private readonly deadlines = new DeadlineQueue<InFlight>();
  private readonly sweeper: NodeJS.Timeout;
  readonly keepBody: boolean;

  constructor(
    readonly spec: HttpRequestSpec,
    o: { connections: number; pipelining?: number | undefined },
    readonly clock: Clock = monotonicClock,
  ) {
    const url = checkRequest(spec);
    this.pool = new Pool(url.origin, {
      connections: o.connections,
      pipelining: o.pipelining ?? 1,
      headersTimeout: 0,
      bodyTimeout: 0,
      connect: { timeout: spec.timeoutMs },
      maxResponseSize: spec.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES,
    });
    const headers = userHeaders(spec);
    this.opts = { path: url.pathname + url.search, method: spec.method, headers, body: spec.body ?? null };
    this.keepBody = spec.validate !== undefined;
    this.timeoutNs = msToNs(spec.timeoutMs);
    const periodMs = Math.min(50, Math.max(1, spec.timeoutMs * SWEEP_SHARE));
    this.sweeper = setInterval(() => this.sweep(), periodMs);
    this.sweeper.unref();
  }

  /** Sends request `id`, scheduled at `scheduledNs` (its deadline runs from there); `done(id, …)` once when it ended. */
  send(scheduledNs: bigint, id: number, done: Done): void {
    const r = new InFlight(this, Number(scheduledNs) + this.timeoutNs, id, done);
    this.deadlines.push(r);
    try {
      this.pool.dispatch(this.opts, r);
    } catch (err) {
      r.onError(err instanceof Error ? err : new Error(String(err)));
    }
  }

  private sweep(): void {
    if (!this.deadlines.pending) return;
    const now = this.clock();
    this.deadlines.sweep(Number(now), (r) => r.expire(now));
  }

  close(): Promise<void> {
    clearInterval(this.sweeper);
    return this.pool.destroy();
  }
}
