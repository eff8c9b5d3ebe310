/**
 * The HTML report of real runs, opened in headless Chromium (Debian's `chromium`, installed by
 * .ci/run): every chart drawn with its data marks, no console error, no request for anything but
 * the file itself. Without Chromium the browser tests are skipped, except in CI (CI set), where
 * they fail.
 */
import { copyFileSync, existsSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "csv-parse/sync";
import type { ReportFormat } from "../src/report/format-names.js";
import { renderReport } from "../src/report/formats.js";
import { renderHtmlReport } from "../src/report/html/index.js";
import { ecdfPoints, headlineOf } from "../src/report/html/data.js";
import type { HistorySeries, ReportInput } from "../src/report/model.js";
import { CHROMIUM, launchChromium, reportInputFromStore } from "../scripts/html-report.js";
import { bench, ROOT, tempDir } from "./helpers/cli.js";
import { bmfSchema, gabSchema } from "./helpers/report-shapes.js";

const haveChromium = existsSync(CHROMIUM);
const inCI = Boolean(process.env.CI);

/** Two variants with a reference (accuracy), two batch sizes, load cells at two concurrencies, two trials. */
const SUITE = `name: html-report
seed: 7
targets:
  mlp:
    kind: onnx
    variants: { fp32: m32.onnx, int8: m8.onnx }
    reference: fp32
    accuracy: { samples: 4 }
  loaded:
    kind: onnx
    variants: { fp32: m32.onnx, int8: m8.onnx }
    matrix: { batch: [1], concurrency: [1, 4] }
    load: { durationMs: 120, warmupRequests: 5 }
matrix: { batch: [1, 8], threads: [1] }
measure: { warmupIterations: 2, minIterations: 20, maxIterations: 300, minTimeMs: 0, maxTimeMs: 30 }
trials: { min: 2, max: 2 }
`;

/** A synthetic history: a flat level, then 20% slower from the fifth run on. */
function steppedHistory(): HistorySeries {
  const points = Array.from({ length: 8 }, (_, i) => {
    const value = i < 4 ? 1 + 0.01 * (i % 2) : 1.2 + 0.01 * (i % 2);
    return { runId: `run${i}`, startedAt: new Date(Date.UTC(2026, 0, 1 + i)).toISOString(), value, lo: value * 0.97, hi: value * 1.03 };
  });
  return {
    suite: "html-report",
    cellId: "mlp/fp32/b1/cpu/t1",
    metric: "p50",
    unit: "ms",
    points,
    changePoints: [{ index: 4, runId: "run4", before: 1.005, after: 1.205, change: 0.2, pValue: 0.003 }],
  };
}

let dir = "";
let single: ReportInput;
let pair: ReportInput;
/** The single run's report, rendered once: several tests read it. */
let singleHtml = "";
const cellsOf = (input: ReportInput) => input.runs.flatMap((r) => r.cells);

beforeAll(async () => {
  dir = tempDir("bench-html-");
  copyFileSync(path.join(ROOT, "suites/models/mlp-fp32.onnx"), path.join(dir, "m32.onnx"));
  copyFileSync(path.join(ROOT, "suites/models/mlp-int8.onnx"), path.join(dir, "m8.onnx"));
  writeFileSync(path.join(dir, "s.yaml"), SUITE);
  const db = path.join(dir, "r.db");
  // Two runs at once (the store takes concurrent runs): half the wall time of one after the other.
  const runs = await Promise.all([0, 1].map(() => bench(["run", path.join(dir, "s.yaml"), "--db", db, "-q"])));
  for (const r of runs) expect(r.code, r.stderr).toBe(0);
  single = reportInputFromStore(db, ["latest"]);
  pair = reportInputFromStore(db, ["latest~1", "latest"]);
  singleHtml = await renderHtmlReport(single);
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("every other format of the same real ONNX runs, parsed back", () => {
  it("csv, bmf, gab, json and md carry every measured cell", async () => {
    const measured = cellsOf(single).filter((c) => c.status === "ok");
    const ids = measured.map((c) => c.id);
    expect(ids.length).toBeGreaterThan(0);
    const render = (f: ReportFormat) => renderReport(single, f);
    const [csvText, bmf, gab, gabBigger, json, md] = await Promise.all([
      render("csv"),
      render("bmf"),
      render("gab"),
      render("gab-bigger"),
      render("json"),
      render("md"),
    ]);
    const rows: Record<string, string>[] = parse(csvText, { columns: true, skip_empty_lines: true });
    expect(new Set(rows.map((r) => r.cell))).toEqual(new Set(cellsOf(single).map((c) => c.id)));
    for (const r of rows.filter((row) => row.metric === "p50")) expect(Number(r.value)).toBeGreaterThan(0);
    expect(Object.keys(bmfSchema.parse(JSON.parse(bmf))).sort()).toEqual([...ids].sort());
    expect(gabSchema.parse(JSON.parse(gab)).map((e) => e.name)).toEqual(expect.arrayContaining(ids.map((id) => `${id} p50`)));
    expect(gabSchema.parse(JSON.parse(gabBigger)).every((e) => e.unit === "items/s" && e.value > 0)).toBe(true);
    const doc = JSON.parse(json) as { runs: { cells: { id: string }[] }[] };
    expect(doc.runs[0]?.cells.map((c) => c.id)).toEqual(cellsOf(single).map((c) => c.id));
    for (const id of ids) expect(md).toContain(id);
  });
});

describe("the HTML report's page", () => {
  it("is one self-contained file: no script, stylesheet link, image or url() to fetch", async () => {
    const html = singleHtml;
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).not.toMatch(/<script|<link|<img|<iframe|url\(|@import/i);
    expect(html).toContain("default-src 'none'");
    for (const cell of cellsOf(single)) expect(html).toContain(cell.id);
  });

  it("leaves out a chart without data, with a one-line note, and draws none empty", async () => {
    const run = single.runs[0];
    if (!run) throw new Error("no run");
    const noLoad: ReportInput = { ...single, runs: [{ ...run, cells: run.cells.filter((c) => c.concurrency === null) }] };
    const html = await renderHtmlReport(noLoad);
    expect(html).toContain('data-missing="saturation"');
    expect(html).not.toContain('data-chart="saturation"');
    expect(html).toContain('data-chart="throughput"');
    const noSamples = await renderHtmlReport({ runs: single.runs });
    expect(noSamples).toContain('data-missing="cdf"');
    expect(noSamples).not.toContain('data-chart="cdf"');
  });

  it("puts several runs side by side without a comparison", async () => {
    const runs = [...pair.runs, ...single.runs];
    const html = await renderHtmlReport({ ...pair, runs, diff: undefined });
    expect(html).not.toContain('data-chart="forest"');
    runs.forEach((r, i) => expect(html).toContain(`p50 ms #${i + 1} ${r.run.id}`));
    // Every run's cells in the overlaid charts: the CDF legend names each run's variants.
    for (const [i, r] of runs.entries()) expect(html).toContain(`#${i + 1} ${r.run.id} ${r.cells[0]?.variant ?? ""}`);
  });

  it("judges the trial spread by the target's headline statistic in the resolved suite", () => {
    const resolved = {
      measure: { headline: "p99" },
      targets: [
        { name: "a", measure: { headline: "p90" } },
        { name: "b", measure: {} },
      ],
    };
    expect(headlineOf(resolved, "a")).toBe("p90");
    expect(headlineOf(resolved, "b")).toBe("p99");
    expect(headlineOf(null, "a")).toBe("p50");
    expect(headlineOf({ targets: [] }, "mlp")).toBe("p50");
  });

  it("keeps at most 200 points of a CDF, the tail included", () => {
    const xs = Array.from({ length: 10_000 }, (_, i) => 1 + ((i * 7919) % 10_000) / 100);
    const pts = ecdfPoints(xs);
    expect(pts.length).toBeLessThanOrEqual(200);
    expect(pts.length).toBeGreaterThan(150);
    expect(pts[0]).toEqual({ x: 1, p: 1 / 10_000 });
    expect(pts.at(-1)).toEqual({ x: 100.99, p: 1 });
    expect(pts.filter((p) => p.p > 0.99).length).toBeGreaterThanOrEqual(20);
    for (let i = 1; i < pts.length; i++) expect(pts[i]!.x).toBeGreaterThanOrEqual(pts[i - 1]!.x);
  });
});

describe.skipIf(!haveChromium && !inCI)("the HTML report in headless Chromium", () => {
  let browser: Browser;
  beforeAll(async () => {
    if (!haveChromium) throw new Error(`${CHROMIUM} is missing: .ci/run installs Debian's chromium (or set CHROMIUM)`);
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
  });

  /** Open the report; return the page, its console errors and every request for something other than the file. */
  async function open(input: ReportInput | string, name: string) {
    const file = path.join(dir, name);
    writeFileSync(file, typeof input === "string" ? input : await renderHtmlReport(input));
    const url = pathToFileURL(file).href;
    const page = await browser.newPage();
    const errors: string[] = [];
    const requests: string[] = [];
    page.on("console", (m) => {
      if (m.type() === "error" || m.type() === "warning") errors.push(m.text());
    });
    page.on("pageerror", (e) => errors.push(e.message));
    page.on("request", (r) => {
      if (r.url() !== url && !r.url().startsWith("data:")) requests.push(r.url());
    });
    await page.goto(url, { waitUntil: "load" });
    /** Data marks of a chart's SVGs (vega's role-mark groups, not axes or legends), by mark type. */
    const marks = (chart: string, type: "line" | "symbol" | "rect" | "rule") =>
      page.locator(`figure[data-chart="${chart}"] svg g.mark-${type}.role-mark > ${type === "rule" ? "line" : "path"}`).count();
    return { page, errors, requests, marks };
  }

  it("draws every chart of one run with its data, with no console error and no request", async () => {
    const { page, errors, requests, marks } = await open(singleHtml, "single.html");
    const cells = cellsOf(single);
    const timed = cells.filter((c) => c.concurrency === null);
    const load = cells.filter((c) => c.concurrency !== null);
    expect(await page.locator("figure.chart svg").count()).toBeGreaterThanOrEqual(5);
    // A CDF line per cell, its p50 and p99 as points.
    expect(await marks("cdf", "line")).toBe(cells.length);
    expect(await marks("cdf", "symbol")).toBe(2 * cells.length);
    // Throughput: one line per variant, a point per timed cell.
    expect(await marks("throughput", "line")).toBe(2);
    expect(await marks("throughput", "symbol")).toBe(timed.length);
    // Saturation: p50 and p99 of every load cell.
    expect(await marks("saturation", "symbol")).toBe(2 * load.length);
    // Trade-off: the timed cells of the target with a reference; the front filled.
    expect(await marks("tradeoff", "symbol")).toBe(timed.length);
    // A dot per trial of every timed cell.
    expect(await marks("trials", "symbol")).toBe(timed.reduce((n, c) => n + (c.trials?.length ?? 0), 0));
    for (const svg of await page.locator("figure.chart svg").all()) {
      const box = await svg.boundingBox();
      expect(box?.width).toBeGreaterThan(100);
      expect(box?.height).toBeGreaterThan(50);
    }
    expect(await page.locator("[data-missing]").count()).toBe(0);
    expect(errors).toEqual([]);
    expect(requests).toEqual([]);
    await page.close();
  });

  it("compares two runs: a forest plot coloured by verdict, the runs side by side", async () => {
    const diff = pair.diff;
    if (!diff) throw new Error("no diff");
    expect(diff.comparisons.length).toBeGreaterThan(0);
    const { page, errors, requests, marks } = await open(pair, "pair.html");
    expect(await marks("forest", "symbol")).toBe(diff.comparisons.length);
    // The ±threshold band behind every row.
    expect(await marks("forest", "rect")).toBe(diff.comparisons.length);
    const colours: Record<string, string> = { regression: "#d62728", improvement: "#2ca02c", unchanged: "#7f7f7f", inconclusive: "#ff9f1c" };
    for (const [verdict, colour] of Object.entries(colours)) {
      const drawn = await page.locator(`figure[data-chart="forest"] g.mark-symbol.role-mark > path[fill="${colour}"]`).count();
      expect(drawn, verdict).toBe(diff.comparisons.filter((c) => c.verdict === verdict).length);
    }
    // Both runs' cells in every per-run chart.
    expect(await marks("cdf", "line")).toBe(cellsOf(pair).length);
    const heads = await page.locator("#runs th").allTextContents();
    for (const r of pair.runs) expect(heads.some((h) => h.includes(`p50 ms`) && h.includes(r.run.id))).toBe(true);
    expect(errors).toEqual([]);
    expect(requests).toEqual([]);
    await page.close();
  });

  it("draws a history with its change point", async () => {
    const { page, errors, requests, marks } = await open({ runs: [], history: [steppedHistory()] }, "history.html");
    expect(await marks("history", "symbol")).toBe(8);
    // The change point's rule and the two levels around it, besides the 8 interval bars.
    expect(await marks("history", "rule")).toBe(8 + 3);
    expect(await page.locator('figure[data-chart="history"] g.mark-text.role-mark text').allTextContents()).toEqual(["+20% (p 0.0030)"]);
    expect(await page.locator('figure[data-chart="cdf"]').count()).toBe(0);
    expect(errors).toEqual([]);
    expect(requests).toEqual([]);
    await page.close();
  });
});
