import { UserError } from "../errors.js";
import type { Metric } from "../stats/metrics.js";
import { num } from "./format.js";
import { jsonText } from "./format.js";
import type { ReportInput } from "./model.js";
import { benchmarkNames, metricRows } from "./report-rows.js";

/**
 * github-action-benchmark's custom tools (https://github.com/benchmark-action/github-action-benchmark):
 * a JSON array of `{ name, unit, value, range?, extra? }`, read with `tool: customSmallerIsBetter`
 * or `tool: customBiggerIsBetter`. One file holds one direction, so there are two:
 * `gab` (smaller is better): the p50 and p99 latency of every cell, ms;
 * `gab-bigger` (bigger is better): every cell's throughput, items/s.
 * `range` is "± h" with h the larger half of the 95% interval (the action shows it as text);
 * `extra` gives the interval itself and the run.
 */
export type GabDirection = "smaller" | "bigger";

export interface GabEntry {
  name: string;
  unit: string;
  value: number;
  range?: string;
  extra?: string;
}

const METRICS_BY_DIRECTION: Record<GabDirection, Metric[]> = { smaller: ["p50", "p99"], bigger: ["throughput"] };

export function renderGab(input: ReportInput, direction: GabDirection): string {
  return jsonText(gabEntries(input, direction));
}

export function gabEntries(input: ReportInput, direction: GabDirection): GabEntry[] {
  const format = direction === "smaller" ? "gab" : "gab-bigger";
  if (input.history)
    throw new UserError(`--format ${format}: a history has no github-action-benchmark form (the action keeps its own); give md, csv, json or html`);
  const { names, clash } = benchmarkNames(input.runs);
  if (clash) throw new UserError(`--format ${format}: ${clash}; the action stores one value per name and commit, so give one run per suite`);
  return input.runs.flatMap((run) =>
    metricRows(run, METRICS_BY_DIRECTION[direction]).map((row) => {
      const name = `${names.get(run)?.get(row.cell) ?? row.cell} ${row.metric}`;
      const hasCI = row.lower !== null && row.upper !== null;
      const half = hasCI ? Math.max(row.value - (row.lower as number), (row.upper as number) - row.value) : 0;
      return {
        name,
        unit: row.unit,
        value: row.value,
        ...(hasCI ? { range: `± ${num(half)}` } : {}),
        extra: `${hasCI ? `95% CI ${num(row.lower as number)}–${num(row.upper as number)} ${row.unit}` : "no interval"}; run ${row.runId}`,
      };
    }),
  );
}
