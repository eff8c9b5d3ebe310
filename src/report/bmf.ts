import { UserError } from "../errors.js";
import type { Metric } from "../stats/metrics.js";
import { jsonText } from "./format.js";
import type { ReportInput } from "./model.js";
import { benchmarkNames, metricRows } from "./report-rows.js";

/**
 * Bencher Metric Format (https://bencher.dev/docs/reference/bencher-metric-format):
 * `{ "<benchmark>": { "<measure>": { value, lower_value, upper_value } } }`, one benchmark per
 * cell. Measures: `p50-latency-ms` and `p99-latency-ms` (ms; Bencher creates a measure named by a
 * new slug on first upload) and `throughput` (Bencher's built-in measure, operations per second:
 * here items per second, a batch of 8 being 8 items). The bounds are the 95% interval, left out
 * when the run has none. Cells that measured nothing (failed, skipped) are left out: a value of 0
 * would be read as a result.
 */
export const BMF_MEASURES: Readonly<Partial<Record<Metric, string>>> = {
  p50: "p50-latency-ms",
  p99: "p99-latency-ms",
  throughput: "throughput",
};

export type BmfDocument = Record<string, Record<string, { value: number; lower_value?: number; upper_value?: number }>>;

export function renderBmf(input: ReportInput): string {
  return jsonText(bmfDocument(input));
}

export function bmfDocument(input: ReportInput): BmfDocument {
  if (input.history) throw new UserError("--format bmf: a history has no BMF form (Bencher keeps its own); give md, csv, json or html");
  const { names, clash } = benchmarkNames(input.runs);
  if (clash) throw new UserError(`--format bmf: ${clash}; a BMF upload holds one result per benchmark, so give one run per suite`);
  const doc: BmfDocument = {};
  for (const run of input.runs) {
    for (const row of metricRows(run, Object.keys(BMF_MEASURES) as Metric[])) {
      const name = names.get(run)?.get(row.cell) ?? row.cell;
      const measure = BMF_MEASURES[row.metric] as string;
      (doc[name] ??= {})[measure] = {
        value: row.value,
        ...(row.lower !== null && row.upper !== null ? { lower_value: row.lower, upper_value: row.upper } : {}),
      };
    }
  }
  return doc;
}
