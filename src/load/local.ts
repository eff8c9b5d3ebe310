import { monotonicClock } from "../util/clock.js";
import { HealthMonitor } from "./health.js";
import { type Completion, runOpenLoop } from "./open.js";
import { LoadRecorder } from "./recorder.js";
import type { Arrival } from "./schedule.js";
import type { LoadResult, Outcome } from "./types.js";
import { msToNs, nsToMs } from "../stats/metrics.js";

/** A call that has not settled by then counts as a timeout; the loop stops waiting for it (it cannot be cancelled). */
export const DEFAULT_TIMEOUT_MS = 30_000;

const OK: Outcome = { kind: "ok" };
const FAILED: Outcome = { kind: "other" };
const TIMED_OUT: Outcome = { kind: "timeouts" };

/**
 * Runs `call` and reports how it ended and how long it took, never rejecting. The clock is read
 * right around the call, so the timeout's timer and the promise plumbing stay outside the latency.
 */
function settle(call: () => Promise<unknown>, timeoutMs: number, clock: () => bigint): Promise<{ outcome: Outcome; ns: number }> {
  return new Promise((resolve) => {
    let t0 = 0n;
    const timer = setTimeout(() => {
      resolve({ outcome: TIMED_OUT, ns: Number(clock() - t0) });
    }, timeoutMs);
    const done = (outcome: Outcome): void => {
      const t1 = clock();
      clearTimeout(timer);
      resolve({ outcome, ns: Number(t1 - t0) });
    };
    try {
      t0 = clock();
      call().then(
        () => done(OK),
        () => done(FAILED),
      );
    } catch {
      done(FAILED);
    }
  });
}

/**
 * Closed loop in process: `concurrency` workers, each starting its next call as soon as its last
 * one returns, all on the same target (e.g. N session.run calls in flight on one session). Stops
 * after `durationMs` or `maxRequests` outcomes; calls still in flight then are awaited (they
 * cannot be cancelled) but not counted. A call that throws counts under errors.other, one that
 * does not settle within `timeoutMs` under errors.timeouts (the worker moves on; the call may
 * still be running). Aborting `signal` ends the run early, as after SIGINT.
 */
export async function closedLoopLocal(o: {
  call: () => Promise<unknown>;
  concurrency: number;
  durationMs: number;
  maxRequests?: number;
  timeoutMs?: number;
  signal?: AbortSignal;
}): Promise<LoadResult> {
  if (!(o.concurrency >= 1)) throw new RangeError(`concurrency must be at least 1, got ${o.concurrency}`);
  const clock = monotonicClock;
  const timeoutMs = o.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const maxRequests = o.maxRequests ?? Number.POSITIVE_INFINITY;
  const recorder = new LoadRecorder();
  const health = new HealthMonitor();
  health.start();
  const start = clock();
  const deadline = start + BigInt(Math.round(msToNs(o.durationMs)));
  let end: bigint | undefined;

  const worker = async (): Promise<void> => {
    while (end === undefined) {
      const { outcome, ns } = await settle(o.call, timeoutMs, clock);
      const t1 = clock();
      // Another worker may have ended the run while this one awaited.
      // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition
      if (end !== undefined) break;
      recorder.record(outcome, ns);
      if (recorder.count >= maxRequests || t1 >= deadline || o.signal?.aborted) end = t1;
    }
  };
  await Promise.all(Array.from({ length: o.concurrency }, worker));
  const durationNs = Number((end ?? clock()) - start);
  const generator = health.finish({ targetRate: null, scheduled: null, sent: recorder.count, dropped: 0, windowNs: durationNs, inFlightCap: o.concurrency });
  return { ...recorder.result({ durationNs, targetRate: null }), generator: { ...generator, maxInFlight: o.concurrency } };
}

/**
 * Open loop in process: calls start at a fixed or Poisson rate whatever the target does, and
 * each latency runs from the call's scheduled start (see runOpenLoop). Calls in flight at the end
 * are awaited up to `timeoutMs`.
 */
export function openLoopLocal(o: {
  call: () => Promise<unknown>;
  ratePerS: number;
  arrival: Arrival;
  durationMs: number;
  maxRequests?: number;
  seed: number;
  /** Trace replay: the whole schedule, ns from the start (see runOpenLoop). */
  scheduleNs?: Float64Array;
  /** The most calls in flight (default: open.ts defaultInFlightCap of the rate). */
  maxInFlight?: number;
  timeoutMs?: number;
  signal?: AbortSignal;
}): Promise<LoadResult> {
  const timeoutMs = o.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const clock = monotonicClock;
  return runOpenLoop({
    ratePerS: o.ratePerS,
    arrival: o.arrival,
    durationMs: o.durationMs,
    maxRequests: o.maxRequests,
    seed: o.seed,
    scheduleNs: o.scheduleNs,
    maxInFlight: o.maxInFlight,
    clock,
    signal: o.signal,
    timeoutMs,
    send: async (scheduledNs): Promise<Completion> => {
      const remainingMs = timeoutMs - nsToMs(Number(clock() - scheduledNs));
      const outcome = remainingMs > 0 ? (await settle(o.call, remainingMs, clock)).outcome : TIMED_OUT;
      return { outcome, endNs: clock() };
    },
  });
}
