import type { RecordableHistogram } from "node:perf_hooks";
import { type Clock, monotonicClock } from "../util/clock.js";
import { HealthMonitor, MIN_SENT_SHARE } from "./health.js";
import { LoadRecorder } from "./recorder.js";
import { type Arrival, arrivalOffsetsNs, listedOffsetsNs } from "./schedule.js";
import type { LoadResult, Outcome } from "./types.js";
import { WarmupSettler, warmupBoundMs } from "./warmup.js";
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
  /**
   * A schedule given in full (trace replay): offsets in ns from the origin, non-decreasing, instead
   * of `arrival` and `seed`; the loop ends after the last one (or at `durationMs`, if earlier).
   */
  scheduleNs?: ArrayLike<number> | undefined;
  /** Requests sent on the same schedule before the measured phase and not recorded. */
  warmupRequests?: number | undefined;
  /**
   * Sends one request; `scheduledNs` is its scheduled start on `clock`, `index` its place in the
   * schedule (from 0, warm-up included). Must not reject. Either this or `start`.
   */
  send?: (scheduledNs: bigint, index: number) => Promise<Completion>;
  /**
   * Sends one request and calls `done(id, …)` once when it ended (no promise or closure per
   * request: the HTTP generator's path; `done` is the same function for every request of the
   * run). Must not throw. Either this or `send`.
   */
  start?: (scheduledNs: bigint, id: number, done: OpenDone) => void;
  /**
   * Warm-up until the responses have settled (warmup.ts: consecutive windows' median latency
   * stable), with `warmupRequests` as the minimum and a bound in time, instead of exactly
   * `warmupRequests` requests.
   */
  settleWarmup?: boolean | undefined;
  /** The schedule's time zero on `clock` (default: now); a later one is waited for. Workers of one cell share it. */
  origin?: bigint | undefined;
  clock?: Clock;
  /** Aborting stops dispatching; requests in flight are still awaited and counted. */
  signal?: AbortSignal | undefined;
  /**
   * Each request's timeout from its scheduled start, ms: one the generator reaches later than that
   * is dropped, not sent; and requests still in flight this long (plus DRAIN_SLACK_MS) after the
   * last send are given up as timeouts, so a cell ends within its duration plus this (default 30 s).
   */
  timeoutMs?: number | undefined;
  /** The most requests in flight; a request due while that many are out is dropped (default defaultInFlightCap). */
  maxInFlight?: number | undefined;
  /** How the loop waits for an arrival that is near (OpenPacing; default `auto`). */
  pacing?: OpenPacing | undefined;
}

/** How a request started with `start` ended: its id as start() got it, its outcome, and the clock when it ended. */
export type OpenDone = (id: number, outcome: Outcome, endNs: bigint) => void;

/** A request's timeout when the caller gives none. */
const DEFAULT_OPEN_TIMEOUT_MS = 30_000;

/** The largest default cap on requests in flight: memory stays bounded at any target rate. */
export const MAX_IN_FLIGHT = 8192;
/**
 * A generator a little behind its schedule at the end of the window still sends what was due in
 * it for this long (a few ms late is a note, not requests lost at the edge); then it stops.
 */
const WALL_SLACK_NS = 100e6;
/** Dispatches in one turn of the event loop at most, so responses are read between bursts. */
const MAX_BURST = 256;
/** Within this long of the next arrival the loop no longer sleeps on a timer (which fires up to a millisecond or more late). */
const SPIN_WINDOW_MS = 2;

/**
 * How the open loop waits for an arrival less than SPIN_WINDOW_MS away. `spin`: it yields with
 * setImmediate and looks again, so each request leaves within a turn of the event loop of its
 * time, but the thread stays busy whatever the rate (a whole core when the machine has it).
 * `batch`: it sleeps on a 1 ms timer and sends all that is due when it wakes, so requests leave
 * up to a millisecond or two late (their latencies from the schedule include it: ~1 ms more at
 * p50 against a fast server) and the thread sleeps between turns, leaving the CPU to the server
 * and the machine's other work. `auto` (the default): spin, and at AUTO_BATCH_MIN_RATE or more,
 * batch for half a second (BATCH_HOLD_NS) after a spun send left more than 5 ms late
 * (ADAPT_LAG_NS: longer than most GC pauses, well under the 10 ms that makes a send late): the
 * spin's precision when the machine gives the generator a core, and a thread that asks for less
 * CPU when it does not (~25–35% more requests per CPU-second under load; docs/perf/load.md, "Why
 * the open loop's sends were late"). Below that rate `auto` always spins: a slow schedule costs
 * the spin little, and a millisecond of batching would be a bias against a fast server that no
 * health check flags.
 */
export type OpenPacing = "spin" | "batch" | "auto";
/** `auto` pacing: a spun send later than this (ns) means the thread is not getting a core... */
const ADAPT_LAG_NS = 5e6;
/** ...and the loop then batches for this long (ns) before it tries the spin again. */
const BATCH_HOLD_NS = 500e6;
/** `auto` pacing batches only at this many requests per second (this thread's) or more. */
export const AUTO_BATCH_MIN_RATE = 5000;
/** How long past the timeout the drain at the end waits before it gives up on requests in flight. */
export const DRAIN_SLACK_MS = 500;

/**
 * Room over rate × timeout: a request is timed out by a periodic sweep (up to 50 ms late) and a
 * Poisson schedule bunches, so against a server that answers nothing within the timeout exactly
 * rate × timeout requests can be out at once; with no room the cap then drops requests, which
 * reads as the generator falling behind when it is the server that is saturated.
 */
const IN_FLIGHT_ROOM = 1.25;

/** As many requests as can be outstanding before they time out (rate × timeout, with IN_FLIGHT_ROOM), at least 64, at most MAX_IN_FLIGHT. */
export function defaultInFlightCap(ratePerS: number, timeoutMs: number): number {
  return Math.min(MAX_IN_FLIGHT, Math.max(64, Math.ceil((IN_FLIGHT_ROOM * ratePerS * timeoutMs) / 1000)));
}

/** A dispatch later than this after its scheduled time counts as lagged. */
export const LAG_BOUND_NS = 10e6;
/** The generator is flagged when more than this fraction of the measured requests lagged. */
export const LAGGED_FRACTION = 0.01;

/** What a worker of a multi-threaded open loop hands back besides its LoadResult, so the parts merge exactly. */
export interface OpenLoopDetail {
  result: LoadResult;
  /** Each successful request's completion, ns after the origin, in the order of latenciesNs. */
  endsNs: Float64Array;
  /** Send lags (ns) and event-loop delays (ns) of the measured phase. */
  lag: RecordableHistogram;
  loop: RecordableHistogram;
}

/**
 * The open-loop engine, shared by the HTTP and the in-process generators. Each request has a
 * scheduled start t_i (see arrivalOffsetsNs) and is dispatched at t_i whether or not earlier
 * requests have returned; its latency is completion − t_i, so time spent queued behind a stalled
 * server (or a late generator) is counted, not omitted: the "coordinated omission" that
 * closed-loop tools suffer (Gil Tene, "How NOT to Measure Latency"; wrk2; MLPerf LoadGen's Server
 * scenario). A timer waits for the next arrival; within 2 ms of it the loop spins (yields with
 * setImmediate) or wakes every millisecond (OpenPacing: `auto` picks); every arrival
 * that is due is sent in the same turn (up to MAX_BURST). The generator itself is
 * checked all the time (health.ts): every send's lag behind its schedule, requests in flight,
 * its event loop's delay and its CPU (result.generator); a cell whose generator could not keep
 * up (health.ts generatorLimit) is invalid, since its latencies then include the generator's own
 * delay. Memory and time stay bounded at any rate: at most maxInFlight requests are out (one due
 * beyond that is dropped and counted), a request the generator reaches after its timeout is
 * dropped rather than sent, dispatching stops when the window's wall time is up even if the
 * schedule is behind, and the drain gives up after the timeout.
 */
export async function runOpenLoop(o: OpenLoopOptions): Promise<LoadResult> {
  return (await runOpenLoopDetailed(o)).result;
}

/** runOpenLoop, with what a multi-threaded open loop needs to merge its workers' parts exactly. */
export function runOpenLoopDetailed(o: OpenLoopOptions & { keepEnds?: boolean }): Promise<OpenLoopDetail> {
  const clock = o.clock ?? monotonicClock;
  const warmup = o.warmupRequests ?? 0;
  const maxMeasured = o.maxRequests ?? Number.POSITIVE_INFINITY;
  const durationNs = msToNs(o.durationMs);
  const timeoutMs = o.timeoutMs ?? DEFAULT_OPEN_TIMEOUT_MS;
  const timeoutNs = msToNs(timeoutMs);
  const cap = o.maxInFlight ?? defaultInFlightCap(o.ratePerS, timeoutMs);
  const recorder = new LoadRecorder({ keepEnds: o.keepEnds === true });
  const health = new HealthMonitor();
  const offsets = o.scheduleNs ? listedOffsetsNs(o.scheduleNs) : arrivalOffsetsNs(o.ratePerS, o.arrival, o.seed);
  const send = o.send;
  const startCb = o.start;
  if (!send === !startCb) throw new TypeError("runOpenLoop: give exactly one of send and start");

  return new Promise<OpenLoopDetail>((resolve) => {
    const start = o.origin ?? clock();
    const settler = o.settleWarmup === true ? new WarmupSettler(warmup, warmupBoundMs(o.durationMs), Number(clock() - start)) : undefined;
    let warming = settler !== undefined || warmup > 0;
    let index = 0;
    let next = offsets.next().value;
    let windowStartNs = Number.NaN; // offset of the first measured arrival
    let measuredSent = 0;
    let dropped = 0;
    let measuredInFlight = 0;
    let lagged = 0;
    let maxLagNs = 0;
    let lastDispatchNs = start;
    let stoppedEarly = false; // by maxRequests or an abort: the rest of the schedule was not asked for
    let closed = false;
    let finishing = false;
    let onIdle: (() => void) | undefined;

    const measuring = (nowOffset: number): boolean => {
      if (!warming) return true;
      if (settler ? settler.over(nowOffset) : index >= warmup) warming = false;
      return !warming;
    };
    const finished = (offset: number, elapsed: number): boolean => {
      if (o.signal?.aborted || measuredSent >= maxMeasured) {
        stoppedEarly = true;
        return true;
      }
      if (warming || Number.isNaN(windowStartNs)) return false;
      // The schedule's window is over, or its wall time is (a generator behind its schedule stops on time).
      return offset - windowStartNs >= durationNs || elapsed - windowStartNs >= durationNs + WALL_SLACK_NS;
    };

    /** One request ended: its latency from the scheduled start (offset ns from the start) goes to the recorder or (warm-up) the settler. */
    const settle = (measured: boolean, scheduledOffset: number, outcome: Outcome, endNs: bigint): void => {
      if (--health.inFlight === 0 && onIdle) onIdle();
      if (closed) return;
      const endOffset = Number(endNs - start);
      if (!measured) {
        settler?.record(outcome.kind === "ok" ? endOffset - scheduledOffset : Number.NaN);
        return;
      }
      measuredInFlight--;
      recorder.record(outcome, endOffset - scheduledOffset, endOffset);
    };

    // The `start` path's requests in flight, by id (< cap: at most cap are out), in typed arrays:
    // the scheduled offset, and whether it is out and measured. Ids are reused from a stack.
    const ids = startCb ? cap : 0;
    const idOffset = new Float64Array(ids);
    const idFlags = new Uint8Array(ids);
    const freeIds = new Int32Array(ids);
    let freeTop = ids;
    for (let i = 0; i < ids; i++) freeIds[i] = ids - 1 - i;
    const LIVE = 1;
    const MEASURED = 2;
    const done: OpenDone = (id, outcome, endNs) => {
      const flags = idFlags[id];
      if (flags === undefined || (flags & LIVE) === 0) return;
      idFlags[id] = 0;
      freeIds[freeTop++] = id;
      settle((flags & MEASURED) !== 0, idOffset[id] as number, outcome, endNs);
    };

    const dispatch = (offset: number, now: bigint): void => {
      const scheduledOffset = Math.round(offset);
      const scheduled = start + BigInt(scheduledOffset);
      const measured = measuring(Number(now - start));
      if (measured && Number.isNaN(windowStartNs)) {
        windowStartNs = offset;
        health.start();
      }
      const at = index++;
      const lagNs = Number(now - scheduled);
      if (measured) {
        health.sendLag(lagNs);
        if (lagNs > maxLagNs) maxLagNs = lagNs;
        if (lagNs > LAG_BOUND_NS) lagged++;
      }
      if (health.inFlight >= cap || lagNs >= timeoutNs) {
        if (measured) dropped++;
        return;
      }
      if (measured) {
        measuredSent++;
        measuredInFlight++;
        lastDispatchNs = now;
      }
      health.began();
      if (startCb) {
        // A free id exists: fewer than cap are in flight (checked above).
        const id = freeIds[--freeTop] as number;
        idOffset[id] = scheduledOffset;
        idFlags[id] = measured ? LIVE | MEASURED : LIVE;
        startCb(scheduled, id, done);
      } else if (send) {
        send(scheduled, at).then(
          (c) => settle(measured, scheduledOffset, c.outcome, c.endNs),
          () => settle(measured, scheduledOffset, { kind: "other" }, clock()),
        );
      }
    };

    let timer: NodeJS.Timeout | undefined;
    const finish = async (): Promise<void> => {
      if (finishing) return;
      finishing = true;
      clearTimeout(timer);
      o.signal?.removeEventListener("abort", onAbort);
      // Requests in flight are awaited up to their timeout (and a little), then counted as timeouts.
      if (health.inFlight > 0) {
        let drainTimer: NodeJS.Timeout | undefined;
        await new Promise<void>((r) => {
          onIdle = r;
          drainTimer = setTimeout(r, timeoutMs + DRAIN_SLACK_MS);
        });
        clearTimeout(drainTimer);
      }
      closed = true;
      for (; measuredInFlight > 0; measuredInFlight--) recorder.fail("timeouts");
      const windowStart = start + BigInt(Math.round(Number.isNaN(windowStartNs) ? 0 : windowStartNs));
      // The measured window is the schedule's: from the first measured arrival to the last
      // dispatch. A straggler answering near its timeout must not stretch it (and so halve the
      // achieved rate); its latency already says how late it was.
      const windowNs = Math.max(0, Number(lastDispatchNs - windowStart));
      // Arrivals the schedule had in the window that were never reached count as dropped.
      let scheduled = measuredSent + dropped;
      if (!stoppedEarly && !Number.isNaN(windowStartNs)) {
        for (let t = next; t - windowStartNs < durationNs; t = offsets.next().value) scheduled++;
      }
      const generator = health.finish({
        targetRate: o.ratePerS,
        scheduled,
        sent: measuredSent,
        dropped: scheduled - measuredSent,
        // The rate is over the schedule's window unless the run was cut short on purpose.
        windowNs: stoppedEarly ? windowNs : durationNs,
        inFlightCap: cap,
      });
      const w = settler?.summary;
      const result: LoadResult = {
        ...recorder.result({
          durationNs: windowNs,
          targetRate: o.ratePerS,
          generatorLagged: scheduled > 0 && (measuredSent / scheduled < MIN_SENT_SHARE || lagged / Math.max(1, measuredSent) > LAGGED_FRACTION),
          maxDispatchLagNs: maxLagNs,
        }),
        generator: w ? { ...generator, warmup: w } : generator,
      };
      resolve({ result, endsNs: recorder.ends(), ...health.histograms() });
    };

    // Below AUTO_BATCH_MIN_RATE, auto is the spin (see OpenPacing).
    const pacing: OpenPacing = (o.pacing ?? "auto") === "auto" && o.ratePerS < AUTO_BATCH_MIN_RATE ? "spin" : (o.pacing ?? "auto");
    let batching = pacing === "batch";
    /** `auto`: when (elapsed ns) batching ends and the spin is tried again. */
    let spinAgainAt = 0;
    /** Sends what is due (up to MAX_BURST), each with a fresh clock for its lag; false once the schedule is over. */
    const pump = (now: bigint): boolean => {
      let at = now;
      let elapsed = Number(now - start);
      let burst = 0;
      while (next <= elapsed && burst < MAX_BURST && !finished(next, elapsed)) {
        if (pacing === "auto" && !batching && elapsed - next > ADAPT_LAG_NS) {
          batching = true;
          spinAgainAt = elapsed + BATCH_HOLD_NS;
        }
        dispatch(next, at);
        next = offsets.next().value;
        burst++;
        at = clock();
        elapsed = Number(at - start);
      }
      // A listed schedule (a trace) that has run out ends the loop too.
      return !(finished(next, elapsed) || next === Number.POSITIVE_INFINITY);
    };
    const tick = (): void => {
      if (finishing) return;
      const now = clock();
      if (batching && pacing === "auto" && Number(now - start) >= spinAgainAt) batching = false;
      if (!pump(now)) {
        void finish();
        return;
      }
      const waitMs = nsToMs(next - Number(clock() - start));
      if (waitMs > SPIN_WINDOW_MS) timer = setTimeout(tick, waitMs - 1);
      // Behind (or MAX_BURST cut the turn short): the next turn at once, after the responses read meanwhile.
      else if (waitMs <= 0 || !batching) setImmediate(tick);
      else timer = setTimeout(tick, 1);
    };

    const onAbort = (): void => tick();
    o.signal?.addEventListener("abort", onAbort);
    tick();
  });
}
