import { type Clock, monotonicClock } from "../util/clock.js";
import { LoadRecorder } from "./recorder.js";
import { type Arrival, arrivalOffsetsNs } from "./schedule.js";
import type { LoadResult, Outcome } from "./types.js";
import { msToNs, nsToMs } from "../stats/metrics.js";

/** A request that ended: how, and when (clock ns; the latency runs from the scheduled start to here). */
export interface Completion {
  outcome: Outcome;
  endNs: bigint;
}

export interface OpenLoopOptions {
  ratePerS: number;
  arrival: Arrival;
  durationMs: number;
  maxRequests?: number | undefined;
  seed: number;
  /** Requests sent on the same schedule before the measured phase and not recorded. */
  warmupRequests?: number | undefined;
  /** Sends one request; `scheduledNs` is its scheduled start on `clock`. Must not reject. */
  send: (scheduledNs: bigint) => Promise<Completion>;
  clock?: Clock;
  /** Aborting stops dispatching; requests in flight are still awaited and counted. */
  signal?: AbortSignal | undefined;
}

/** A dispatch later than this after its scheduled time counts as lagged. */
export const LAG_BOUND_NS = 10e6;
/** The generator is flagged when more than this fraction of the measured requests lagged. */
export const LAGGED_FRACTION = 0.01;

/**
 * The open-loop engine, shared by the HTTP and the in-process generators. Each request has a
 * scheduled start t_i (see arrivalOffsetsNs) and is dispatched at t_i whether or not earlier
 * requests have returned; its latency is completion − t_i, so time spent queued behind a stalled
 * server (or a late generator) is counted, not omitted: the "coordinated omission" that
 * closed-loop tools suffer (Gil Tene, "How NOT to Measure Latency"; wrk2; MLPerf LoadGen's Server
 * scenario). A timer waits for the next arrival; within 2 ms of it the loop yields with
 * setImmediate instead, because setTimeout fires up to a millisecond or more late. The generator
 * itself is checked: every dispatch's lag behind its schedule is measured, and when more than
 * 1% of them exceed 10 ms the result says generatorLagged, since the latencies then include the
 * generator's own delay.
 */
export function runOpenLoop(o: OpenLoopOptions): Promise<LoadResult> {
  const clock = o.clock ?? monotonicClock;
  const warmup = o.warmupRequests ?? 0;
  const maxMeasured = o.maxRequests ?? Number.POSITIVE_INFINITY;
  const durationNs = msToNs(o.durationMs);
  const recorder = new LoadRecorder();
  const offsets = arrivalOffsetsNs(o.ratePerS, o.arrival, o.seed);
  const outstanding = new Set<Promise<void>>();

  return new Promise<LoadResult>((resolve) => {
    const start = clock();
    let index = 0;
    let next = offsets.next().value;
    let windowStartNs = Number.NaN; // offset of the first measured arrival
    let measuredSent = 0;
    let lagged = 0;
    let maxLagNs = 0;
    let lastDispatchNs = start;

    const finished = (offset: number): boolean => {
      if (o.signal?.aborted) return true;
      if (index < warmup) return false;
      if (measuredSent >= maxMeasured) return true;
      return !Number.isNaN(windowStartNs) && offset - windowStartNs >= durationNs;
    };

    const dispatch = (offset: number): void => {
      const scheduled = start + BigInt(Math.round(offset));
      const measured = index >= warmup;
      if (measured && Number.isNaN(windowStartNs)) windowStartNs = offset;
      const now = clock();
      if (measured) {
        const lagNs = Number(now - scheduled);
        if (lagNs > maxLagNs) maxLagNs = lagNs;
        if (lagNs > LAG_BOUND_NS) lagged++;
        measuredSent++;
        lastDispatchNs = now;
      }
      const settle = ({ outcome, endNs }: Completion): void => {
        if (!measured) return;
        recorder.record(outcome, Number(endNs - scheduled));
      };
      const p = o.send(scheduled).then(settle, () => settle({ outcome: { kind: "other" }, endNs: clock() }));
      outstanding.add(p);
      void p.finally(() => outstanding.delete(p));
      index++;
    };

    let finishing = false;
    let timer: NodeJS.Timeout | undefined;
    const finish = async (): Promise<void> => {
      if (finishing) return;
      finishing = true;
      clearTimeout(timer);
      o.signal?.removeEventListener("abort", onAbort);
      while (outstanding.size > 0) await Promise.all([...outstanding]);
      const windowStart = start + BigInt(Math.round(Number.isNaN(windowStartNs) ? 0 : windowStartNs));
      // The measured window is the schedule's: from the first measured arrival to the last
      // dispatch. A straggler answering near its timeout must not stretch it (and so halve the
      // achieved rate); its latency already says how late it was.
      const end = lastDispatchNs;
      resolve(
        recorder.result({
          durationNs: Math.max(0, Number(end - windowStart)),
          targetRate: o.ratePerS,
          generatorLagged: measuredSent > 0 && lagged / measuredSent > LAGGED_FRACTION,
          maxDispatchLagNs: maxLagNs,
        }),
      );
    };

    const tick = (): void => {
      if (finishing) return;
      const elapsed = Number(clock() - start);
      while (next <= elapsed && !finished(next)) {
        dispatch(next);
        next = offsets.next().value;
      }
      if (finished(next)) {
        void finish();
        return;
      }
      const waitMs = nsToMs(next - Number(clock() - start));
      if (waitMs > 2) timer = setTimeout(tick, waitMs - 1);
      else setImmediate(tick);
    };

    const onAbort = (): void => tick();
    o.signal?.addEventListener("abort", onAbort);
    tick();
  });
}
