import type { DiffComparison, DiffResult } from "../compare/diff.js";
import type { Comparison } from "../stats/compare.js";
import { METRICS } from "../stats/metrics.js";
import { num, percent } from "./format.js";

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

export function byVerdict(d: DiffResult, v: Verdict): DiffComparison[] {
  return d.comparisons.filter((c) => c.verdict === v);
}

export function cellsWith(d: DiffResult, v: Verdict): string[] {
  return [...new Set(byVerdict(d, v).map((c) => c.cell))];
}

/**
 * How a comparison came out for a gate: `regression` (a regression, or nothing compared: never a
 * pass), `blind` (no regression, but some comparisons were inconclusive or had no interval, or the
 * machine was disturbed: it could not have seen every regression), `pass` (every comparison
 * unchanged or improved, on an undisturbed machine).
 */
export type GateState = "regression" | "blind" | "pass";

export function gateState(d: DiffResult): GateState {
  if (d.comparisons.length === 0 || byVerdict(d, "regression").length > 0) return "regression";
  return blindSpots(d) > 0 || d.canary.disturbed ? "blind" : "pass";
}

/** Comparisons that could not tell: inconclusive, or no interval at all. */
export function blindSpots(d: DiffResult): number {
  return d.inconclusive + d.unavailable.length;
}

/** "smallest detectable change: p50 4.1%, p99 9.8%": the median over cells per metric; empty when nothing was compared. */
export function sensitivityText(d: DiffResult): string {
  const parts = METRICS.flatMap((m) => {
    const s = d.sensitivity[m];
    return s ? [`${m} ${percent(s.median)}`] : [];
  });
  return parts.length > 0 ? `smallest detectable change: ${parts.join(", ")}` : "";
}

/** One line a reviewer reads first. */
export function headline(d: DiffResult): string {
  const reg = cellsWith(d, "regression");
  const imp = cellsWith(d, "improvement");
  const cells = new Set(d.comparisons.map((c) => c.cell)).size;
  if (cells === 0) {
    return d.unavailable.length > 0
      ? `nothing compared: ${d.unavailable.length} comparisons without an interval`
      : `nothing compared: ${d.notComparable.length} cells on both sides, none comparable`;
  }
  const blind = blindSpotText(d);
  const machine = d.canary.disturbed ? disturbedText(d) : "";
  if (reg.length > 0)
    return [`regression in ${reg.length} of ${cells} cells${imp.length ? `, improvement in ${imp.length}` : ""}`, blind, machine].filter(Boolean).join("; ");
  if (!blind && !machine) return imp.length > 0 ? `no regression; improvement in ${imp.length} of ${cells} cells` : `no regression in ${cells} cells`;
  return ["no regression found", imp.length > 0 ? `improvement in ${imp.length} of ${cells} cells` : "", blind, machine].filter(Boolean).join("; ");
}

/** "12 of 180 comparisons inconclusive, 2 without an interval (smallest detectable change: …)", or "". */
function blindSpotText(d: DiffResult): string {
  if (blindSpots(d) === 0) return "";
  const total = d.comparisons.length + d.unavailable.length;
  const parts = [
    d.inconclusive > 0 ? `${d.inconclusive} of ${total} comparisons inconclusive` : "",
    d.unavailable.length > 0 ? `${d.unavailable.length} of ${total} without an interval` : "",
  ];
  const sensitivity = sensitivityText(d);
  return `${parts.filter(Boolean).join(", ")}${sensitivity ? ` (${sensitivity})` : ""}`;
}

function disturbedText(d: DiffResult): string {
  const { canary, trials } = d;
  if (d.baseRun === d.headRun) {
    const t = trials.head;
    return t ? `the machine was disturbed in ${t.disturbed} of ${t.count} trials` : "the machine was disturbed";
  }
  return `the machine changed between the runs (canary ${canary.change !== null ? pct(canary.change) : "moved"})`;
}

/** The machine's canary, in one line; "" when neither side measured one. */
export function canaryText(d: DiffResult): string {
  const { base, head, change, disturbed } = d.canary;
  if (base === null && head === null) return "";
  const t = d.trials.head;
  if (d.baseRun === d.headRun) {
    const trials = t ? `${t.disturbed} of ${t.count} trials disturbed` : "no trial disturbed";
    return `machine canary ${num(head ?? base ?? 0)} ms, ${trials}${disturbed ? ": the comparison is disturbed" : ""}`;
  }
  const moved = base !== null && head !== null ? `${num(base)} → ${num(head)} ms (${pct(change ?? 0)})` : `${num(head ?? base ?? 0)} ms on one side only`;
  const verdict = disturbed ? ": moved more than 10%, the comparison is disturbed" : change !== null ? ", within 10%" : "";
  const trials = [d.trials.base, t].some((x) => x && x.disturbed > 0)
    ? `; disturbed trials: base ${d.trials.base?.disturbed ?? 0}, head ${t?.disturbed ?? 0}`
    : "";
  return `machine canary ${moved}${verdict}${trials}`;
}

export function thresholdText(d: DiffResult): string {
  const values = Object.entries(d.thresholds);
  const distinct = new Set(values.map(([, v]) => v));
  if (distinct.size === 1) return `threshold ${pct(values[0]?.[1] ?? 0).replace("+", "")}`;
  return `thresholds ${values.map(([m, v]) => `${m} ${pct(v).replace("+", "")}`).join(", ")}`;
}

/** How the cells were compared, and so what the intervals account for, in one line. */
export function methodText(d: DiffResult): string {
  const sameRun = d.baseRun === d.headRun;
  const cellsOf = (pick: (c: DiffComparison) => boolean) => new Set(d.comparisons.filter(pick).map((c) => c.cell)).size;
  const byTrials = cellsOf((c) => c.method !== "samples");
  const bySamples = cellsOf((c) => c.method === "samples");
  const parts: string[] = [];
  if (byTrials > 0) {
    const { base, head } = d.trials;
    const count = sameRun ? `${head?.count ?? "?"} trials, paired trial by trial` : `${base?.count ?? "?"} and ${head?.count ?? "?"} trials, unpaired`;
    parts.push(`${byTrials} cells compared between trials (${count}; each cell's trial variance pooled with the other cells', empirical Bayes)`);
  }
  if (bySamples > 0) {
    const { source, runs, metrics } = d.runNoise;
    const values = Object.entries(metrics)
      .map(([m, v]) => `${m} ${pct(v).replace("+", "")}`)
      .join(", ");
    const noise = sameRun
      ? "one run: no run-to-run noise"
      : source === "calibrated"
        ? `run-to-run noise calibrated over ${runs} runs: ${values}`
        : "run-to-run variation not measured";
    parts.push(`${bySamples} cells compared from their samples (${noise})`);
  }
  return parts.join("; ");
}

/** Each note once, with the cells it applies to (at most `maxCells`, then how many more). */
export function noteLines(d: DiffResult, maxCells = 6): string[] {
  return d.notes.map(({ text, cells }) => `${text}: ${cellList(cells, maxCells)}`);
}

export function cellList(cells: readonly string[], maxCells: number): string {
  return cells.length > maxCells ? `${cells.slice(0, maxCells).join(", ")} and ${cells.length - maxCells} more` : cells.join(", ");
}

export function unit(metric: Comparison["metric"]): string {
  return metric === "throughput" ? "items/s" : "ms";
}

/** What the verdicts mean, for a footer. */
export const VERDICT_RULE =
  "regression = significant after Holm's correction AND the estimated change beyond the threshold; unchanged = the whole interval within ±threshold; inconclusive = neither";
