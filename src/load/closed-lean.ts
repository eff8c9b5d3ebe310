import { monotonicClock } from "../util/clock.js";
import { HealthMonitor } from "./health.js";
import { type ConnectionOwner, LeanConnection, leanTarget, outcomeOf } from "./lean-http.js";
import { LoadRecorder } from "./recorder.js";
import type { HttpRequestSpec, LoadResult, Outcome } from "./types.js";
import { WarmupSettler, warmupBoundMs } from "./warmup.js";
import { msToNs } from "../stats/metrics.js";

export interface ClosedLoopHttpOptions {
  request: HttpRequestSpec;
  connections: number;
  durationMs: number;
  maxRequests?: number;
  warmupRequests?: number;
  /** Aborting ends the run early (as after SIGINT); what was measured so far is returned. */
  signal?: AbortSignal;
}

/** After a connection could not be made (refused, DNS), the wait before the next attempt. */
const RECONNECT_DELAY_MS = 20;
/** How long past the request timeout the drain at the end waits before it gives up. */
const DRAIN_SLACK_MS = 500;
/** How often requests past their deadline are looked for, as a share of the timeout (at least 1 ms, at most 50 ms). */
const SWEEP_SHARE = 1 / 20;
const TIMED_OUT = outcomeOf("timeouts");

/**
 * The closed loop on the lean client (lean-http.ts), with closedLoopHttp's contract (see there):
 * `connections` keep-alive connections, each writing its next request as soon as the last one
 * ended; each latency runs from the write to the response's last byte. A request past its
 * timeout is counted and its connection replaced; a connection the server closed, or that failed,
 * is replaced at once, or after RECONNECT_DELAY_MS when it could not be made (refused, DNS). The
 * measured phase starts once the warm-up has settled and ends after `durationMs`: no request is
 * written after that, and those in flight are awaited (up to their timeout) and counted.
 * `maxRequests` outcomes or an abort end it at once. Per request: one write of the same bytes,
 * the parser over each chunk read, a clock read at each end; no promise, closure or timer.
 */
export function closedLoopLean(o: ClosedLoopHttpOptions): Promise<LoadResult> {
  const spec = o.request;
  const clock = monotonicClock;
  const target = leanTarget(spec, clock);
  const timeoutNs = msToNs(spec.timeoutMs);
  const warmup = o.warmupRequests ?? 0;
  const maxRequests = o.maxRequests ?? Number.POSITIVE_INFINITY;
  const recorder = new LoadRecorder();
  const health = new HealthMonitor();
  const slots: (LeanConnection | undefined)[] = new Array<LeanConnection | undefined>(o.connections).fill(undefined);

  type Phase = "warmup" | "measure" | "drain" | "done";
  let phase: Phase = warmup > 0 ? "warmup" : "measure";
  const boundMs = warmupBoundMs(o.durationMs);
  const settler = warmup > 0 ? new WarmupSettler(warmup, boundMs, Number(clock())) : undefined;
  let windowStart = clock();
  let windowEnd: bigint | undefined;
  let stopTimer: NodeJS.Timeout | undefined;
  let drainTimer: NodeJS.Timeout | undefined;
  let busy = 0;
  let finish: (() => void) | undefined;

  const sending = (): boolean => phase === "warmup" || phase === "measure";

  const write = (c: LeanConnection): void => {
    c.startNs = clock();
    c.deadlineNs = Number(c.startNs) + timeoutNs;
    busy++;
    c.send();
  };
  const open = (slot: number): void => {
    const c = new LeanConnection(target, owner);
    c.tag = slot;
    slots[slot] = c;
    write(c);
  };
  /** The connection in `slot` is free: its next request, on it or (it is gone) a new one. */
  const next = (slot: number, c: LeanConnection, backOff: boolean): void => {
    if (!sending()) {
      if (phase === "drain" && busy === 0) stop();
      return;
    }
    if (!c.dead) write(c);
    else if (!backOff) open(slot);
    else {
      slots[slot] = undefined;
      setTimeout(() => {
        if (sending()) open(slot);
        else if (phase === "drain" && busy === 0) stop();
      }, RECONNECT_DELAY_MS);
    }
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

  const owner: ConnectionOwner = {
    ended(c, outcome, endNs) {
      busy--;
      const kind = outcome.kind;
      onOutcome(outcome, kind === "ok" ? Number(endNs - c.startNs) : 0);
      next(c.tag as number, c, kind === "refused" || kind === "dns");
    },
    gone() {},
  };

  const sweep = (): void => {
    const now = Number(clock());
    for (let slot = 0; slot < slots.length; slot++) {
      const c = slots[slot];
      if (c === undefined || !c.busy || c.deadlineNs > now) continue;
      c.abort();
      busy--;
      onOutcome(TIMED_OUT, 0);
      if (phase === "done") return;
      next(slot, c, false);
    }
  };
  const sweeper = setInterval(sweep, Math.min(50, Math.max(1, spec.timeoutMs * SWEEP_SHARE)));

  /** The duration is over: nothing more is written; the run ends once the requests out have. */
  const drain = (): void => {
    if (phase !== "measure") return;
    phase = "drain";
    if (busy === 0) stop();
    // A backstop: the sweep ends every request by its timeout.
    else drainTimer = setTimeout(stop, spec.timeoutMs + DRAIN_SLACK_MS);
  };
  function stop(): void {
    if (phase === "done") return;
    phase = "done";
    windowEnd = clock();
    clearTimeout(stopTimer);
    clearTimeout(drainTimer);
    clearInterval(sweeper);
    o.signal?.removeEventListener("abort", stop);
    for (const c of slots) c?.abort();
    finish?.();
  }

  return new Promise<LoadResult>((resolve) => {
    finish = () => {
      const durationNs = Number((windowEnd ?? clock()) - windowStart);
      const generator = health.finish({
        targetRate: null,
        scheduled: null,
        sent: recorder.count,
        dropped: 0,
        windowNs: durationNs,
        inFlightCap: o.connections,
      });
      const w = settler?.summary;
      resolve({
        ...recorder.result({ durationNs, targetRate: null }),
        // Each connection has one request out at a time (no pipelining).
        generator: { ...generator, maxInFlight: o.connections, ...(w ? { warmup: w } : {}) },
      });
    };
    if (o.signal?.aborted) {
      stop();
      return;
    }
    o.signal?.addEventListener("abort", stop, { once: true });
    if (phase === "measure") startMeasuring();
    else {
      // Warm-up is bounded in time too: a server that never answers must not hold the run.
      setTimeout(() => {
        if (phase === "warmup" && settler?.over(Number(clock())) !== false) startMeasuring();
      }, boundMs).unref();
    }
    for (let slot = 0; slot < o.connections; slot++) open(slot);
  });
}
