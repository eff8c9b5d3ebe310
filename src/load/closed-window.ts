import type { Clock } from "../util/clock.js";
import type { HealthMonitor } from "./health.js";
import type { LoadRecorder } from "./recorder.js";
import type { LoadResult, Outcome } from "./types.js";
import { WarmupSettler, warmupBoundMs } from "./warmup.js";

type Phase = "warmup" | "measure" | "drain" | "done";

/**
 * What every closed-loop engine (closed-lean.ts, closed-http.ts) shares: the phases (warm-up →
 * measure → drain → done), the warm-up that ends once its latencies have settled or its time bound
 * is up (warmup.ts), the measured window, and the result. The engine writes requests, calls
 * `outcome` for each one that ended, and says what `drain` and `stop` do to its connections.
 */
export class ClosedWindow {
  phase: Phase;
  private readonly boundMs: number;
  private readonly settler: WarmupSettler | undefined;
  private windowStart: bigint;
  private windowEnd: bigint | undefined;
  private stopTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly o: { warmupRequests?: number | undefined; durationMs: number; maxRequests?: number | undefined; connections: number },
    private readonly clock: Clock,
    private readonly recorder: LoadRecorder,
    private readonly health: HealthMonitor,
    /** The engine's: the duration is over (nothing more is sent), and the run is over. */
    private readonly engine: { drain(): void; stop(): void },
  ) {
    const warmup = o.warmupRequests ?? 0;
    this.phase = warmup > 0 ? "warmup" : "measure";
    this.boundMs = warmupBoundMs(o.durationMs);
    this.settler = warmup > 0 ? new WarmupSettler(warmup, this.boundMs, Number(clock())) : undefined;
    this.windowStart = clock();
  }

  /** Whether requests are still to be written. */
  get sending(): boolean {
    return this.phase === "warmup" || this.phase === "measure";
  }

  /** Starts the measured phase now, or arms the warm-up's bound in time (a server that never answers must not hold the run). */
  begin(): void {
    if (this.phase === "measure") this.startMeasuring();
    else {
      setTimeout(() => {
        if (this.phase === "warmup" && this.settler?.over(Number(this.clock())) !== false) this.startMeasuring();
      }, this.boundMs).unref();
    }
  }

  /** A request ended: a warm-up sample, or a measured outcome (the run stops at `maxRequests`). */
  outcome(outcome: Outcome, latencyNs: number): void {
    if (this.phase === "warmup") {
      this.settler?.record(outcome.kind === "ok" ? latencyNs : Number.NaN);
      if (this.settler?.over(Number(this.clock())) !== false) this.startMeasuring();
      return;
    }
    if (this.phase !== "measure" && this.phase !== "drain") return;
    this.recorder.record(outcome, latencyNs);
    if (this.recorder.count >= (this.o.maxRequests ?? Number.POSITIVE_INFINITY)) this.engine.stop();
  }

  /** Enters drain from the measured phase; false when the run was not measuring. */
  toDrain(): boolean {
    if (this.phase !== "measure") return false;
    this.phase = "drain";
    return true;
  }

  /** Marks the run done and closes the window; false when it already was. */
  end(): boolean {
    if (this.phase === "done") return false;
    this.phase = "done";
    this.windowEnd = this.clock();
    clearTimeout(this.stopTimer);
    return true;
  }

  /** The run's result over the measured window (each connection has one request out at a time: no pipelining). */
  result(): LoadResult {
    const durationNs = Number((this.windowEnd ?? this.clock()) - this.windowStart);
    const generator = this.health.finish({
      targetRate: null,
      scheduled: null,
      sent: this.recorder.count,
      dropped: 0,
      windowNs: durationNs,
      inFlightCap: this.o.connections,
    });
    const w = this.settler?.summary;
    return {
      ...this.recorder.result({ durationNs, targetRate: null }),
      generator: { ...generator, maxInFlight: this.o.connections, ...(w ? { warmup: w } : {}) },
    };
  }

  private startMeasuring(): void {
    this.phase = "measure";
    this.health.start();
    this.windowStart = this.clock();
    this.stopTimer = setTimeout(() => this.engine.drain(), this.o.durationMs);
  }
}
