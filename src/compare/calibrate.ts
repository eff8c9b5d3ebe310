import type { Comparison } from "../stats/compare.js";
import type { MetricName } from "../suite/schema.js";
import type { DiffResult } from "./diff.js";

/**
 * What A/A comparisons (the same code measured several times) say about the verdict rule on this
 * machine. In an A/A pair i nothing changed, so its interval [lo_i, hi_i] is pure noise. Were the
 * code slower by δ, the interval would move to about [δ + lo_i, δ + hi_i], and the verdict needs
 * its lower end beyond the threshold t: δ > t − lo_i. So:
 *   - false alarms: pairs whose verdict was regression or improvement, though nothing changed;
 *   - minimum detectable effect at t: t + max_i(−lo_i) for latencies (t + max_i(hi_i) for
 *     throughput, where a regression is a drop); with a handful of pairs the max is the honest
 *     stand-in for a high quantile;
 *   - suggested threshold: the smallest t no A/A interval cleared, max_i max(ci_lo_i, −ci_hi_i),
 *     times a 1.25 safety margin, rounded up to 0.5%, at least 1%.
 */
export interface CellCalibration {
  cell: string;
  metric: MetricName;
  pairs: number;
  falseAlarms: number;
  /** Median |change| between A/A runs. */
  typicalChange: number;
  minimumDetectableEffect: number;
  suggestedThreshold: number;
}

export interface Calibration {
  runs: string[];
  pairs: number;
  cells: CellCalibration[];
  /** Per metric, the largest suggestion over the cells: one threshold must serve every cell. */
  suggested: Partial<Record<MetricName, number>>;
  falseAlarmRate: number;
}

const MARGIN = 1.25;
const FLOOR = 0.01;

export function summarizeCalibration(runs: string[], diffs: readonly DiffResult[]): Calibration {
  const groups = new Map<string, Comparison[]>();
  for (const d of diffs) {
    for (const c of d.comparisons) {
      const key = `${c.cell}\u0000${c.metric}`;
      groups.set(key, [...(groups.get(key) ?? []), c]);
    }
  }
  const cells: CellCalibration[] = [...groups.values()].map((cs) => {
    const first = cs[0] as Comparison;
    const stray = Math.max(...cs.map((c) => Math.max(c.ci[0], -c.ci[1], 0)));
    const reach = Math.max(0, ...cs.map((c) => (first.metric === "throughput" ? c.ci[1] : -c.ci[0])));
    return {
      cell: first.cell,
      metric: first.metric,
      pairs: cs.length,
      falseAlarms: cs.filter((c) => c.verdict === "regression" || c.verdict === "improvement").length,
      typicalChange: median(cs.map((c) => Math.abs(c.change))),
      minimumDetectableEffect: first.threshold + reach,
      suggestedThreshold: Math.max(FLOOR, Math.ceil((stray * MARGIN) / 0.005) * 0.005),
    };
  });
  const suggested: Partial<Record<MetricName, number>> = {};
  for (const c of cells) suggested[c.metric] = Math.max(suggested[c.metric] ?? 0, c.suggestedThreshold);
  const total = cells.reduce((s, c) => s + c.pairs, 0);
  return {
    runs,
    pairs: diffs.length,
    cells,
    suggested,
    falseAlarmRate: total === 0 ? 0 : cells.reduce((s, c) => s + c.falseAlarms, 0) / total,
  };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}
