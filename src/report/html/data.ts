import type { CellResult, RunResult } from "../../results.js";
import type { Estimate } from "../../stats/index.js";
import { HEADLINES, type Headline } from "../../stats/metrics.js";
import type { ReportInput } from "../model.js";

/** A cell of one of the report's runs, with the names the charts group it by. */
export interface ReportCell {
  runId: string;
  cell: CellResult;
  /** The line a chart draws it on: the variant, prefixed by its run when several runs are shown. */
  series: string;
  /** The cell without its variant: the cells a CDF overlays. */
  group: string;
  /** How it was driven besides batch: provider and threads (or "remote"). */
  config: string;
  /** The cell's id, prefixed by its run when several runs are shown. */
  label: string;
}

export function runLabel(run: RunResult, index: number, count: number): string {
  return count === 1 ? run.run.id : `#${index + 1} ${run.run.id}`;
}

export function configOf(cell: CellResult): string {
  return cell.threads === null ? cell.provider : `${cell.provider} t${cell.threads}`;
}

export function reportCells(input: ReportInput): ReportCell[] {
  const n = input.runs.length;
  return input.runs.flatMap((r, i) =>
    r.cells.map((cell) => {
      const load = cell.concurrency !== null ? ` c${cell.concurrency}` : cell.rate !== null ? ` r${cell.rate}/s` : "";
      const prefix = n === 1 ? "" : `${runLabel(r, i, n)} `;
      return {
        runId: r.run.id,
        cell,
        series: `${prefix}${cell.variant}`,
        label: `${prefix}${cell.id}`,
        group: `b${cell.batch} ${configOf(cell)}${load}`,
        config: configOf(cell),
      };
    }),
  );
}

export const isLoad = (c: CellResult): boolean => c.concurrency !== null || c.rate !== null;

/**
 * The statistic a cell's trials are judged by: its target's `measure.headline` in the resolved
 * suite (the suite's where the target has none), p50 when neither says.
 */
export function headlineOf(resolvedSuite: unknown, target: string): Headline {
  const asRecord = (x: unknown): Record<string, unknown> | undefined => (typeof x === "object" && x !== null ? (x as Record<string, unknown>) : undefined);
  const suite = asRecord(resolvedSuite);
  const fromMeasure = (m: unknown) => {
    const h = asRecord(m)?.headline;
    return HEADLINES.find((x) => x === h);
  };
  // Resolved suites list their targets by name; a suite file maps name to target.
  const targets = suite?.targets;
  const targetSpec = Array.isArray(targets) ? asRecord(targets.find((t) => asRecord(t)?.name === target)) : asRecord(asRecord(targets)?.[target]);
  return fromMeasure(targetSpec?.measure) ?? fromMeasure(suite?.measure) ?? "p50";
}

/**
 * At most `max` points of the empirical CDF of `ms` (sorted here): evenly spaced ranks, with a
 * fifth of the points kept for the top 2% so the tail (p99 and beyond) keeps its shape.
 */
export function ecdfPoints(ms: readonly number[], max = 200): { x: number; p: number }[] {
  const sorted = Float64Array.from(ms).sort();
  const n = sorted.length;
  if (n === 0) return [];
  const ranks = new Set<number>();
  if (n <= max) for (let i = 0; i < n; i++) ranks.add(i);
  else {
    const body = Math.floor(max * 0.8);
    const tailFrom = Math.floor(n * 0.98);
    for (let k = 0; k < body; k++) ranks.add(Math.round((k * (tailFrom - 1)) / (body - 1)));
    const tail = max - body;
    for (let k = 0; k < tail; k++) ranks.add(tailFrom + Math.round((k * (n - 1 - tailFrom)) / (tail - 1)));
  }
  return [...ranks].sort((a, b) => a - b).map((i) => ({ x: sorted[i] as number, p: (i + 1) / n }));
}

/**
 * A cell's accuracy on the trade-off's axis, as measure/execute.ts judges its Pareto front:
 * against labels (an error negated: higher is better), else the first output's top-1 agreement
 * with the reference variant, else its cosine; the reference itself is 1.
 */
export function tradeOffAccuracy(cell: CellResult, isReference: boolean): { value: number; ci: [number, number] | null; measure: string } | null {
  const labels = cell.labelAccuracy;
  if (labels && !("error" in labels)) {
    const sign = labels.higherIsBetter ? 1 : -1;
    const ci = labels.ci ? ([sign * labels.ci[0], sign * labels.ci[1]].sort((a, b) => a - b) as [number, number]) : null;
    return { value: sign * labels.value, ci, measure: `${labels.higherIsBetter ? "" : "−"}${labels.metric} on ${labels.file}` };
  }
  if (isReference) return { value: 1, ci: null, measure: "the reference" };
  const acc = cell.accuracy;
  if (!acc || acc.error !== undefined) return null;
  const [name, first] = Object.entries(acc.outputs)[0] ?? [];
  if (!first) return null;
  if (first.top1Agreement) return { ...first.top1Agreement, measure: `top-1 agreement of ${name} with ${acc.reference}` };
  return first.cosine === null ? null : { value: first.cosine, ci: null, measure: `cosine of ${name} with ${acc.reference}` };
}

/** An estimate as a chart's value with its interval; without an interval both ends are the value. */
export const interval = (e: Estimate) => ({ value: e.value, lo: e.ci?.[0] ?? e.value, hi: e.ci?.[1] ?? e.value });
export const ok = (rc: ReportCell): boolean => rc.cell.status === "ok";
/** The colour channel every per-run chart shares: a colour per variant (and run). */
export const seriesColor = { field: "series", type: "nominal", title: "variant" } as const;
