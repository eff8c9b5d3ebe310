import type { RunResult } from "../results.js";
import { findChangePoints } from "../stats/changepoint.js";
import type { HistorySeries } from "./model.js";

/**
 * `--history`: per cell, the p50 latency of every run given (oldest first) with its 95% interval,
 * and the change points of that series. A run in which the cell measured nothing is left out of
 * its series (a failed cell is no level); a series of fewer than 6 points has no change point to
 * find (at least 3 runs on each side of one).
 */
export function buildHistory(runs: readonly RunResult[], cellPattern?: (cellId: string) => boolean): HistorySeries[] {
  const byCell = new Map<string, HistorySeries>();
  for (const { run, cells } of runs) {
    for (const cell of cells) {
      if (cellPattern && !cellPattern(cell.id)) continue;
      const p50 = cell.latencyMs?.p50;
      if (cell.status !== "ok" || !p50 || !Number.isFinite(p50.value)) continue;
      let series = byCell.get(cell.id);
      if (!series) {
        series = { suite: run.suite, cellId: cell.id, metric: "p50", unit: "ms", points: [], changePoints: [] };
        byCell.set(cell.id, series);
      }
      series.points.push({ runId: run.id, startedAt: run.startedAt, value: p50.value, lo: p50.ci?.[0] ?? null, hi: p50.ci?.[1] ?? null });
    }
  }
  return [...byCell.values()].map((s) => ({
    ...s,
    changePoints: findChangePoints(s.points.map((p) => p.value)).map((c) => ({
      index: c.index,
      runId: s.points[c.index]?.runId ?? "",
      before: c.before,
      after: c.after,
      change: c.change,
      pValue: c.pValue,
    })),
  }));
}
