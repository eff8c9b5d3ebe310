import type { DiffResult } from "../compare/diff.js";
import type { CellResult, RunResult } from "../results.js";
import { diffDocument } from "./diff-json.js";
import { jsonText } from "./format.js";
import { nsToMs } from "../stats/metrics.js";

/** A cell's raw samples in ns, in measurement order; undefined when none were stored. */
export type SampleLookup = (cellId: string) => Float64Array | undefined;

export type CellWithSamples = CellResult & { samplesMs: number[] };

export interface RunDocumentOptions {
  /** `--samples`: each cell gets its raw samples in ms, so the document alone can be diffed later. */
  samplesNs?: SampleLookup;
  /** Comparisons made with the run (`run --baseline`, a suite's `compare:`); the key is left out when there are none. */
  comparisons?: readonly DiffResult[];
}

/** The `--json` document of DESIGN.md: `{ run: {...}, cells: [...] }`, stable key order. */
export function renderRunJson(result: RunResult, options: RunDocumentOptions = {}): string {
  return jsonText(runDocument(result, options));
}

export function runDocument(result: RunResult, options: RunDocumentOptions = {}) {
  const { run, cells } = result;
  const { samplesNs, comparisons = [] } = options;
  return {
    run: {
      id: run.id,
      suite: run.suite,
      suiteFile: run.suiteFile,
      status: run.status,
      startedAt: run.startedAt,
      finishedAt: run.finishedAt,
      seed: run.seed,
      order: run.order,
      benchVersion: run.benchVersion,
      fingerprint: run.fingerprint,
      noise: run.noise,
      trials: run.trials,
      ...(run.origin ? { origin: run.origin } : {}),
    },
    cells: samplesNs ? withSamples(cells, samplesNs) : cells,
    ...(comparisons.length > 0 ? { comparisons: comparisons.map(diffDocument) } : {}),
  };
}

/** Cells with their raw samples in ms (`--samples`); a cell without stored samples gets an empty list. */
export function withSamples(cells: readonly CellResult[], samplesNs: SampleLookup): CellWithSamples[] {
  return cells.map((c) => {
    const ns = samplesNs(c.id);
    return { ...c, samplesMs: ns ? Array.from(ns, nsToMs) : [] };
  });
}
