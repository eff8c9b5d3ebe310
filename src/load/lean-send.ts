import { type Clock, monotonicClock } from "../util/clock.js";
import type { Done } from "./http-send.js";
import { DeadlineQueue } from "./deadline-queue.js";
import { type ConnectionOwner, LeanConnection, type LeanTarget, leanTarget, outcomeOf } from "./lean-http.js";
import type { HttpRequestSpec, Outcome } from "./types.js";
import { msToNs } from "../stats/metrics.js";

const TIMED_OUT = outcomeOf("timeouts");
/** How often requests past their deadline are looked for, as a share of the timeout (at least 1 ms, at most 50 ms). */
const SWEEP_SHARE = 1 / 20;

/** One request of the open loop: its deadline, who to tell, and the connection it is on (none while it waits). */
interface Req {
  deadlineNs: number;
  id: number;
  done: Done;
  conn: LeanConnection | undefined;
  ended: boolean;
}

/**
 * The open loop's HTTP path on the lean client (lean-http.ts), with HttpSender's contract: a pool
 * of at most `connections` keep-alive connections, opened as requests need them; a request that
 * finds every connection busy waits, in order, for the next one free (that wait is in its
 * latency). One sweep timer times requests out: they leave in the order of their schedule and
 * each one's deadline is its scheduled start + timeout, so only the oldest are looked at. A
 * request that times out on a connection takes the connection with it (its answer could still
 * come); one that times out while waiting is dropped from the wait.
 */
export class LeanSender implements ConnectionOwner {
  private readonly target: LeanTarget;
  private readonly timeoutNs: number;
  private readonly conns = new Set<LeanConnection>();
  private readonly idle: LeanConnection[] = [];
  /** Requests waiting for a connection, in order (waitHead: the first not yet taken). */
  private waiting: Req[] = [];
  private waitHead = 0;
  /** Every request not yet swept, in order of its deadline. */
  private readonly deadlines = new DeadlineQueue<Req>();
  private readonly sweeper: NodeJS.Timeout;
  private closed = false;

  constructor(
    spec: HttpRequestSpec,
    private readonly o: { connections: number },
    readonly clock: Clock = monotonicClock,
  ) {
    this.target = leanTarget(spec, clock);
    this.timeoutNs = msToNs(spec.timeoutMs);
    const periodMs = Math.min(50, Math.max(1, spec.timeoutMs * SWEEP_SHARE));
    this.sweeper = setInterval(() => this.sweep(), periodMs);
    this.sweeper.unref();
  }

  /** Sends request `id`, scheduled at `scheduledNs` (its deadline runs from there); `done(id, …)` once when it ended. */
  send(scheduledNs: bigint, id: number, done: Done): void {
    const r: Req = { deadlineNs: Number(scheduledNs) + this.timeoutNs, id, done, conn: undefined, ended: false };
    this.deadlines.push(r);
    let c = this.idle.pop();
    while (c !== undefined && c.dead) c = this.idle.pop();
    if (c === undefined && this.conns.size < this.o.connections) {
      c = new LeanConnection(this.target, this);
      this.conns.add(c);
    }
    if (c === undefined) this.waiting.push(r);
    else this.assign(c, r);
  }

  private assign(c: LeanConnection, r: Req): void {
    r.conn = c;
    c.tag = r;
    c.send();
  }

  ended(c: LeanConnection, outcome: Outcome, endNs: bigint): void {
    const r = c.tag as Req | undefined;
    c.tag = undefined;
    if (!c.dead) this.next(c);
    if (r === undefined || r.ended) return;
    r.ended = true;
    r.conn = undefined;
    r.done(r.id, outcome, endNs);
  }

  gone(c: LeanConnection): void {
    this.conns.delete(c);
    // A waiting request gets a new connection in its place.
    if (!this.closed && this.waitHead < this.waiting.length && this.conns.size < this.o.connections) {
      const n = new LeanConnection(this.target, this);
      this.conns.add(n);
      this.next(n);
    }
  }

  /** `c` is free: the next request waiting, else the idle list. */
  private next(c: LeanConnection): void {
    const { waiting } = this;
    while (this.waitHead < waiting.length) {
      const r = waiting[this.waitHead++] as Req;
      if (r.ended) continue;
      this.compactWaiting();
      this.assign(c, r);
      return;
    }
    this.compactWaiting();
    this.idle.push(c);
  }

  private compactWaiting(): void {
    if (this.waitHead === this.waiting.length) {
      this.waiting.length = 0;
      this.waitHead = 0;
    } else if (this.waitHead > 1024 && this.waitHead * 2 > this.waiting.length) {
      this.waiting = this.waiting.slice(this.waitHead);
      this.waitHead = 0;
    }
  }

  private sweep(): void {
    if (!this.deadlines.pending) return;
    const now = this.clock();
    this.deadlines.sweep(Number(now), (r) => {
      r.ended = true;
      const c = r.conn;
      r.conn = undefined;
      if (c !== undefined) {
        c.tag = undefined;
        c.abort();
      }
      r.done(r.id, TIMED_OUT, now);
    });
  }

  close(): Promise<void> {
    this.closed = true;
    clearInterval(this.sweeper);
    for (const c of this.conns) c.abort();
    this.conns.clear();
    this.idle.length = 0;
    return Promise.resolve();
  }
}
