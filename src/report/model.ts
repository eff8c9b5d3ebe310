import type { DiffResult } from "../compare/diff.js";
import type { RunResult } from "../results.js";

/**
 * What `bench report` renders, in any format. Built by the CLI from the store (or exported JSON);
 * the renderers (html, md, csv, json, bmf, gab) are pure functions of it.
 */
export interface ReportInput {
  /** One run, two (a comparison) or several (N-way, side by side), in the order given on the command line. */
  runs: RunResult[];
  /** A cell's raw samples in ns, in measurement order; undefined when none were stored. */
  samples?: (runId: string, cellId: string) => Float64Array | undefined;
  /** Present when exactly two runs are compared: the same comparison `bench diff` makes. */
  diff?: DiffResult;
  /** `--history SUITE [--cell ID]`: the headline statistic of every stored run of a suite, oldest first. */
  history?: HistorySeries[];
  /** The resolved suite a run was measured with (the store's `loadRun(id).resolvedSuite`); shown by the HTML report. */
  resolvedSuite?: (runId: string) => unknown;
}

/** One cell's headline statistic over the stored runs of a suite. */
export interface HistorySeries {
  suite: string;
  cellId: string;
  /** e.g. "p50"; `unit` e.g. "ms". */
  metric: string;
  unit: string;
  points: HistoryPoint[];
  changePoints: ChangePoint[];
}

export interface HistoryPoint {
  runId: string;
  startedAt: string;
  value: number;
  /** The 95% interval of `value`; null when the run stored none. */
  lo: number | null;
  hi: number | null;
}

/** A shift in the level of a series: points[index] is the first point of the new level. */
export interface ChangePoint {
  index: number;
  runId: string;
  /** Level (median) before and after, and the relative change (after / before − 1). */
  before: number;
  after: number;
  change: number;
  /** How sure: the p-value of the split (permutation or exact test), smaller is surer. */
  pValue: number;
}
