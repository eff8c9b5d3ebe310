import { createHistogram, monitorEventLoopDelay, type IntervalHistogram, type RecordableHistogram } from "node:perf_hooks";
import type { WarmupSummary } from "./warmup.js";
import { nsToMs } from "../stats/metrics.js";

/**
 * How well the load generator itself kept up, measured all through a load cell: a generator that
 * cannot send on time measures its own queueing, not the server's. Times in ms.
 */
export interface GeneratorHealth {
  /** Open loop: the requested rate, requests/s; closed loop: null. */
  targetRate: number | null;
  /** Requests sent per second of the measured window (whatever their outcome). */
  achievedRate: number;
  /** Open loop: arrivals the schedule had in the measured window; closed loop: null. */
  scheduled: number | null;
  /** Requests sent in the measured window. */
  sent: number;
  /**
   * Open loop: scheduled requests never sent, because requests in flight were at the cap, the
   * request was already past its timeout when the generator got to it, or the window's wall time
   * ran out first. 0 in a closed loop.
   */
  dropped: number;
  /** Open loop: delay between each request's scheduled and actual send; null in a closed loop. */
  sendLagMs: { p50: number; p99: number; max: number } | null;
  /** Open loop: sends more than LATE_SEND_MS after their scheduled time; null in a closed loop. */
  lateSends: number | null;
  maxInFlight: number;
  /** The most requests in flight the generator allows (open loop), or its connections (closed loop). */
  inFlightCap: number;
  /** How late the generator's event loop ran (perf_hooks.monitorEventLoopDelay, 10 ms resolution). */
  eventLoopDelayMs: { p50: number; p99: number; max: number };
  /** CPU time of the generator's process over the window, in % of one core (user + system; in-process load includes the model's threads). */
  cpuPercent: number;
  /** Worker threads that drove the load (each its own schedule, pool and event loop); absent: the main thread alone. */
  workers?: number;
  /** How the warm-up ended (warmup.ts); absent when it was a fixed count of requests. Summed over workers (ms: the longest). */
  warmup?: WarmupSummary;
}

/** An open-loop cell is invalid when fewer than this share of its scheduled requests were sent... */
export const MIN_SENT_SHARE = 0.99;
/** ...or when more than this share of its sends left over LATE_SEND_MS after their scheduled time (the p99 of the send lag is above it). */
export const MAX_LATE_SHARE = 0.01;
/** A late send: the latency from the schedule then holds this much of the generator's own delay. */
export const LATE_SEND_MS = 10;
/** Either share must also be more than this many requests: one GC pause in a short, slow cell is not a generator that cannot keep up. */
const MIN_COUNT = 2;
/** Either loop is invalid when its event loop's p99 delay is above this: responses waited that long to be read and timed. */
export const MAX_EVENT_LOOP_P99_MS = 50;

const fmt = (x: number) => Math.round(x).toLocaleString("en-US");
const ms = (x: number) => (x < 10 ? x.toFixed(1) : fmt(x));
/** A rate: tenths below 10 req/s, where whole numbers would make 2.6 of 2.5 read "3 of 3". */
const rate = (x: number) => (x < 10 ? x.toFixed(1) : fmt(x));

/**
 * Why the generator could not drive the load, in one line naming the limit and what to change;
 * null when it kept up (thresholds above, docs/LOAD.md). `inProcess`: the load runs on the
 * generator's own thread (onnxruntime-node runs a session synchronously on the main thread), so
 * a late send or a blocked event loop is the workload's own queueing, which the latencies from
 * the schedule already show; only requests never sent make such a cell invalid.
 */
export function generatorLimit(h: GeneratorHealth, o: { inProcess?: boolean } = {}): string | null {
  const timing = o.inProcess !== true;
  const loop = `event loop p99 ${ms(h.eventLoopDelayMs.p99)} ms, generator CPU ${fmt(h.cpuPercent)}%`;
  if (h.scheduled !== null && h.targetRate !== null && h.scheduled > 0) {
    const lag = h.sendLagMs;
    const unsent = h.dropped > Math.max((1 - MIN_SENT_SHARE) * h.scheduled, MIN_COUNT);
    const late = timing && h.lateSends !== null && h.lateSends > Math.max(MAX_LATE_SHARE * h.sent, MIN_COUNT);
    if (unsent || late) {
      const late = lag !== null ? `, sends late by up to ${ms(lag.max)} ms (p99 ${ms(lag.p99)} ms)` : "";
      const dropped = h.dropped > 0 ? `, ${fmt(h.dropped)} never sent (${fmt(h.maxInFlight)} in flight at most, cap ${fmt(h.inFlightCap)})` : "";
      return `the generator fell behind: sent ${rate(h.achievedRate)} of ${rate(h.targetRate)} req/s${late}${dropped} (${loop}): lower the rate or give the generator more CPU`;
    }
  }
  if (timing && h.eventLoopDelayMs.p99 > MAX_EVENT_LOOP_P99_MS) {
    return `the generator's event loop was blocked (p99 ${ms(h.eventLoopDelayMs.p99)} ms, max ${ms(h.eventLoopDelayMs.max)} ms; CPU ${fmt(h.cpuPercent)}%): responses waited to be timed; lower the load or give the generator more CPU`;
  }
  return null;
}

/** The event-loop histogram's resolution, ms; Node records each whole interval, so this much is taken off. */
const LOOP_RESOLUTION_MS = 10;

const percentiles = (h: RecordableHistogram | IntervalHistogram, offsetMs = 0) => {
  if (h.count === 0) return { p50: 0, p99: 0, max: 0 };
  const at = (ns: number) => Math.max(0, nsToMs(ns) - offsetMs);
  return { p50: at(h.percentile(50)), p99: at(h.percentile(99)), max: at(h.max) };
};

/**
 * Watches a generator while it runs: its event loop's delay, its process's CPU, its requests in
 * flight and (open loop) each send's lag. Histograms (HdrHistogram in Node), so memory stays
 * constant however many requests go out.
 */
export class HealthMonitor {
  private readonly loop = monitorEventLoopDelay({ resolution: LOOP_RESOLUTION_MS });
  private readonly lag = createHistogram();
  private cpu0 = process.cpuUsage();
  private t0 = process.hrtime.bigint();
  private late = 0;
  inFlight = 0;
  maxInFlight = 0;

  /** Starts (or restarts, at the measured phase) the window. */
  start(): void {
    this.loop.reset();
    this.loop.enable();
    this.lag.reset();
    this.late = 0;
    this.maxInFlight = this.inFlight;
    this.cpu0 = process.cpuUsage();
    this.t0 = process.hrtime.bigint();
  }

  began(): void {
    if (++this.inFlight > this.maxInFlight) this.maxInFlight = this.inFlight;
  }

  ended(): void {
    this.inFlight--;
  }

  /** The measured phase's send lags and event-loop delays, as histograms that can be posted to another thread and merged. */
  histograms(): { lag: RecordableHistogram; loop: RecordableHistogram } {
    // An event-loop histogram cannot be added to another: it is rebuilt from its percentile
    // breakpoints (HdrHistogram's own iteration), one record per 10 ms sample, so a few thousand at most.
    const loop = createHistogram();
    const total = this.loop.count;
    let before = 0;
    for (const [p, value] of [...this.loop.percentiles.entries()].sort((a, b) => a[0] - b[0])) {
      const upTo = Math.round((p / 100) * total);
      for (; before < upTo; before++) loop.record(Math.max(1, value));
    }
    return { lag: this.lag, loop };
  }

  sendLag(ns: number): void {
    this.lag.record(Math.max(1, Math.round(ns)));
    if (ns > LATE_SEND_MS * 1e6) this.late++;
  }

  finish(o: { targetRate: number | null; scheduled: number | null; sent: number; dropped: number; windowNs: number; inFlightCap: number }): GeneratorHealth {
    this.loop.disable();
    const wallUs = Number(process.hrtime.bigint() - this.t0) / 1e3;
    const cpu = process.cpuUsage(this.cpu0);
    return {
      targetRate: o.targetRate,
      achievedRate: o.windowNs > 0 ? o.sent / (o.windowNs / 1e9) : 0,
      scheduled: o.scheduled,
      sent: o.sent,
      dropped: o.dropped,
      sendLagMs: o.targetRate !== null ? percentiles(this.lag) : null,
      lateSends: o.targetRate !== null ? this.late : null,
      maxInFlight: this.maxInFlight,
      inFlightCap: o.inFlightCap,
      eventLoopDelayMs: percentiles(this.loop, LOOP_RESOLUTION_MS),
      cpuPercent: wallUs > 0 ? ((cpu.user + cpu.system) / wallUs) * 100 : 0,
    };
  }
}

/**
 * The health of a generator that ran on several worker threads, from each one's counts and
 * histograms (exact: counts summed, histograms merged, not percentiles averaged). `cpuPercent`
 * is the whole process's over the window (Node 20 has no per-thread CPU time).
 */
export function mergeHealth(
  parts: readonly { health: GeneratorHealth; lag: RecordableHistogram; loop: RecordableHistogram }[],
  o: { cpuPercent: number },
): GeneratorHealth {
  const lag = createHistogram();
  const loop = createHistogram();
  const sum = (f: (h: GeneratorHealth) => number) => parts.reduce((a, p) => a + f(p.health), 0);
  for (const p of parts) {
    if (p.lag.count > 0) lag.add(p.lag);
    if (p.loop.count > 0) loop.add(p.loop);
  }
  const first = parts[0]?.health;
  const warmups = parts.flatMap((p) => (p.health.warmup ? [p.health.warmup] : []));
  const scheduled = first?.scheduled !== null ? sum((h) => h.scheduled ?? 0) : null;
  return {
    targetRate: first?.targetRate !== null ? sum((h) => h.targetRate ?? 0) : null,
    achievedRate: sum((h) => h.achievedRate),
    scheduled,
    sent: sum((h) => h.sent),
    dropped: sum((h) => h.dropped),
    sendLagMs: first?.sendLagMs ? percentiles(lag) : null,
    lateSends: first?.lateSends !== null ? sum((h) => h.lateSends ?? 0) : null,
    // Each worker's peak, summed: an upper bound on the requests out at once.
    maxInFlight: sum((h) => h.maxInFlight),
    inFlightCap: sum((h) => h.inFlightCap),
    eventLoopDelayMs: percentiles(loop, LOOP_RESOLUTION_MS),
    cpuPercent: o.cpuPercent,
    workers: parts.length,
    ...(warmups.length > 0
      ? {
          warmup: {
            requests: warmups.reduce((a, w) => a + w.requests, 0),
            ms: Math.max(...warmups.map((w) => w.ms)),
            settled: warmups.every((w) => w.settled),
          },
        }
      : {}),
  };
}
