/**
 * The HTML report: one self-contained page that opens offline. Every chart is a Vega-Lite spec
 * compiled and rendered to static SVG here (svg.ts), inline with its data; the page has no
 * script and loads nothing (its Content-Security-Policy says so too). A chart with no data for
 * this report is left out with a one-line note; every number a chart shows is in a table below it.
 */
import type { ReportInput } from "../model.js";
import { diffSummary, forestChart, historyChart } from "./charts-compare.js";
import { cdfCharts, trialsChart } from "./charts-latency.js";
import { saturationChart, throughputChart, tradeOffChart } from "./charts-rate.js";
import { reportCells } from "./data.js";
import { folded, page, paragraph, section } from "./page.js";
import { cellsTable, fingerprintTable, notesBlock, runsTable, sideBySide, suitesBlock } from "./tables.js";

export async function renderHtmlReport(input: ReportInput): Promise<string> {
  const cells = reportCells(input);
  const suites = [...new Set(input.runs.map((r) => r.run.suite))];
  const sections: string[] = [];
  const nav: [string, string][] = [];
  const add = (id: string, title: string, body: string) => {
    nav.push([id, title]);
    sections.push(section(id, title, body));
  };

  add("runs", input.runs.length === 1 ? "Run" : `Runs (${input.runs.length})`, runsTable(input) + sideBySide(input));
  if (input.diff) add("comparison", "Comparison", diffSummary(input.diff) + (await forestChart(input.diff)));
  if (input.history) add("history", "History", await historyChart(input.history));
  if (cells.length > 0) {
    add("latency", "Latency", await cdfCharts(input, cells));
    add("throughput", "Throughput", (await throughputChart(cells)) + (await saturationChart(cells)));
    add("accuracy", "Accuracy", await tradeOffChart(cells));
    add("trials", "Trials", await trialsChart(input, cells));
    add("cells", "Every cell", folded(`Every number of every cell (${cells.length} cells)`, cellsTable(cells), cells.length <= 12));
  } else if (!input.history) {
    sections.push(paragraph("No run and no history: nothing to report.", "missing"));
  }
  if (input.runs.length > 0) {
    add("fingerprint", "Fingerprint", folded("Machine, runtimes, dependencies, model files and git state", fingerprintTable(input.runs)));
    add("suite", "Resolved suite", suitesBlock(input));
    add("notes", "Notes", notesBlock(input));
  }

  const title = input.diff
    ? `bench: ${input.diff.base} → ${input.diff.head}`
    : suites.length > 0
      ? `bench report: ${suites.join(", ")}`
      : `bench history: ${[...new Set(input.history?.map((h) => h.suite))].join(", ")}`;
  const subtitle = input.runs.map((r) => `${r.run.id} (${r.run.startedAt}, ${r.run.status})`).join(" · ");
  return page(title, subtitle, nav, sections);
}
