/** The charts of a comparison (forest plot) and of a suite's history (series with change points). */
import type { TopLevelSpec } from "vega-lite";
import type { DiffResult } from "../../compare/diff.js";
import { METRICS } from "../../stats/metrics.js";
import {
  cellList,
  changeWithCI,
  headline,
  methodText,
  noteLines,
  pct,
  pValue,
  sensitivityText,
  thresholdText,
  unit,
  VERDICT_RULE,
  canaryText,
} from "../diff-common.js";
import { num } from "../format.js";
import type { HistorySeries } from "../model.js";
import { figure, list, missing, paragraph, table } from "./page.js";
import { panels, renderSvg } from "./svg.js";

const VERDICT_COLORS = { domain: ["regression", "improvement", "unchanged", "inconclusive"], range: ["#d62728", "#2ca02c", "#7f7f7f", "#ff9f1c"] };

/** The change of every cell × metric with its interval, the threshold band behind, a column per metric. */
export async function forestChart(d: DiffResult): Promise<string> {
  const title = "Changes with their intervals (forest plot)";
  if (d.comparisons.length === 0) return missing("forest", title, "no cell and metric of the two runs could be compared");
  const cells = [...new Set(d.comparisons.map((c) => c.cell))];
  const metrics = METRICS.filter((m) => d.comparisons.some((c) => c.metric === m));
  const rows = d.comparisons.map((c) => ({
    cell: c.cell,
    metric: c.metric,
    change: c.change,
    lo: c.ci[0],
    hi: c.ci[1],
    verdict: c.verdict,
    neg: -c.threshold,
    pos: c.threshold,
  }));
  const x = { field: "change", type: "quantitative", axis: { format: "+.0%" }, title: "relative change (head / base − 1)" };
  const y = { field: "cell", type: "nominal", sort: cells, title: null, axis: { labelLimit: 320 } };
  const spec = {
    data: { values: rows },
    facet: { column: { field: "metric", type: "nominal", sort: metrics, title: null, header: { labelFontWeight: 600 } } },
    spec: {
      width: 150,
      height: { step: 15 },
      layer: [
        { mark: { type: "bar", color: "#eeeeee", height: { band: 1 } }, encoding: { x: { ...x, field: "neg" }, x2: { field: "pos" }, y } },
        { mark: { type: "rule", color: "#888", strokeDash: [2, 2] }, encoding: { x: { datum: 0, type: "quantitative" } } },
        {
          mark: { type: "rule", strokeWidth: 2 },
          encoding: { x: { ...x, field: "lo" }, x2: { field: "hi" }, y, color: { field: "verdict", type: "nominal", scale: VERDICT_COLORS, title: "verdict" } },
        },
        {
          mark: { type: "point", filled: true, size: 36, opacity: 1 },
          encoding: { x, y, color: { field: "verdict", type: "nominal", scale: VERDICT_COLORS, title: "verdict" } },
        },
      ],
    },
    resolve: { scale: { x: "independent" } },
  } as unknown as TopLevelSpec;
  const numbers = table(
    ["cell", "metric", "base", "head", "unit", "change (95% CI)", "p", "p (Holm)", "threshold", "verdict", "method", "smallest detectable"],
    d.comparisons.map((c) => [
      c.cell,
      c.metric,
      num(c.base),
      num(c.head),
      unit(c.metric),
      changeWithCI(c),
      pValue(c.pValue),
      pValue(c.pAdjusted),
      pct(c.threshold).replace("+", "±"),
      c.verdict,
      c.method,
      pct(c.minimumDetectable).replace("+", ""),
    ]),
  );
  const unavailable =
    d.unavailable.length === 0
      ? ""
      : table(
          ["cell", "metric", "change", "why no interval"],
          d.unavailable.map((u) => [u.cell, u.metric, pct(u.change), u.reason]),
          "Compared without an interval (no verdict):",
        );
  return figure(
    "forest",
    title,
    await renderSvg(spec),
    `A row per cell, a column per metric: the point is the relative change from base to head, the bar its 95% interval, the grey band ±threshold. Colour is the verdict: ${VERDICT_RULE}. For latencies a positive change is slower; for throughput a positive change is more items per second.`,
    numbers + unavailable,
  );
}

const sideName = (label: string, run: string) => (label === run ? run : `${label} (${run})`);

/** The comparison's summary lines and what could not be compared. */
export function diffSummary(d: DiffResult): string {
  const lines = [
    `${sideName(d.base, d.baseRun)} → ${sideName(d.head, d.headRun)}`,
    headline(d),
    methodText(d),
    thresholdText(d),
    sensitivityText(d),
    canaryText(d),
  ].filter((l) => l !== "");
  const env =
    d.environment.length === 0
      ? ""
      : table(
          ["what differs", "tolerance", "base", "head"],
          d.environment.map((e) => [e.field, e.tolerance, e.base, e.head]),
          "Environment differences:",
        );
  const sides = [
    d.onlyInBase.length > 0 ? `only in base: ${cellList(d.onlyInBase, 20)}` : "",
    d.onlyInHead.length > 0 ? `only in head: ${cellList(d.onlyInHead, 20)}` : "",
    ...d.notComparable.map((n) => `not compared: ${n.cell} (${n.reason})`),
    ...noteLines(d, 20),
  ].filter((l) => l !== "");
  return `${list(lines)}${env}${sides.length > 0 ? `<h3>Notes on the comparison</h3>${list(sides)}` : ""}`;
}

/** The headline statistic of each series over the stored runs, intervals as bars, change points marked. */
export async function historyChart(history: readonly HistorySeries[] | undefined): Promise<string> {
  const title = "History";
  const series = (history ?? []).filter((s) => s.points.length > 0);
  if (series.length === 0)
    return missing("history", title, history ? "the history has no stored point" : "no history was asked for (bench report --history SUITE)");
  const name = (s: HistorySeries) => `${s.cellId} ${s.metric} (${s.unit})`;
  const rows = series.flatMap((s) => {
    const points = s.points.map((p, i) => ({
      kind: "point",
      series: name(s),
      i,
      t: p.startedAt,
      run: p.runId,
      value: p.value,
      lo: p.lo ?? p.value,
      hi: p.hi ?? p.value,
    }));
    const cuts = [0, ...s.changePoints.map((c) => c.index), s.points.length];
    const levels = s.changePoints.flatMap((c, k) => {
      const from = s.points[cuts[k] as number];
      const to = s.points[(cuts[k + 2] as number) - 1];
      const at = s.points[c.index];
      if (!from || !to || !at) return [];
      const before = s.points[c.index - 1] ?? at;
      return [
        { kind: "level", series: name(s), t: from.startedAt, t2: before.startedAt, value: c.before },
        { kind: "level", series: name(s), t: at.startedAt, t2: to.startedAt, value: c.after },
        { kind: "change", series: name(s), t: at.startedAt, label: `${pct(c.change)} (p ${pValue(c.pValue)})` },
      ];
    });
    return [...points, ...levels];
  });
  const x = { field: "t", type: "temporal", title: "run started" };
  const y = { field: "value", type: "quantitative", scale: { zero: false }, title: null };
  const only = (kind: string) => [{ filter: `datum.kind === '${kind}'` }];
  const spec = panels(
    rows,
    "series",
    [
      { transform: only("point"), mark: { type: "line", color: "#4c78a8", point: { filled: true, size: 30 } }, encoding: { x, y } },
      { transform: only("point"), mark: { type: "rule", color: "#4c78a8", opacity: 0.5 }, encoding: { x, y: { ...y, field: "lo" }, y2: { field: "hi" } } },
      { transform: only("level"), mark: { type: "rule", color: "#666", strokeDash: [5, 3], strokeWidth: 1.5 }, encoding: { x, x2: { field: "t2" }, y } },
      { transform: only("change"), mark: { type: "rule", color: "#d62728", strokeWidth: 1.5 }, encoding: { x } },
      {
        transform: only("change"),
        mark: { type: "text", color: "#d62728", align: "left", dx: 3, dy: -4, baseline: "top", y: 0 },
        encoding: { x, text: { field: "label" } },
      },
    ],
    { columns: 2, width: 420, height: 200, independent: ["y", "x"] },
  );
  const numbers = series
    .map((s) =>
      [
        table(
          ["#", "run", "started", `${s.metric} ${s.unit}`, "95% CI"],
          s.points.map((p, i) => [i + 1, p.runId, p.startedAt, num(p.value), p.lo === null || p.hi === null ? "none stored" : `${num(p.lo)}–${num(p.hi)}`]),
          `${s.suite}: ${name(s)}`,
        ),
        s.changePoints.length === 0
          ? paragraph("No change point in this series.", "muted")
          : table(
              ["change point at run", "#", "level before", "level after", "change", "p"],
              s.changePoints.map((c) => [c.runId, c.index + 1, num(c.before), num(c.after), pct(c.change), pValue(c.pValue)]),
            ),
      ].join(""),
    )
    .join("");
  return figure(
    "history",
    title,
    await renderSvg(spec),
    "The headline statistic of every stored run of the suite, oldest first, with its 95% interval as a bar. A red line marks a change point (a shift in the series' level, labelled with the change and its p-value) and the dashed lines are the median levels before and after it: a regression that crept in over several small steps shows as one change point.",
    numbers,
  );
}
