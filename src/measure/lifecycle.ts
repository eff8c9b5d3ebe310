import { errorMessage } from "../errors.js";
import type { CellResult } from "../results.js";
import type { MeasurePlan } from "../suite/resolve.js";
import { type PreparedCell, ProviderUnavailableError, type Runner } from "../runners/runner.js";
import type { PlannedCell } from "../suite/expand.js";
import { failedCell, measuredCell, skippedCell } from "./cell-result.js";
import type { Clock } from "../util/clock.js";
import { TimedLoop } from "./loop.js";
import { peakRssKb } from "./memory.js";
import type { NoiseMonitor } from "./noise.js";

export type ProgressEvent =
  | { type: "cell-start"; index: number; total: number; cell: PlannedCell }
  | { type: "cell-end"; index: number; total: number; done: number; cell: PlannedCell; result: CellResult };

/** A cell between prepare() and its last timed call. */
export interface LiveCell {
  index: number;
  cell: PlannedCell;
  prepared: PreparedCell;
  loop: TimedLoop;
  fromMs: number;
}

export interface Finished {
  result: CellResult;
  /** The cell's measurement window on the run's clock, for the noise check. */
  fromMs: number;
  toMs: number;
  latencyNs: Float64Array | undefined;
}

/**
 * The life of every cell of one run: prepared (or skipped, or failed), measured, stored as soon
 * as it is finished, its session released exactly once. The schedulers of execute.ts decide the
 * order; this decides what happens to a cell at each step.
 */
export class CellLifecycle {
  readonly finished = new Map<number, Finished>();
  private readonly live = new Set<LiveCell>();

  constructor(
    private readonly o: {
      cells: readonly PlannedCell[];
      /** Where a finished cell goes (a trial's result of it, with its timed samples). */
      save: (index: number, result: CellResult, latencyNs: Float64Array | undefined) => void;
      /** The measurement plan of a cell's timed loop (a trial's share of its target's plan). */
      plan: (cell: PlannedCell) => MeasurePlan;
      runner: Runner;
      seed: number;
      monitor: NoiseMonitor;
      clock: Clock;
      signal: AbortSignal;
      onProgress?: ((e: ProgressEvent) => void) | undefined;
    },
  ) {}

  /** Aborted on an interrupt: the schedulers stop, what is finished stays stored. */
  get signal(): AbortSignal {
    return this.o.signal;
  }

  get monitor(): NoiseMonitor {
    return this.o.monitor;
  }

  get seed(): number {
    return this.o.seed;
  }

  /** Prepare the cell, time its first call, warm it up. undefined when it is already finished (skipped or failed). */
  async start(index: number): Promise<LiveCell | undefined> {
    const { cells, runner, monitor, clock, signal } = this.o;
    const cell = cells[index] as PlannedCell;
    this.o.onProgress?.({ type: "cell-start", index, total: cells.length, cell });
    const fromMs = monitor.nowMs();
    const reason = runner.unavailable(cell);
    if (reason) {
      this.finish(index, skippedCell(cell, reason), fromMs);
      return undefined;
    }
    let prepared: PreparedCell;
    try {
      prepared = await runner.prepare(cell, this.o.seed);
    } catch (err) {
      const result =
        err instanceof ProviderUnavailableError ? skippedCell(cell, err.message) : failedCell(cell, `could not prepare the cell: ${firstLine(err)}`);
      this.finish(index, result, fromMs);
      return undefined;
    }
    const live: LiveCell = {
      index,
      cell,
      prepared,
      loop: new TimedLoop(prepared.call, this.o.plan(cell), { clock, signal, settle: settles(cell, runner) }),
      fromMs,
    };
    this.live.add(live);
    try {
      await live.loop.coldStart();
      await live.loop.warmup();
    } catch (err) {
      await this.fail(live, err);
      return undefined;
    }
    return live;
  }

  /** A cell timed one call at a time has stopped: summarise, release, store. */
  async conclude(live: LiveCell): Promise<void> {
    const m = live.loop.result();
    let result: CellResult;
    try {
      result = measuredCell(live.cell, m, {
        sessionCreateMs: live.prepared.sessionCreateMs,
        itemsPerCall: live.prepared.itemsPerCall,
        peakRssKb: peakRssKb(),
        inputs: live.prepared.inputs,
        notes: live.prepared.notes,
      });
    } catch (err) {
      result = failedCell(live.cell, `could not summarise the samples: ${firstLine(err)}`);
    }
    await this.release(live);
    this.finish(live.index, result, live.fromMs, m.latenciesNs);
  }

  /** Store a result made elsewhere (a load cell's), after releasing the cell. */
  async record(live: LiveCell, result: CellResult, latencyNs: Float64Array): Promise<void> {
    await this.release(live);
    this.finish(live.index, result, live.fromMs, latencyNs);
  }

  async fail(live: LiveCell, err: unknown): Promise<void> {
    await this.release(live);
    this.finish(live.index, failedCell(live.cell, `inference failed: ${firstLine(err)}`), live.fromMs);
  }

  /** Let go of a cell without storing it (interrupted before it finished). */
  async discard(live: LiveCell): Promise<void> {
    await this.release(live);
  }

  /** Every session still held, e.g. after an error that ends the run. */
  async releaseAll(): Promise<void> {
    await Promise.all([...this.live].map((l) => this.release(l)));
  }

  private async release(live: LiveCell): Promise<void> {
    if (!this.live.delete(live)) return;
    await live.prepared.release().catch(() => undefined);
  }

  private finish(index: number, result: CellResult, fromMs: number, latencyNs?: Float64Array): void {
    const { cells, monitor } = this.o;
    const cell = cells[index] as PlannedCell;
    this.finished.set(index, { result, fromMs, toMs: monitor.nowMs(), latencyNs });
    this.o.save(index, result, latencyNs);
    this.o.onProgress?.({ type: "cell-end", index, total: cells.length, done: this.finished.size, cell, result });
  }
}

/**
 * Whether a cell's warm-up waits for the latency to settle (loop.ts): a local model timed one call
 * at a time, on the real clock. Not a remote endpoint, whose warm-up requests must all succeed (a
 * longer warm-up would fail a cell on a server's occasional error), nor a load cell, whose
 * generator has a warm-up of its own, nor a runner on a virtual clock.
 */
function settles(cell: PlannedCell, runner: Runner): boolean {
  return runner.clock === undefined && cell.targetSpec.kind === "onnx" && cell.load.mode === "single";
}

function firstLine(err: unknown): string {
  return errorMessage(err).split("\n")[0] ?? "";
}
