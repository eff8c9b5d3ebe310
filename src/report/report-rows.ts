import type { CellResult, RunResult } from "../results.js";
import type { Estimate } from "../stats/index.js";
import { METRICS, type Metric } from "../stats/metrics.js";

/** One statistic of one cell of one run, with its 95% interval (null bounds: the run has none). */
export interface MetricRow {
  runId: string;
  suite: string;
  cell: string;
  metric: Metric;
  value: number;
  lower: number | null;
  upper: number | null;
  unit: MetricUnit;
}

export type MetricUnit = "ms" | "items/s";

export function metricUnit(metric: Metric): MetricUnit {
  return metric === "throughput" ? "items/s" : "ms";
}

/** A cell's estimate of `metric`; null when the cell measured nothing (failed, skipped). */
export function estimateOf(cell: CellResult, metric: Metric): Estimate | null {
  if (metric === "throughput") return cell.throughput;
  return cell.latencyMs?.[metric] ?? null;
}

/** Every measured cell × metric of a run, in cell order then METRICS order; cells without numbers give none. */
export function metricRows({ run, cells }: RunResult, metrics: readonly Metric[] = METRICS): MetricRow[] {
  return cells.flatMap((cell) =>
    metrics.flatMap((metric) => {
      const e = estimateOf(cell, metric);
      if (!e || !Number.isFinite(e.value)) return [];
      return [
        {
          runId: run.id,
          suite: run.suite,
          cell: cell.id,
          metric,
          value: e.value,
          lower: e.ci?.[0] ?? null,
          upper: e.ci?.[1] ?? null,
          unit: metricUnit(metric),
        },
      ];
    }),
  );
}

/**
 * The name a cell goes by in a continuous-benchmarking service: its id, prefixed with its suite
 * when the report holds runs of several suites. Two runs of one suite would give the same names
 * twice: the caller refuses that (the service wants one result per benchmark and upload).
 */
export function benchmarkNames(runs: readonly RunResult[]): { names: Map<RunResult, Map<string, string>>; clash: string | null } {
  const suites = new Set(runs.map((r) => r.run.suite));
  const names = new Map<RunResult, Map<string, string>>();
  const seen = new Map<string, string>();
  let clash: string | null = null;
  for (const r of runs) {
    const own = new Map<string, string>();
    for (const c of r.cells) {
      const name = suites.size > 1 ? `${r.run.suite}/${c.id}` : c.id;
      const other = seen.get(name);
      if (other !== undefined && other !== r.run.id) clash ??= `runs ${other} and ${r.run.id} both have ${name}`;
      if (other !== undefined && other === r.run.id) clash ??= `run ${r.run.id} has ${name} twice`;
      seen.set(name, r.run.id);
      own.set(c.id, name);
    }
    names.set(r, own);
  }
  return { names, clash };
}
