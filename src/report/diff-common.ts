import type { DiffResult } from "../compare/diff.js";
import type { Comparison } from "../stats/compare.js";

export type Verdict = Comparison["verdict"];

/** "+7.3% (+5.0% … +9.1%)" */
export function pct(x: number): string {
  const v = (x * 100).toFixed(Math.abs(x) < 0.1 ? 1 : 0);
  return `${x >= 0 ? "+" : ""}${v}%`;
}

export function changeWithCI(c: Comparison): string {
  return `${pct(c.change)} (${pct(c.ci[0])} … ${pct(c.ci[1])})`;
}

export function pValue(p: number): string {
  return p < 0.0001 ? "<0.0001" : p.toFixed(4);
}

export function byVerdict(d: DiffResult, v: Verdict): Comparison[] {
  return d.comparisons.filter((c) => c.verdict === v);
}

export function cellsWith(d: DiffResult, v: Verdict): string[] {
  return [...new Set(byVerdict(d, v).map((c) => c.cell))];
}

/** One line a reviewer reads first. */
export function headline(d: DiffResult): string {
  const reg = cellsWith(d, "regression");
  const imp = cellsWith(d, "improvement");
  const cells = new Set(d.comparisons.map((c) => c.cell)).size;
  if (cells === 0) return `nothing compared: ${d.notComparable.length} cells on both sides, none comparable`;
  if (reg.length > 0) return `regression in ${reg.length} of ${cells} cells${imp.length ? `, improvement in ${imp.length}` : ""}`;
  if (imp.length > 0) return `no regression; improvement in ${imp.length} of ${cells} cells`;
  return `no regression in ${cells} cells`;
}

export function thresholdText(d: DiffResult): string {
  const values = Object.entries(d.thresholds);
  const distinct = new Set(values.map(([, v]) => v));
  if (distinct.size === 1) return `threshold ${pct(values[0]?.[1] ?? 0).replace("+", "")}`;
  return `thresholds ${values.map(([m, v]) => `${m} ${pct(v).replace("+", "")}`).join(", ")}`;
}

/** How the intervals account for the difference between two runs, in one line. */
export function runNoiseText(d: DiffResult): string {
  const { source, runs, metrics } = d.runNoise;
  if (source === "none") return "both sides from one run: no run-to-run noise";
  const values = Object.entries(metrics)
    .map(([m, v]) => `${m} ${pct(v).replace("+", "")}`)
    .join(", ");
  return source === "calibrated"
    ? `run-to-run noise calibrated over ${runs} runs (${values})`
    : `run-to-run noise assumed (${values}); 'bench calibrate' measures this machine's`;
}

export function unit(metric: Comparison["metric"]): string {
  return metric === "throughput" ? "items/s" : "ms";
}

/** Whether the comparison may be shown as passing: it compared something and found no regression. */
export function passed(d: DiffResult): boolean {
  return d.comparisons.length > 0 && byVerdict(d, "regression").length === 0;
}
