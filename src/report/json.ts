import type { RunResult } from "../results.js";

/** The `--json` document of DESIGN.md: `{ run: {...}, cells: [...] }`, stable key order. */
export function renderRunJson(result: RunResult): string {
  const { run, cells } = result;
  const doc = {
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
  return `${JSON.stringify(doc, null, 2)}\n`;
}
