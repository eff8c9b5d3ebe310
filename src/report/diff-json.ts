import type { DiffResult } from "../compare/diff.js";
import { jsonText } from "./format.js";

/** DESIGN.md's `bench diff --json` document; extra keys come after the contract's. */
export function renderDiffJson(d: DiffResult): string {
  return jsonText(diffDocument(d));
}

export function diffDocument(d: DiffResult) {
  return {
    base: d.base,
    head: d.head,
    comparisons: d.comparisons.map((c) => ({
      cell: c.cell,
      metric: c.metric,
      base: c.base,
      head: c.head,
      change: c.change,
      ci: c.ci,
      pValue: c.pValue,
      verdict: c.verdict,
      pAdjusted: c.pAdjusted,
      threshold: c.threshold,
    })),
    baseRun: d.baseRun,
    headRun: d.headRun,
    environment: d.environment,
    onlyInBase: d.onlyInBase,
    onlyInHead: d.onlyInHead,
    notComparable: d.notComparable,
    noisy: d.noisy,
    runNoise: d.runNoise,
  };
}
