/**
 * The HTML report of a stored run, rendered and photographed in headless Chromium: the picture in
 * docs/REPORTS.md. `npx tsx scripts/screenshot-report.ts [--db FILE] [--html FILE] [--out FILE.png] [--width PX] [--scale F] [RUN...]`
 * (default: the latest run of results/bench.db, docs/report-quickstart.png).
 */
import { writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { renderHtmlReport } from "../src/report/html/index.js";
import { launchChromium, reportInputFromStore } from "./html-report.js";

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    db: { type: "string", default: "results/bench.db" },
    html: { type: "string", default: path.join(tmpdir(), "bench-report.html") },
    out: { type: "string", default: "docs/report-quickstart.png" },
    width: { type: "string", default: "1280" },
    // Below 1 keeps the picture of a long report under 1 MB; the page is laid out at `width` CSS pixels either way.
    scale: { type: "string", default: "1" },
  },
});

const started = performance.now();
const html = await renderHtmlReport(reportInputFromStore(values.db, positionals.length > 0 ? positionals : ["latest"]));
const renderMs = performance.now() - started;
writeFileSync(values.html, html);

const browser = await launchChromium();
try {
  const page = await browser.newPage({ viewport: { width: Number(values.width), height: 900 }, deviceScaleFactor: Number(values.scale) });
  await page.goto(pathToFileURL(path.resolve(values.html)).href);
  await page.screenshot({ path: values.out, fullPage: true });
} finally {
  await browser.close();
}
console.log(`${values.html}: ${(html.length / 1024).toFixed(0)} KiB, rendered in ${renderMs.toFixed(0)} ms; screenshot ${values.out}`);
