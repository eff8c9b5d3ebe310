import { nsToMs } from "../stats/metrics.js";

/** A warm-up window closes after this long and at least WINDOW_MIN_SAMPLES responses. */
const WINDOW_NS = 100e6;
const WINDOW_MIN_SAMPLES = 16;
/** Latencies kept per window (the first ones): enough for a median, constant memory at any rate. */
const WINDOW_MAX_SAMPLES = 2048;
/** Consecutive window medians within this share (or SETTLE_ABS_NS) of each other count as settled... */
const SETTLE_SHARE = 0.1;
const SETTLE_ABS_NS = 50e3;
/** ...for this many consecutive pairs of windows. */
const SETTLED_PAIRS = 2;
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
 * and the median latency of consecutive ~100 ms windows has stopped moving (within 10% or 50 µs,
 * twice in a row), so connections are open, the server's caches and JIT are warm and the
 * measured phase does not start inside a transient; or after `boundMs`, whichever comes first.
 * Memory is constant: each window keeps at most WINDOW_MAX_SAMPLES latencies.
 */
export class WarmupSettler {
  private readonly window = new Float64Array(WINDOW_MAX_SAMPLES);
  private n = 0;
  private seen = 0;
  private windowStartNs: number;
  private readonly startNs: number;
  private lastMedian = Number.NaN;
  private stablePairs = 0;
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
    const close = Math.abs(median - this.lastMedian) <= Math.max(SETTLE_SHARE * this.lastMedian, SETTLE_ABS_NS);
    this.stablePairs = close ? this.stablePairs + 1 : 0;
    this.lastMedian = median;
    return this.stablePairs >= SETTLED_PAIRS && this.seen >= this.minRequests ? this.end(nowNs, true) : false;
  }

  get summary(): WarmupSummary | undefined {
    return this.done;
  }

  private end(nowNs: number, settled: boolean): true {
    this.done = { requests: this.seen, ms: nsToMs(nowNs - this.startNs), settled };
    return true;
  }
}
