import type { StopReason } from "../results.js";
import type { MeasurePlan } from "../suite/resolve.js";
import { headlineRelativeHalfWidth, msToNs, PERCENTILE_PROBABILITY } from "../stats/index.js";
import { type SettleRule, settled as settledBy } from "../stats/settle.js";
import { steadyStateCut } from "../stats/steady-cut.js";
import { type Clock, monotonicClock } from "../util/clock.js";

export type { StopReason } from "../results.js";

type WarmupEnd = "settled" | "still-falling" | "process-calls";

export interface Measurement {
  /** Latency of the first call on a fresh session (cold start), ns. Not part of `latenciesNs`. */
  firstCallNs: number;
  warmupIterations: number;
  /** Steady-state latencies in measurement order, ns. */
  latenciesNs: Float64Array;
  /** Time spent in the timed phase, ns (sum of latencies plus the loop's own overhead). */
  elapsedNs: number;
  stopReason: StopReason;
  /** Relative half-width of the headline statistic's 95% interval when the loop stopped. */
  relativeCI: number;
  /** The warm-up ended because the latency had settled (false: at its time limit, or interrupted while still falling). */
  warmupSettled?: boolean;
  /** Why the warm-up ended: settled; at its limit while still falling; or settled but at the limit of the process's minimum (PROCESS_WARMUP_CALLS, PROCESS_WARMUP_MS). */
  warmupEnd?: WarmupEnd;
  /** Time spent in the warm-up (cold start excluded), ns. */
  warmupNs?: number;
  /** Time the convergence checks took inside the timed phase (with the untimed call after each), ns. */
  checkNs?: number;
  /** Convergence checks made in the timed phase. */
  checks?: number;
}

export interface LoopOptions {
  clock?: Clock;
  /** Checked between iterations; once aborted the loop stops with 'interrupted'. */
  signal?: AbortSignal;
  /**
   * Calls the process must have made before a warm-up may end (PROCESS_WARMUP_CALLS on the real
   * clock; none on an injected one, a virtual clock with no JIT behind it, unless given).
   */
  minProcessCalls?: number;
  /** Time, ms, the process must have spent in calls before a warm-up may end (PROCESS_WARMUP_MS on the real clock; none on an injected one unless given). */
  minProcessMs?: number;
  /**
   * Warm up until settled (default); false: exactly `warmupIterations` calls, for a runner on a
   * virtual clock (the fake one of the tests), whose latencies have no transient to wait out.
   */
  settle?: boolean;
  /** Where the process's calls are counted: this module's own counter unless a test gives its own. */
  processCalls?: ProcessCalls;
}

/** How much the sample must grow between convergence checks at least. */
const CHECK_GROWTH = 1.1;
/**
 * The most of the timed phase's wall time the convergence checks may take: after each check the
 * next waits until the calls since have taken CHECK_COST_SHARE⁻¹ times as long as it did. With a
 * fixed growth of 1.1 alone, a 40 µs model spent ~10% of its budget sorting its own samples.
 */
const CHECK_COST_SHARE = 0.02;

/**
 * The warm-up (see TimedLoop.warmup) has settled when the median of the last quarter of its calls
 * is at most 1% below the median of its second quarter (stats/settle.ts: the first quarter, the
 * steepest part of a transient, is left out; the third gives a slow decay room to show).
 */
const SETTLE_RULE: SettleRule = { parts: 4, from: 1, to: 2, tolerance: 0.01 };
/** Calls before the first settle check (quarters of 8), and the growth of the sample between checks. */
const SETTLE_MIN_CALLS = 32;
const SETTLE_GROWTH = 1.25;
/**
 * Calls to the runner this process must have made (all cells together) before a warm-up may
 * end: V8 optimises the JavaScript around `session.run` (onnxruntime-common's argument checks,
 * the output tensors) after some thousand calls, a step that windows of calls before it cannot
 * foresee: on the bundled 43 µs MLP it lowered the median by ~20% after ~1,200 calls (issue 11).
 * The code is shared by every session of the process, so only a trial's first cell pays for it.
 */
const PROCESS_WARMUP_CALLS = 2000;
/**
 * And the time the process must have spent in calls (warm-up and timed, all cells together, cold
 * starts left out, a preempted call counted as PREEMPTED_CALL times the fastest) before a warm-up
 * may end: on the bundled MLP the latency of a fresh process still fell by 5–15% over its first
 * ~300–500 ms of calls (6,000–10,000 calls), beyond PROCESS_WARMUP_CALLS, and a fixed 1,000-call
 * plan kept +3% of it (docs/perf/cli.md, "The warm-up"). Paid once per process, by a trial's
 * first cell; a model of a millisecond or more reaches it with its 2,000 calls.
 */
const PROCESS_WARMUP_MS = 500;
/** A call longer than this many times the cell's fastest counts as this long towards PROCESS_WARMUP_MS (see count). */
const PREEMPTED_CALL = 3;
/**
 * The settle phase's limit: this share of the plan's maxTimeMs, and at most WARMUP_SETTLE_MAX_MS;
 * the process's minimum calls, once the windows have settled, have WARMUP_SETTLE_MAX_MS (within maxTimeMs).
 */
const WARMUP_SETTLE_SHARE = 0.25;
const WARMUP_SETTLE_MAX_MS = 2000;

/** Calls made through every TimedLoop of this process and the time they took, cold starts left out (see PROCESS_WARMUP_CALLS). */
interface ProcessCalls {
  n: number;
  ns?: number;
}
const processCalls: ProcessCalls = { n: 0, ns: 0 };

/**
 * The timed loop of one cell, run as one contiguous block.
 * Cold start, warm-up, then timed calls with adaptive stopping: stop as soon as the 95% interval
 * of the headline percentile is narrower than the target (after the minimum iterations and
 * time), or at the maximum iterations or time. Between two clock reads there is only the call.
 */
/** Samples the loop makes room for before its first call; doubled as needed up to maxIterations. */
const INITIAL_CAPACITY = 4096;

export class TimedLoop {
  private readonly now: Clock;
  private readonly signal: AbortSignal | undefined;
  private readonly minProcessCalls: number;
  private readonly minProcessNs: number;
  private readonly calls: ProcessCalls;
  private readonly settle: boolean;
  private readonly p: number;
  private latencies: Float64Array;
  private n = 0;
  private elapsedNs = 0;
  private nextCheck: number;
  private relativeCI = Number.POSITIVE_INFINITY;
  private firstCallNs = Number.NaN;
  private warmupIterations = 0;
  private warmupSettled = false;
  private warmupEnd: WarmupEnd = "settled";
  private warmupNs = 0;
  private checkNs = 0;
  private checks = 0;
  private fastestNs = Infinity;
  private stopReason: StopReason | undefined;

  constructor(
    private readonly call: () => Promise<unknown>,
    private readonly plan: MeasurePlan,
    options: LoopOptions = {},
  ) {
    this.now = options.clock ?? monotonicClock;
    this.signal = options.signal;
    this.minProcessCalls = options.minProcessCalls ?? (this.now === monotonicClock ? PROCESS_WARMUP_CALLS : 0);
    this.minProcessNs = msToNs(options.minProcessMs ?? (this.now === monotonicClock ? PROCESS_WARMUP_MS : 0));
    this.calls = options.processCalls ?? processCalls;
    this.settle = options.settle ?? true;
    this.p = PERCENTILE_PROBABILITY[plan.headline];
    // Grown as samples arrive (record): maxIterations may be ten million, most cells stop far sooner.
    this.latencies = new Float64Array(Math.min(plan.maxIterations, INITIAL_CAPACITY));
    this.nextCheck = plan.minIterations;
  }

  /** The first call on a fresh session, timed on its own. */
  async coldStart(): Promise<void> {
    const t0 = this.now();
    await this.call();
    this.calls.n++;
    this.firstCallNs = Number(this.now() - t0);
  }

  /**
   * Calls not kept: at least `warmupIterations` of them (fewer only when they take longer than the
   * plan's maxTimeMs), then until the latency has settled, by time and stability: until this
   * process has made PROCESS_WARMUP_CALLS calls and spent PROCESS_WARMUP_MS in them, and the
   * warm-up's calls have settled by SETTLE_RULE (checked as the warm-up grows by SETTLE_GROWTH,
   * so a slow transient is judged over a span as long as itself; once the process's minimum is
   * reached, over the calls since). Bounded
   * by WARMUP_SETTLE_SHARE of maxTimeMs (at most WARMUP_SETTLE_MAX_MS); a warm-up that reaches the
   * bound unsettled says so in the cell's notes (cell-result.ts) instead of passing for steady.
   */
  async warmup(): Promise<void> {
    const { now, plan } = this;
    const start = now();
    const fixedNs = msToNs(plan.maxTimeMs);
    const settleNs = Math.min(fixedNs * WARMUP_SETTLE_SHARE, msToNs(WARMUP_SETTLE_MAX_MS));
    let durations = new Float64Array(256);
    let nextCheck = Math.max(SETTLE_MIN_CALLS, plan.warmupIterations);
    const processNs = Math.min(fixedNs, msToNs(WARMUP_SETTLE_MAX_MS));
    let settled = false;
    let windowsSettled = false;
    // Once the process has made its minimum (a warm-up of its own, paid once), the rule judges only
    // the calls since: judged over the whole warm-up, its first half would still hold the process's
    // decay, and the quarters would need four times as long to leave it behind.
    let from = this.processShort() ? -1 : 0;
    let limitNs = settleNs;
    while (!this.signal?.aborted) {
      if (!this.settle && this.warmupIterations >= plan.warmupIterations) {
        settled = true;
        break;
      }
      const t0 = now();
      await this.call();
      const t1 = now();
      const ns = Number(t1 - t0);
      this.count(ns);
      const n = this.warmupIterations;
      if (n === durations.length) {
        const bigger = new Float64Array(n * 2);
        bigger.set(durations);
        durations = bigger;
      }
      durations[n] = ns;
      this.warmupIterations = n + 1;
      const elapsed = Number(t1 - start);
      if (this.warmupIterations < plan.warmupIterations) {
        if (elapsed >= fixedNs) break;
        continue;
      }
      if (from < 0 && !this.processShort()) {
        // The process's minimum is reached: the settle rule starts afresh, with a limit of its own within processNs.
        from = this.warmupIterations;
        nextCheck = from + SETTLE_MIN_CALLS;
        windowsSettled = false;
        limitNs = Math.min(processNs, Math.max(settleNs, elapsed + settleNs));
      }
      if (this.warmupIterations >= nextCheck) {
        const span = Math.max(0, from);
        windowsSettled = settledBy(durations.subarray(span, this.warmupIterations), SETTLE_RULE);
        nextCheck = span + Math.ceil((this.warmupIterations - span) * SETTLE_GROWTH);
        if (windowsSettled && from >= 0) {
          settled = true;
          break;
        }
      }
      // Settled but for the process's minimum: that has a limit of its own (it is paid once per process).
      if (elapsed >= (from < 0 && windowsSettled ? processNs : limitNs)) break;
    }
    this.warmupSettled = settled;
    this.warmupEnd = settled ? "settled" : from < 0 && windowsSettled ? "process-calls" : "still-falling";
    this.warmupNs = Number(now() - start);
  }

  /** One call of the warm-up or the timed phase, for the process's minimum (PROCESS_WARMUP_CALLS, PROCESS_WARMUP_MS). */
  private count(ns: number): void {
    this.calls.n++;
    // At most PREEMPTED_CALL times the fastest call of this cell: on a busy machine a call the
    // scheduler preempted takes milliseconds of which almost none were spent calling (a 2,000-call
    // MLP warm-up at load 8 "took" 508 ms, 150 µs a call for a median of 55 µs).
    this.fastestNs = Math.min(this.fastestNs, ns);
    this.calls.ns = (this.calls.ns ?? 0) + Math.min(ns, PREEMPTED_CALL * this.fastestNs);
  }

  /** The process has not yet made PROCESS_WARMUP_CALLS calls, or not yet spent PROCESS_WARMUP_MS in them. */
  private processShort(): boolean {
    return this.calls.n < this.minProcessCalls || (this.calls.ns ?? 0) < this.minProcessNs;
  }

  private grow(): void {
    const bigger = new Float64Array(Math.min(this.plan.maxIterations, this.latencies.length * 2));
    bigger.set(this.latencies);
    this.latencies = bigger;
  }

  /** Timed calls until the stopping rule, a limit or the signal stops them (one contiguous block). */
  async run(): Promise<void> {
    const { plan, now } = this;
    const minTimeNs = msToNs(plan.minTimeMs);
    const maxTimeNs = msToNs(plan.maxTimeMs);
    const start = now();
    for (;;) {
      if (this.signal?.aborted) {
        this.stopReason = "interrupted";
        break;
      }
      const t0 = now();
      await this.call();
      const t1 = now();
      const ns = Number(t1 - t0);
      this.count(ns);
      if (this.n === this.latencies.length) this.grow();
      this.latencies[this.n++] = ns;
      this.elapsedNs = Number(t1 - start);

      if (this.n >= this.nextCheck && this.elapsedNs >= minTimeNs) {
        this.relativeCI = this.headlineCI(this.latencies.subarray(0, this.n));
        if (this.relativeCI <= plan.targetRelativeCI) {
          this.stopReason = "converged";
          break;
        }
        // The check sorted the sample and filled the caches with it: one untimed call puts the
        // model's data back before the next timed one.
        await this.call();
        this.calls.n++;
        const checkNs = Number(now() - t1);
        this.checkNs += checkNs;
        this.checks++;
        this.nextCheck = this.scheduleCheck(checkNs);
      }
      if (this.n >= plan.maxIterations) {
        this.stopReason = "max-iterations";
        break;
      }
      if (this.elapsedNs >= maxTimeNs) {
        this.stopReason = "max-time";
        break;
      }
    }
  }

  /**
   * The sample size of the next convergence check: grown by CHECK_GROWTH at least, and large enough
   * that the checks so far and the next one (taken as half as dear again as the last) add up to
   * at most CHECK_COST_SHARE of the time the timed calls have taken by then. The share is kept over
   * the whole phase, so a dear first check (the statistics' code compiled on first use) spaces the
   * later ones out instead of adding up.
   */
  private scheduleCheck(lastCheckNs: number): number {
    const { n } = this;
    const atLeast = Math.ceil(n * CHECK_GROWTH);
    const perCallNs = (this.elapsedNs - (this.checkNs - lastCheckNs)) / n;
    if (!(perCallNs > 0)) return atLeast;
    return Math.max(atLeast, Math.ceil((this.checkNs + 1.5 * lastCheckNs) / CHECK_COST_SHARE / perCallNs));
  }

  /**
   * The stopping rule judges the steady state only: a warm-up transient the data show is left
   * out, as the summary will leave it out.
   */
  private headlineCI(series: Float64Array): number {
    return headlineRelativeHalfWidth(series.subarray(steadyStateCut(series).truncate), this.p);
  }

  result(): Measurement {
    const latenciesNs = this.latencies.slice(0, this.n);
    const stopReason = this.stopReason ?? "interrupted";
    let { relativeCI } = this;
    if (stopReason !== "converged" && this.n > 0) relativeCI = this.headlineCI(latenciesNs);
    return {
      firstCallNs: this.firstCallNs,
      warmupIterations: this.warmupIterations,
      latenciesNs,
      elapsedNs: this.elapsedNs,
      stopReason,
      relativeCI,
      warmupSettled: this.warmupSettled,
      warmupEnd: this.warmupEnd,
      warmupNs: this.warmupNs,
      checkNs: this.checkNs,
      checks: this.checks,
    };
  }
}

/** One cell from cold start to stop, without interruption by other cells. */
export async function measure(call: () => Promise<unknown>, plan: MeasurePlan, options: LoopOptions = {}): Promise<Measurement> {
  const loop = new TimedLoop(call, plan, options);
  await loop.coldStart();
  await loop.warmup();
  await loop.run();
  return loop.result();
}
