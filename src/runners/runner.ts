import type { LoadResult } from "../load/types.js";
import type { PlannedCell } from "../suite/expand.js";
import type { LoadPlan } from "../suite/resolve.js";

/**
 * A runner turns a cell into something the measurement loop can call. Everything expensive
 * (loading the model, generating inputs, encoding a request body) happens in prepare(); runOnce()
 * is the timed work and nothing else.
 */
export interface Runner {
  /** Why this cell cannot run on this machine (e.g. an execution provider that is not built in), or undefined. */
  unavailable(cell: PlannedCell): string | undefined;
  prepare(cell: PlannedCell, seed: number): Promise<PreparedCell>;
}

/** One load point of a cell: N calls in flight (closed loop) or R calls per second (open loop). */
export type LoadPoint = { concurrency: number; rate: null } | { concurrency: null; rate: number };

export interface PreparedCell {
  /** Wall time to create the session (load, optimise, allocate), or to read a server's metadata, in ms. */
  sessionCreateMs: number;
  /** Items processed per call (the batch size), for throughput. */
  itemsPerCall: number;
  /** One call: a session.run, or one request that must succeed. */
  runOnce: () => Promise<unknown>;
  /** The cell's load test: a closed or open loop for `plan.durationMs`. */
  runLoad: (point: LoadPoint, plan: LoadPlan, seed: number, signal: AbortSignal) => Promise<LoadResult>;
  release: () => Promise<void>;
}

/** prepare() throws this when the cell's execution provider cannot start here: the cell is skipped, not failed. */
export class ProviderUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ProviderUnavailableError";
  }
}
