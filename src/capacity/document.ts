import type { CellResult } from "../results.js";
import type { Cell } from "../suite/expand.js";
import type { CapacityAxis, CapacityResult } from "./search.js";

/** `bench capacity --json`: one document for a suite, a result per cell (the load axis searched, not swept). */
export interface CapacityDocument {
  suite: string;
  suiteFile: string;
  startedAt: string;
  /** The SLOs every step was judged against, as normalised text (`ttft.p99 <= 500ms`). */
  slo: string[];
  /** The confidence of each step's binomial test. */
  confidence: number;
  /** Rate steps: bisection stops once (above − below) / below is at most this. */
  resolution: number;
  cells: CapacityCell[];
}

export interface CapacityCell extends CapacityResult, Pick<CellResult, "target" | "variant" | "batch" | "provider" | "threads"> {
  /** The cell's id without its load suffix (`srv/default/b1`): the load is what was searched. */
  id: string;
  /** Open loop (rate) or closed loop (concurrency), and the load's unit. */
  mode: "open" | "closed";
  unit: "req/s" | "in flight";
  /** failed: the cell could not be prepared or a step errored; skipped: it cannot run on this machine. Else the search's status. */
  state: CapacityResult["status"] | "failed" | "skipped";
  error: string | null;
}

export function capacityCell(
  cell: Pick<Cell, "target" | "variant" | "batch" | "provider" | "threads">,
  id: string,
  axis: CapacityAxis,
  r: CapacityResult,
  failure?: { state: "failed" | "skipped"; error: string },
): CapacityCell {
  return {
    id,
    target: cell.target,
    variant: cell.variant,
    batch: cell.batch,
    provider: cell.provider,
    threads: cell.threads,
    mode: axis === "rate" ? "open" : "closed",
    unit: axis === "rate" ? "req/s" : "in flight",
    state: failure?.state ?? r.status,
    error: failure?.error ?? null,
    ...r,
  };
}
