import { monotonicClock } from "../util/clock.js";
import { HealthMonitor } from "./health.js";
import { type ConnectionOwner, LeanConnection, leanTarget, outcomeOf } from "./lean-http.js";
import { LoadRecorder } from "./recorder.js";
import type { HttpRequestSpec, LoadResult } from "./types.js";
import { ClosedWindow } from "./closed-window.js";
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
  const recorder = new LoadRecorder();
  const health = new HealthMonitor();
  const slots: (LeanConnection | undefined)[] = new Array<LeanConnection | undefined>(o.connections).fill(undefined);
  const run = new ClosedWindow(o, clock, recorder, health, { drain: () => drain(), stop: () => stop() });
  let drainTimer: NodeJS.Timeout | undefined;
  let busy = 0;
  let finish: (() => void) | undefined;

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
    if (!run.sending) {
      if (run.phase === "drain" && busy === 0) stop();
      return;
    }
    if (!c.dead) write(c);
    else if (!backOff) open(slot);
    else {
      slots[slot] = undefined;
      setTimeout(() => {
        if (run.sending) open(slot);
        else if (run.phase === "drain" && busy === 0) stop();
      }, RECONNECT_DELAY_MS);
    }
  };

  const owner: ConnectionOwner = {
    ended(c, outcome, endNs) {
      busy--;
      const kind = outcome.kind;
      run.outcome(outcome, kind === "ok" ? Number(endNs - c.startNs) : 0);
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
      run.outcome(TIMED_OUT, 0);
      if (run.phase === "done") return;
      next(slot, c, false);
    }
  };
  const sweeper = setInterval(sweep, Math.min(50, Math.max(1, spec.timeoutMs * SWEEP_SHARE)));

  /** The duration is over: nothing more is written; the run ends once the requests out have. */
  const drain = (): void => {
    if (!run.toDrain()) return;
    if (busy === 0) stop();
    // A backstop: the sweep ends every request by its timeout.
    else drainTimer = setTimeout(stop, spec.timeoutMs + DRAIN_SLACK_MS);
  };
  function stop(): void {
    if (!run.end()) return;
    clearTimeout(drainTimer);
    clearInterval(sweeper);
    o.signal?.removeEventListener("abort", stop);
    for (const c of slots) c?.abort();
    finish?.();
  }

  return new Promise<LoadResult>((resolve) => {
    finish = () => resolve(run.result());
    if (o.signal?.aborted) {
      stop();
      return;
    }
    o.signal?.addEventListener("abort", stop, { once: true });
    run.begin();
    for (let slot = 0; slot < o.connections; slot++) open(slot);
  });
}
