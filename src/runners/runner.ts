import type { PlannedCell } from "../suite/expand.js";

/**
 * A runner turns a cell into something the measurement loop can call. Everything expensive
 * (loading the model, generating inputs) happens in prepare(); runOnce() is the timed work and
 * nothing else.
 */
export interface Runner {
  /** Why this cell cannot run on this machine (e.g. an execution provider that is not built in), or undefined. */
  unavailable(cell: PlannedCell): string | undefined;
  prepare(cell: PlannedCell, seed: number): Promise<PreparedCell>;
}

export interface PreparedCell {
  /** Wall time to create the session (load, optimise, allocate), in ms. */
  sessionCreateMs: number;
  /** Items processed per call (the batch size), for throughput. */
  itemsPerCall: number;
  runOnce(): Promise<unknown>;
  release(): Promise<void>;
}

/** prepare() throws this when the cell's execution provider cannot start here: the cell is skipped, not failed. */
export class ProviderUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ProviderUnavailableError";
  }
}
