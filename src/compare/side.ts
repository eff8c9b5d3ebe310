import type { Fingerprint } from "../fingerprint/index.js";
import type { CellResult, RunInfo, RunTrials } from "../results.js";
import type { RunNoise } from "../baseline/format.js";

/** One side of a comparison: a stored run, a baseline, or a JSON file, perhaps narrowed to a variant or target. */
export interface Side {
  /** How the user referred to it, for headings. */
  label: string;
  /** The run id behind it. */
  runId: string;
  suite: string;
  status: RunInfo["status"];
  fingerprint: Fingerprint;
  resolvedSuite: unknown;
  noisy: boolean;
  cells: CellResult[];
  /**
   * The samples of a cell that its statistics used, ms, in measurement order: the warm-up
   * transient the run found (`samplesDropped`) is cut here, once, as the run cut it.
   */
  steadySamplesMs(cellId: string): ArrayLike<number> | undefined;
  /** `RUN:SELECTOR` picked this variant or target; cells then match on their other axes. */
  selector?: { kind: "variant" | "target"; name: string };
  /** Thresholds a baseline carries (set by hand). */
  thresholds: Record<string, number> | null;
  /** The machine's run-to-run noise, measured by `bench calibrate` into a baseline. */
  runNoise: RunNoise | null;
  /** The run's trials and its canary (`run.trials`); absent or null for a run stored before trials. */
  trials?: RunTrials | null;
}

/**
 * The key cells are matched on: the whole id, or the id with `*` for the axis a selector fixed.
 * Pitting a served target against an in-process one (`latest:served latest:local`), provider and
 * threads have no counterpart on the remote side, so only variant, batch and load are matched, a
 * served cell at concurrency 1 with the local one-call-at-a-time cell.
 */
export function matchKey(cell: CellResult, side: Side, acrossKinds = false): string {
  if (!side.selector) return cell.id;
  if (acrossKinds) {
    const { concurrency, rate } = cell;
    // One request in flight is a served model's twin of the local one-call-at-a-time cell: the
    // default of a remote target (c1) pairs with a local cell as it is.
    const load = concurrency !== null && concurrency !== 1 ? `/c${concurrency}` : rate !== null ? `/r${rate}` : "";
    return `*/${cell.variant}/b${cell.batch}${load}`;
  }
  const parts = cell.id.split("/");
  parts[side.selector.kind === "variant" ? 1 : 0] = "*";
  return parts.join("/");
}

/**
 * The steady part of a stored series: the first `dropped` samples of the measurement left out. A
 * series thinned to every `thinning`-th sample (a baseline's) keeps index i·thinning at position i.
 */
export function steadyPart(series: ArrayLike<number>, dropped: number, thinning = 1): number[] {
  return Array.prototype.slice.call(series, Math.ceil(dropped / thinning)) as number[];
}
