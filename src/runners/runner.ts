import type { TensorPlan } from "../inputs/plan.js";
import type { LoadResult } from "../load/types.js";
import type { CellLoad, PlannedCell } from "../suite/expand.js";
import type { Clock } from "../util/clock.js";

/**
 * A runner turns a cell into something the measurement loop can call. Everything expensive
 * (loading the model, generating inputs, encoding a request body) happens once, in prepare();
 * call() is the timed work and nothing else.
 */
export interface Runner {
  /** Why this cell cannot run on this machine (e.g. an execution provider that is not built in), or undefined. */
  unavailable(cell: PlannedCell): string | undefined;
  /** Prepare the cell once; `seed` fixes its inputs and its load schedule. */
  prepare(cell: PlannedCell, seed: number): Promise<PreparedCell>;
  /** The clock the measurement reads; only a runner with a virtual time of its own (the fake one) sets it. */
  readonly clock?: Clock;
}

/** A load other than the cell's own: a closed or open loop, for durationMs. */
export interface LoadStep {
  load: Exclude<CellLoad, { mode: "single" }>;
  durationMs: number;
}

export interface PreparedCell {
  /** Wall time to create the session (load, optimise, allocate), or to read a server's metadata, in ms. */
  sessionCreateMs: number;
  /** Items processed per call (the batch size), for throughput. */
  itemsPerCall: number;
  /** The tensors each call feeds, as resolved from the suite and the model (null where the runner has none to say). */
  inputs?: TensorPlan[];
  /** What the cell's result should say about how it was prepared (an integer input's default fill). */
  notes?: string[];
  /** One call: a session.run, or one request that must succeed. */
  call: () => Promise<unknown>;
  /**
   * The cell's load test as its `load` and its target's load plan say, warm-up included; when
   * `signal` aborts it stops early and returns what it measured. `at` drives the same prepared
   * cell at another load and duration, without the plan's maxRequests, on the arrival schedule
   * of `seed` (the steps of `bench capacity`).
   */
  runLoad: (signal: AbortSignal, at?: LoadStep, seed?: number) => Promise<LoadResult>;
  release: () => Promise<void>;
}

/** prepare() throws this when the cell's execution provider cannot start here: the cell is skipped, not failed. */
export class ProviderUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ProviderUnavailableError";
  }
}
