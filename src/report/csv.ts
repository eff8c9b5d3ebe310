import { stringify } from "csv-stringify/sync";
import type { ReportInput } from "./model.js";
import { metricRows } from "./report-rows.js";

/**
 * CSV, one row per cell × metric of every run: run, suite, cell, status, metric, value, lower,
 * upper (the 95% interval; empty when the run has none), unit, verdict. A cell that measured
 * nothing (failed, skipped) gets one row with its status and an empty metric. A comparison of two
 * runs adds one row per compared cell × metric with run `BASE→HEAD`: value is the relative change
 * (head/base − 1, unit `ratio`), lower and upper its interval, and verdict `bench diff`'s verdict.
 * A history (`--history`) has its own columns: suite, cell, metric, index, run, startedAt, value,
 * lower, upper, unit, changePoint (true on the first run of a new level).
 */
export function renderCsv(input: ReportInput): string {
  if (input.history) return historyCsv(input);
  const rows: (string | number)[][] = [];
  for (const run of input.runs) {
    const measured = metricRows(run);
    for (const cell of run.cells) {
      const own = measured.filter((r) => r.cell === cell.id);
      if (own.length === 0) rows.push([run.run.id, run.run.suite, cell.id, cell.status, "", "", "", "", "", ""]);
      for (const r of own) rows.push([run.run.id, run.run.suite, cell.id, cell.status, r.metric, r.value, r.lower ?? "", r.upper ?? "", r.unit, ""]);
    }
  }
  const d = input.diff;
  if (d) {
    const suite = input.runs[input.runs.length - 1]?.run.suite ?? "";
    for (const c of d.comparisons) rows.push([`${d.base}→${d.head}`, suite, c.cell, "compared", c.metric, c.change, c.ci[0], c.ci[1], "ratio", c.verdict]);
    for (const u of d.unavailable) rows.push([`${d.base}→${d.head}`, suite, u.cell, "compared", u.metric, u.change, "", "", "ratio", "no interval"]);
  }
  return stringify(rows, { header: true, columns: ["run", "suite", "cell", "status", "metric", "value", "lower", "upper", "unit", "verdict"] });
}

function historyCsv(input: ReportInput): string {
  const rows = (input.history ?? []).flatMap((s) => {
    const starts = new Set(s.changePoints.map((c) => c.index));
    return s.points.map((p, i) => [s.suite, s.cellId, s.metric, i, p.runId, p.startedAt, p.value, p.lo ?? "", p.hi ?? "", s.unit, starts.has(i)]);
  });
  return stringify(rows, {
    header: true,
    columns: ["suite", "cell", "metric", "index", "run", "startedAt", "value", "lower", "upper", "unit", "changePoint"],
    cast: { boolean: (b) => String(b) },
  });
}
