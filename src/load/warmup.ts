import { nsToMs } from "../stats/metrics.js";
import { type SettleRule, settled } from "../stats/settle.js";

/** A warm-up window closes after this long and at least WINDOW_MIN_SAMPLES responses. */
const WINDOW_NS = 100e6;
const WINDOW_MIN_SAMPLES = 16;
/** Latencies kept per window (the first ones): enough for a median, constant memory at any rate. */
const WINDOW_MAX_SAMPLES = 2048;
/**
 * Settled (stats/settle.ts, the rule of the timed loop's warm-up too) when the median of the
 * latest window is within 10% (or 50 µs) of each of the two windows before it, both ways: on a
 * network a rise (queues filling) is no steadier than a fall.
 */
const SETTLE_RULE: SettleRule = { parts: 3, from: 0, to: 2, tolerance: 0.1, absolute: 50e3, twoSided: true };
/** The bound on a warm-up: max(MIN_BOUND_MS, half the measured duration), at most MAX_BOUND_MS. */
const MIN_BOUND_MS = 1000;
const MAX_BOUND_MS = 10_000;

/** How long a load cell's warm-up may last before the measured phase starts anyway, ms. */
export function warmupBoundMs(durationMs: number): number {
  return Math.min(MAX_BOUND_MS, Math.max(MIN_BOUND_MS, durationMs / 2));
}

/** How a warm-up ended: after how many responses and ms, and whether the latencies had settled (false: it hit its bound). */
export interface WarmupSummary {
  requests: number;
  ms: number;
  settled: boolean;
}

/**
 * Decides when a load cell's warm-up is over: once at least `minRequests` responses came back
 * and the median latency of consecutive ~100 ms windows has stopped moving (SETTLE_RULE: the
 * latest within 10% or 50 µs of the two before it), so connections are open, the server's caches
 * and JIT are warm and the measured phase does not start inside a transient; or after `boundMs`,
 * whichever comes first.
 * Memory is constant: each window keeps at most WINDOW_MAX_SAMPLES latencies.
 */
export class WarmupSettler {
  private readonly window = new Float64Array(WINDOW_MAX_SAMPLES);
  private n = 0;
  private seen = 0;
  private windowStartNs: number;
  private readonly startNs: number;
  /** The medians of the latest windows, oldest first (SETTLE_RULE.parts of them at most). */
  private readonly medians: number[] = [];
  private done: WarmupSummary | undefined;

  constructor(
    private readonly minRequests: number,
    private readonly boundMs: number,
    nowNs: number,
  ) {
    this.startNs = nowNs;
    this.windowStartNs = nowNs;
  }

  /** One warm-up response (any outcome; `latencyNs` NaN for a failure, which is not a latency). */
  record(latencyNs: number): void {
    this.seen++;
    if (this.n < WINDOW_MAX_SAMPLES && Number.isFinite(latencyNs)) this.window[this.n++] = latencyNs;
  }

  /** Whether the warm-up is over at `nowNs` (sticky once true). */
  over(nowNs: number): boolean {
    if (this.done) return true;
    if (nowNs - this.startNs >= this.boundMs * 1e6) return this.end(nowNs, false);
    if (nowNs - this.windowStartNs < WINDOW_NS || this.n < WINDOW_MIN_SAMPLES) return false;
    const sorted = this.window.subarray(0, this.n).sort();
    const median = sorted[this.n >> 1] as number;
    this.n = 0;
    this.windowStartNs = nowNs;
    this.medians.push(median);
    if (this.medians.length > SETTLE_RULE.parts) this.medians.shift();
    return this.seen >= this.minRequests && settled(this.medians, SETTLE_RULE) ? this.end(nowNs, true) : false;
  }

  get summary(): WarmupSummary | undefined {
    return this.done;
  }

  private end(nowNs: number, settled: boolean): true {
    this.done = { requests: this.seen, ms: nsToMs(nowNs - this.startNs), settled };
    return true;
  }
}
