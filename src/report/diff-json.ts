import type { DiffResult } from "../compare/diff.js";
import { jsonText } from "./format.js";

/** DESIGN.md's `bench diff --json` document; extra keys come after the contract's (docs/CI.md lists them). */
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
      method: c.method,
      minimumDetectable: c.minimumDetectable,
    })),
    baseRun: d.baseRun,
    headRun: d.headRun,
    inconclusive: d.inconclusive,
    unavailable: d.unavailable,
    sensitivity: d.sensitivity,
    canary: d.canary,
    trials: d.trials,
    environment: d.environment,
    onlyInBase: d.onlyInBase,
    onlyInHead: d.onlyInHead,
    notComparable: d.notComparable,
    notes: d.notes,
    noisy: d.noisy,
    runNoise: d.runNoise,
  };
}
