import type { CellResult, RunResult } from "../results.js";
import type { Store } from "../store/db.js";

/** The `--json` document of DESIGN.md: `{ run: {...}, cells: [...] }`, stable key order. */
export function renderRunJson(result: RunResult): string {
  return `${JSON.stringify(runDocument(result), null, 2)}\n`;
}

export function runDocument(result: RunResult) {
  const { run, cells } = result;
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
    },
    cells,
  };
}

/** Cells with their raw samples in ms (`--samples`), so the document alone can be diffed later. */
export function withSamples(cells: readonly CellResult[], runId: string, store: Store): (CellResult & { samplesMs: number[] })[] {
  return cells.map((c) => {
    const ns = store.loadSamples(runId, c.id);
    return { ...c, samplesMs: ns ? Array.from(ns, (x) => x / 1e6) : [] };
  });
}
