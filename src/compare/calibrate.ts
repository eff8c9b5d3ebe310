import type { RunNoise } from "../baseline/format.js";
import type { CellResult } from "../results.js";
import { type Estimate, normalQuantile } from "../stats/index.js";
import type { Metric } from "../stats/metrics.js";
import type { DiffResult } from "./diff.js";

/**
 * What A/A runs (the same code, each in its own process) say about comparisons on this machine.
 *
 * Run-to-run noise: for a cell and metric, the standard deviation of the log of the metric over
 * the runs. It holds what one run's samples cannot show (other tenants coming and going, memory
 * layout, clock state) and also each run's sampling error, which the comparison's bootstrap
 * counts again. That double count is kept on purpose: from a handful of runs σ itself is
 * uncertain (5 runs put its 90% upper bound at about twice the estimate), and taking the sampling
 * error out made calibrated A/A gates fail 3 runs in 8 here instead of 1 in 10. Pooled per metric
 * as the median over cells; the comparison uses a cell's own figure when it is larger.
 *
 * Minimum detectable effect at threshold t, with 95% power: a regression verdict needs the lower
 * end of the interval beyond t, and the interval's standard error on the log scale is
 * se = √(se_within² + 2σ²) (se_within from the A/A intervals, σ the run-to-run noise), so the
 * true change must reach log(1 + t) + (z_0.975 + z_0.95)·se.
 */
export interface CellCalibration {
  cell: string;
  metric: Metric;
  runNoise: number;
  pairs: number;
  /** A/A verdicts of regression or improvement without and with the run-to-run noise. */
  falseAlarmsRaw: number;
  falseAlarms: number;
  minimumDetectableEffect: number;
}

export interface Calibration {
  runs: string[];
  pairs: number;
  runNoise: RunNoise;
  cells: CellCalibration[];
  falseAlarmRateRaw: number;
  falseAlarmRate: number;
}

const ESTIMATE: Record<Metric, (c: CellResult) => Estimate | undefined> = {
  p50: (c) => c.latencyMs?.p50,
  p90: (c) => c.latencyMs?.p90,
  p99: (c) => c.latencyMs?.p99,
  mean: (c) => c.latencyMs?.mean,
  throughput: (c) => c.throughput ?? undefined,
};

/** Run-to-run noise from the cells of several runs of the same suite. */
export function measureRunNoise(runs: readonly (readonly CellResult[])[], metrics: readonly Metric[]): RunNoise {
  const cells: RunNoise["cells"] = {};
  const ids = [...new Set(runs.flatMap((r) => r.map((c) => c.id)))];
  for (const id of ids) {
    for (const m of metrics) {
      const estimates = runs
        .map((r) => r.find((c) => c.id === id && c.status === "ok"))
        .map((c) => (c ? ESTIMATE[m](c) : undefined))
        .filter((e): e is Estimate => e !== undefined && e.value > 0);
      if (estimates.length < 2) continue;
      cells[id] = { ...cells[id], [m]: sd(estimates.map((e) => Math.log(e.value))) };
    }
  }
  const pooled: RunNoise["metrics"] = {};
  for (const m of metrics) {
    const values = Object.values(cells).flatMap((c) => (c[m] !== undefined ? [c[m]] : []));
    if (values.length > 0) pooled[m] = median(values);
  }
  return { runs: runs.length, metrics: pooled, cells };
}

export function summarizeCalibration(runs: string[], runNoise: RunNoise, raw: readonly DiffResult[], withNoise: readonly DiffResult[]): Calibration {
  const z = normalQuantile(0.975);
  const power = normalQuantile(0.95);
  const alarm = (v: string) => v === "regression" || v === "improvement";
  const keyed = (diffs: readonly DiffResult[]) => {
    const map = new Map<string, DiffResult["comparisons"]>();
    for (const d of diffs) for (const c of d.comparisons) map.set(`${c.cell}\u0000${c.metric}`, [...(map.get(`${c.cell}\u0000${c.metric}`) ?? []), c]);
    return map;
  };
  const rawByKey = keyed(raw);
  const noisyByKey = keyed(withNoise);
  const cells: CellCalibration[] = [...rawByKey.entries()].map(([key, cs]) => {
    const first = cs[0] as DiffResult["comparisons"][number];
    const sigma = Math.max(runNoise.cells[first.cell]?.[first.metric] ?? 0, runNoise.metrics[first.metric] ?? 0);
    const seWithin = median(cs.map((c) => (Math.log1p(c.ci[1]) - Math.log1p(c.ci[0])) / (2 * z)));
    const se = Math.sqrt(seWithin ** 2 + 2 * sigma ** 2);
    return {
      cell: first.cell,
      metric: first.metric,
      runNoise: sigma,
      pairs: cs.length,
      falseAlarmsRaw: cs.filter((c) => alarm(c.verdict)).length,
      falseAlarms: (noisyByKey.get(key) ?? []).filter((c) => alarm(c.verdict)).length,
      minimumDetectableEffect: Math.expm1(Math.log1p(first.threshold) + (z + power) * se),
    };
  });
  const total = cells.reduce((s, c) => s + c.pairs, 0);
  const rate = (pick: (c: CellCalibration) => number) => (total === 0 ? 0 : cells.reduce((s, c) => s + pick(c), 0) / total);
  return {
    runs,
    pairs: raw.length,
    runNoise,
    cells,
    falseAlarmRateRaw: rate((c) => c.falseAlarmsRaw),
    falseAlarmRate: rate((c) => c.falseAlarms),
  };
}

function sd(xs: readonly number[]): number {
  const m = xs.reduce((a, b) => a + b, 0) / xs.length;
  return Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / (xs.length - 1));
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}
