/** The charts of rates and trade-offs: throughput by batch size, saturation of load cells, latency against accuracy. */
import type { CellResult } from "../../results.js";
import type { Estimate } from "../../stats/index.js";
import { cellList } from "../diff-common.js";
import { num, percent, withCI } from "../format.js";
import { interval, isLoad, ok, type ReportCell, seriesColor, tradeOffAccuracy } from "./data.js";
import { figure, missing, table } from "./page.js";
import { intervalBars, panels, renderSvg } from "./svg.js";

/** Throughput against batch size, a line per variant and thread count, a panel per target. */
export async function throughputChart(cells: readonly ReportCell[]): Promise<string> {
  const title = "Throughput against batch size";
  const drawn = cells.filter((rc) => ok(rc) && !isLoad(rc.cell) && rc.cell.throughput !== null);
  if (drawn.length === 0) return missing("throughput", title, "no cell measured one call at a time has a throughput");
  const rows = drawn.map(({ cell, series, config }) => ({
    target: cell.target,
    series,
    config,
    line: `${series} ${config}`,
    batch: cell.batch,
    ...interval(cell.throughput as Estimate),
  }));
  const batches = [...new Set(rows.map((r) => r.batch))].sort((a, b) => a - b);
  const x = { field: "batch", type: "quantitative", scale: { type: "log", base: 2 }, axis: { values: batches, format: "d" }, title: "batch size" };
  const y = { field: "value", type: "quantitative", scale: { type: "log", nice: false, padding: 8 }, title: "throughput (items/s, log scale)" };
  const spec = panels(
    rows,
    "target",
    [
      {
        mark: { type: "line", point: { filled: true, size: 30 } },
        encoding: { x, y, color: seriesColor, strokeDash: { field: "config", type: "nominal", title: "provider, threads" }, detail: { field: "line" } },
      },
      intervalBars(x, y, seriesColor),
    ],
    { independent: ["y"] },
  );
  const numbers = table(
    ["cell", "batch", "provider, threads", "throughput items/s (95% CI)"],
    drawn.map(({ cell, label, config }) => [label, cell.batch, config, withCI(cell.throughput as Estimate)]),
  );
  return figure(
    "throughput",
    title,
    await renderSvg(spec),
    "Items per second (batch × calls per second) at each batch size, both axes logarithmic; a line per variant, dashed by provider and thread count; vertical bars are the 95% intervals. Where a line flattens, a larger batch no longer buys throughput.",
    numbers,
  );
}

/** Load cells: p50 and p99 against the achieved request rate. */
export async function saturationChart(cells: readonly ReportCell[]): Promise<string> {
  const title = "Saturation: latency against achieved rate";
  const drawn = cells.filter((rc) => ok(rc) && rc.cell.load !== null && rc.cell.latencyMs !== null);
  if (drawn.length === 0) return missing("saturation", title, "no load cell (concurrency or rate) in this report");
  const rows = drawn.flatMap(({ cell, series }) => {
    const load = cell.load as NonNullable<CellResult["load"]>;
    const latency = cell.latencyMs as NonNullable<CellResult["latencyMs"]>;
    const panel = `${cell.target} b${cell.batch} ${load.mode} loop`;
    const level = load.concurrency ?? load.targetRate ?? 0;
    return (["p50", "p99"] as const).map((q) => ({ panel, series, q, level, line: `${series} ${q}`, rate: load.achievedRate, ...interval(latency[q]) }));
  });
  const x = { field: "rate", type: "quantitative", title: "achieved rate (requests/s)" };
  const y = { field: "value", type: "quantitative", scale: { type: "log" }, title: "latency (ms, log scale)" };
  const spec = panels(
    rows,
    "panel",
    [
      {
        mark: { type: "line", point: { filled: true, size: 30 } },
        encoding: {
          x,
          y,
          color: seriesColor,
          strokeDash: { field: "q", type: "nominal", title: "percentile" },
          detail: { field: "line" },
          // Joined in the order of the load asked for (concurrency or target rate), not of the rate achieved.
          order: { field: "level", type: "quantitative" },
        },
      },
      intervalBars(x, y, seriesColor),
    ],
    { independent: ["y", "x"] },
  );
  const numbers = table(
    ["cell", "mode", "concurrency", "target rate /s", "achieved rate /s", "sent", "ok", "error rate", "p50 ms (95% CI)", "p99 ms (95% CI)", "generator lagged"],
    drawn.map(({ cell, label }) => {
      const load = cell.load as NonNullable<CellResult["load"]>;
      const latency = cell.latencyMs as NonNullable<CellResult["latencyMs"]>;
      return [
        label,
        load.mode,
        load.concurrency,
        load.targetRate === null ? "" : num(load.targetRate),
        num(load.achievedRate),
        load.sent,
        load.ok,
        percent(load.errorRate),
        withCI(latency.p50),
        withCI(latency.p99),
        load.generatorLagged ? "yes" : "no",
      ];
    }),
  );
  return figure(
    "saturation",
    title,
    await renderSvg(spec),
    "Each point is a load cell: the request rate it achieved and its p50 (solid) and p99 (dashed) latency with 95% intervals. Latency stays flat while the server keeps up; the knee, where it turns up steeply while the rate stops growing, is the saturation point.",
    numbers,
  );
}

/** Latency against accuracy, the Pareto front highlighted, a panel per target. */
export async function tradeOffChart(cells: readonly ReportCell[]): Promise<string> {
  const title = "Latency against accuracy";
  const references = new Set(cells.flatMap((rc) => (rc.cell.accuracy ? [`${rc.runId}\u0000${rc.cell.target}\u0000${rc.cell.accuracy.reference}`] : [])));
  const drawn = cells.flatMap((rc) => {
    const { cell } = rc;
    if (!ok(rc) || isLoad(cell) || !cell.latencyMs) return [];
    const acc = tradeOffAccuracy(cell, references.has(`${rc.runId}\u0000${cell.target}\u0000${cell.variant}`));
    return acc ? [{ rc, acc }] : [];
  });
  if (drawn.length === 0) return missing("tradeoff", title, "no cell has an accuracy (a reference variant or labels)");
  const rows = drawn.map(({ rc, acc }) => {
    const p50 = interval((rc.cell.latencyMs as NonNullable<CellResult["latencyMs"]>).p50);
    return {
      target: rc.cell.target,
      series: rc.series,
      id: rc.cell.id,
      front: rc.cell.pareto === true ? "on the Pareto front" : rc.cell.pareto === false ? "dominated" : "not judged",
      p50: p50.value,
      p50lo: p50.lo,
      p50hi: p50.hi,
      acc: acc.value,
      acclo: acc.ci?.[0] ?? acc.value,
      acchi: acc.ci?.[1] ?? acc.value,
    };
  });
  const x = { field: "p50", type: "quantitative", scale: { type: "log" }, title: "p50 latency (ms, log scale)" };
  const y = { field: "acc", type: "quantitative", scale: { zero: false }, title: "accuracy (higher is better)" };
  const front = {
    field: "front",
    type: "nominal",
    title: "Pareto",
    scale: { domain: ["on the Pareto front", "dominated", "not judged"], range: ["circle", "cross", "square"] },
  };
  const spec = panels(
    rows,
    "target",
    [
      { mark: { type: "rule", opacity: 0.5 }, encoding: { x: { ...x, field: "p50lo" }, x2: { field: "p50hi" }, y, color: seriesColor } },
      { mark: { type: "rule", opacity: 0.5 }, encoding: { x, y: { ...y, field: "acclo" }, y2: { field: "acchi" }, color: seriesColor } },
      {
        mark: { type: "point", size: 70, strokeWidth: 2 },
        encoding: {
          x,
          y,
          color: seriesColor,
          shape: front,
          fillOpacity: { condition: { test: "datum.front === 'on the Pareto front'", value: 1 }, value: 0 },
          size: { condition: { test: "datum.front === 'on the Pareto front'", value: 110 }, value: 50 },
          fill: { ...seriesColor, legend: null },
        },
      },
    ],
    { independent: ["y", "x"] },
  );
  const numbers = table(
    ["cell", "p50 ms (95% CI)", "p99 ms (95% CI)", "throughput items/s", "accuracy", "95% CI", "accuracy measure", "Pareto", "dominated by"],
    drawn.map(({ rc, acc }) => {
      const latency = rc.cell.latencyMs as NonNullable<CellResult["latencyMs"]>;
      return [
        rc.label,
        withCI(latency.p50),
        withCI(latency.p99),
        rc.cell.throughput ? withCI(rc.cell.throughput) : "",
        num(acc.value),
        acc.ci ? `${num(acc.ci[0])}–${num(acc.ci[1])}` : "",
        acc.measure,
        rc.cell.pareto === undefined ? "not judged" : rc.cell.pareto ? "front" : "dominated",
        cellList(rc.cell.dominatedBy ?? [], 4),
      ];
    }),
  );
  return figure(
    "tradeoff",
    title,
    await renderSvg(spec),
    "Each point is a cell: its p50 latency (log scale) and its accuracy (top-1 agreement with the reference variant, else the cosine of its outputs; against labels when the target has them; the reference itself is 1), with 95% intervals as bars. Large filled points are on the target's Pareto front over p50, p99, throughput and accuracy (four axes, so a point on the front can look dominated in this plane); hollow crosses are dominated (the table names by which cells).",
    numbers,
  );
}
