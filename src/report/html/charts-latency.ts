/** The latency charts of the runs: a CDF per cell group, and the spread of the trials. */
import type { TopLevelSpec } from "vega-lite";
import { steadyPart } from "../../compare/side.js";
import type { CellResult } from "../../results.js";
import { nsToMs } from "../../stats/metrics.js";
import { num, withCI } from "../format.js";
import type { ReportInput } from "../model.js";
import { ecdfPoints, headlineOf, interval, ok, type ReportCell, seriesColor } from "./data.js";
import { esc, figure, missing, table } from "./page.js";
import { panels, renderSvg } from "./svg.js";

function groupBy<T>(xs: readonly T[], key: (x: T) => string): Map<string, T[]> {
  const map = new Map<string, T[]>();
  for (const x of xs) map.set(key(x), [...(map.get(key(x)) ?? []), x]);
  return map;
}

/** One CDF chart per target, a panel per cell group, a line per variant (and run). */
export async function cdfCharts(input: ReportInput, cells: readonly ReportCell[]): Promise<string> {
  const title = "Latency CDF";
  const drawn = cells.filter((rc) => ok(rc) && rc.cell.latencyMs !== null);
  const rows: Record<string, unknown>[] = [];
  for (const rc of drawn) {
    const { cell } = rc;
    const ns = input.samples?.(rc.runId, cell.id);
    if (!ns || ns.length < 2) continue;
    const ms = steadyPart(Float64Array.from(ns, nsToMs), cell.trials ? 0 : cell.samplesDropped);
    const base = { target: cell.target, group: rc.group, series: rc.series };
    for (const pt of ecdfPoints(ms)) rows.push({ ...base, kind: "cdf", x: pt.x, p: pt.p });
    const latency = cell.latencyMs;
    if (latency) {
      rows.push({ ...base, kind: "q", q: "p50", p: 0.5, ...interval(latency.p50) });
      rows.push({ ...base, kind: "q", q: "p99", p: 0.99, ...interval(latency.p99) });
    }
  }
  if (!rows.some((r) => r.kind === "cdf")) return missing("cdf", title, "no cell of this report has stored samples");
  const parts: string[] = [];
  for (const [target, targetRows] of groupBy(rows, (r) => r.target as string)) {
    const groups = [...new Set(targetRows.map((r) => r.group as string))];
    const x = { field: "x", type: "quantitative", scale: { type: "log" }, title: "latency (ms, log scale)" } as const;
    const spec = panels(
      targetRows,
      "group",
      [
        {
          transform: [{ filter: "datum.kind === 'cdf'" }],
          mark: { type: "line", strokeWidth: 1.5, interpolate: "step-after" },
          encoding: { x, y: { field: "p", type: "quantitative", title: "fraction of calls ≤ x", scale: { domain: [0, 1] } }, color: seriesColor },
        },
        {
          transform: [{ filter: "datum.kind === 'q'" }],
          mark: { type: "rule", strokeWidth: 3, opacity: 0.55 },
          encoding: { x: { ...x, field: "lo" }, x2: { field: "hi" }, y: { field: "p", type: "quantitative" }, color: seriesColor },
        },
        {
          transform: [{ filter: "datum.kind === 'q'" }],
          mark: { type: "point", filled: true, size: 45, opacity: 1 },
          encoding: {
            x: { ...x, field: "value" },
            y: { field: "p", type: "quantitative" },
            color: seriesColor,
            shape: { field: "q", type: "nominal", title: "percentile", scale: { domain: ["p50", "p99"], range: ["circle", "diamond"] } },
          },
        },
      ],
      { width: 250, height: 160, sort: groups },
    );
    parts.push(
      figure(
        "cdf",
        `${title}: ${target}`,
        await renderSvg(spec),
        "Each line is the empirical CDF of one cell's steady-state latencies (at most 200 points per line, the tail kept); a panel overlays the variants of one batch size, provider and thread count. The marks at heights 0.5 and 0.99 are the cell's p50 and p99 with their 95% intervals as bars. A line further left is faster; a line that bends right near the top has a long tail.",
        "",
      ),
    );
  }
  return parts.join("\n");
}

/** Every trial's headline statistic per cell, against the cell's interval. */
export async function trialsChart(input: ReportInput, cells: readonly ReportCell[]): Promise<string> {
  const title = "Trial-level spread";
  const drawn = cells.filter((rc) => ok(rc) && rc.cell.latencyMs !== null && (rc.cell.trials?.length ?? 0) > 0);
  if (drawn.length === 0) return missing("trials", title, "no cell was measured in trials");
  const headline = (rc: ReportCell) => headlineOf(input.resolvedSuite?.(rc.runId), rc.cell.target);
  const label = (rc: ReportCell) => rc.label;
  const order = drawn.map(label);
  const rows = drawn.flatMap((rc) => {
    const h = headline(rc);
    const est = interval((rc.cell.latencyMs as NonNullable<CellResult["latencyMs"]>)[h]);
    return [
      { row: label(rc), kind: "cell", stat: h, ...est },
      ...(rc.cell.trials ?? []).map((t) => ({
        row: label(rc),
        kind: "trial",
        stat: h,
        trial: t.trial,
        value: t[h === "p95" ? "p90" : h],
        disturbed: t.disturbed ? "disturbed" : "undisturbed",
      })),
    ];
  });
  const x = { field: "value", type: "quantitative", scale: { type: "log", nice: false, padding: 10 }, title: "headline latency (ms, log scale)" };
  const y = { field: "row", type: "nominal", sort: order, title: null, axis: { labelLimit: 320 } };
  const spec = {
    data: { values: rows },
    width: 560,
    height: { step: 14 },
    layer: [
      {
        transform: [{ filter: "datum.kind === 'cell'" }],
        mark: { type: "rule", strokeWidth: 5, color: "#9ecae9" },
        encoding: { x: { ...x, field: "lo" }, x2: { field: "hi" }, y },
      },
      { transform: [{ filter: "datum.kind === 'cell'" }], mark: { type: "tick", color: "#1f4e79", thickness: 2 }, encoding: { x, y } },
      {
        transform: [{ filter: "datum.kind === 'trial'" }],
        mark: { type: "point", size: 28, filled: true, opacity: 0.85 },
        encoding: {
          x,
          y,
          color: { field: "disturbed", type: "nominal", title: "trial", scale: { domain: ["undisturbed", "disturbed"], range: ["#333", "#e45756"] } },
        },
      },
    ],
  } as unknown as TopLevelSpec;
  const maxTrials = Math.max(...drawn.map((rc) => rc.cell.trials?.length ?? 0));
  const numbers = table(
    ["cell", "statistic", "estimate ms (95% CI)", ...Array.from({ length: maxTrials }, (_, i) => `trial ${i + 1}`), "disturbed trials"],
    drawn.map((rc) => {
      const h = headline(rc);
      const trials = rc.cell.trials ?? [];
      const latency = rc.cell.latencyMs as NonNullable<CellResult["latencyMs"]>;
      return [
        label(rc),
        h,
        withCI(latency[h]),
        ...Array.from({ length: maxTrials }, (_, i) => {
          const t = trials[i];
          return t ? num(t[h === "p95" ? "p90" : h]) : "";
        }),
        trials
          .filter((t) => t.disturbed)
          .map((t) => t.trial)
          .join(", "),
      ];
    }),
  );
  return figure(
    "trials",
    title,
    await renderSvg(spec),
    "Each dot is one trial (a fresh process) of a cell: its headline statistic (the suite's measure.headline, p50 unless set). The bar is the cell's 95% interval between trials and the tick its estimate. Dots far apart mean the run-to-run variation is large; red dots are trials whose machine canary or noise check saw interference.",
    drawn.some((rc) => headline(rc) === "p95")
      ? `${numbers}<p class="muted">${esc("A trial summary stores p50, p90 and p99; for a p95 headline the trial dots and columns show p90.")}</p>`
      : numbers,
  );
}
