import { copyFileSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { expect, it } from "vitest";
import { bench, QUICK_MEASURE, ROOT, tempDir } from "./helpers/cli.js";

it("calibrate runs A/A, reports per cell and metric, and writes thresholds that diff then uses", async () => {
  const dir = tempDir();
  copyFileSync(path.join(ROOT, "suites/models/mlp-int8.onnx"), path.join(dir, "m.onnx"));
  writeFileSync(path.join(dir, "s.yaml"), `name: cal\ntargets:\n  m: { kind: onnx, variants: { v: m.onnx } }\n${QUICK_MEASURE}`);
  const opts = ["--db", path.join(dir, "r.db"), "--baselines", path.join(dir, "b")];

  const r = await bench(["calibrate", path.join(dir, "s.yaml"), "--runs", "3", "--baseline", "main", "--json", "-q", ...opts]);
  expect(r.code, r.stderr).toBe(0);
  const cal = JSON.parse(r.stdout);
  expect(cal.runs).toHaveLength(3);
  expect(cal.pairs).toBe(3);
  expect(cal.cells.map((c: { metric: string }) => c.metric)).toEqual(["p50", "p90", "p99", "mean", "throughput"]);
  for (const c of cal.cells) {
    expect(c.pairs).toBe(3);
    expect(c.minimumDetectableEffect).toBeGreaterThanOrEqual(0.05);
    expect(c.suggestedThreshold).toBeGreaterThanOrEqual(0.01);
  }
  expect(r.stderr).toMatch(/wrote the suggested thresholds into .*cal\/main\.json/);

  const baseline = JSON.parse(readFileSync(path.join(dir, "b/cal/main.json"), "utf8"));
  expect(baseline.thresholds).toEqual(cal.suggested);
  const d = await bench(["diff", "baseline:main", "latest", "--json", ...opts]);
  expect(d.code).toBe(0);
  const doc = JSON.parse(d.stdout);
  for (const c of doc.comparisons) expect(c.threshold).toBe(cal.suggested[c.metric]);
  // --threshold on the command line wins over the baseline's calibration
  const forced = JSON.parse((await bench(["diff", "baseline:main", "latest", "--json", "--threshold", "0.5", ...opts])).stdout);
  expect(forced.comparisons.every((c: { threshold: number }) => c.threshold === 0.5)).toBe(true);
});

it("calibrate needs at least two runs", async () => {
  const r = await bench(["calibrate", path.join(ROOT, "suites/quickstart.yaml"), "--runs", "1"]);
  expect(r.code).toBe(2);
  expect(r.stderr).toMatch(/give at least 2/);
});
