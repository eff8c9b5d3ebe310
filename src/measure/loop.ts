import type { StopReason } from "../results.js";
import type { MeasurePlan } from "../suite/resolve.js";
import { headlineRelativeHalfWidth, msToNs, PERCENTILE_PROBABILITY } from "../stats/index.js";
import { steadyStateCut } from "../stats/steady-cut.js";
import { type Clock, monotonicClock } from "../util/clock.js";

export type { StopReason } from "../results.js";

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
}

export interface LoopOptions {
  clock?: Clock;
  /** Checked between iterations; once aborted the loop stops with 'interrupted'. */
  signal?: AbortSignal;
}

/** How much the sample must grow between convergence checks: keeps the sorting cost O(n log n) overall. */
const CHECK_GROWTH = 1.1;

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
  private readonly p: number;
  private latencies: Float64Array;
  private n = 0;
  private elapsedNs = 0;
  private nextCheck: number;
  private relativeCI = Number.POSITIVE_INFINITY;
  private firstCallNs = Number.NaN;
  private warmupIterations = 0;
  private stopReason: StopReason | undefined;

  constructor(
    private readonly call: () => Promise<unknown>,
    private readonly plan: MeasurePlan,
    options: LoopOptions = {},
  ) {
    this.now = options.clock ?? monotonicClock;
    this.signal = options.signal;
    this.p = PERCENTILE_PROBABILITY[plan.headline];
    // Grown as samples arrive (record): maxIterations may be ten million, most cells stop far sooner.
    this.latencies = new Float64Array(Math.min(plan.maxIterations, INITIAL_CAPACITY));
    this.nextCheck = plan.minIterations;
  }

  /** The first call on a fresh session, timed on its own. */
  async coldStart(): Promise<void> {
    const t0 = this.now();
    await this.call();
    this.firstCallNs = Number(this.now() - t0);
  }

  /** Untimed calls: `warmupIterations` of them, or fewer when they take longer than the plan's maxTimeMs. */
  async warmup(): Promise<void> {
    const start = this.now();
    const budgetNs = msToNs(this.plan.maxTimeMs);
    while (this.warmupIterations < this.plan.warmupIterations && !this.signal?.aborted) {
      await this.call();
      this.warmupIterations++;
      if (Number(this.now() - start) >= budgetNs) break;
    }
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
      if (this.n === this.latencies.length) this.grow();
      this.latencies[this.n++] = Number(t1 - t0);
      this.elapsedNs = Number(t1 - start);

      if (this.n >= this.nextCheck && this.elapsedNs >= minTimeNs) {
        this.relativeCI = this.headlineCI(this.latencies.subarray(0, this.n));
        if (this.relativeCI <= plan.targetRelativeCI) {
          this.stopReason = "converged";
          break;
        }
        this.nextCheck = Math.ceil(this.n * CHECK_GROWTH);
        // The check sorted the sample and filled the caches with it: one untimed call puts the
        // model's data back before the next timed one.
        await this.call();
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
