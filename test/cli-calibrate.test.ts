import { copyFileSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { expect, it } from "vitest";
import { bench, QUICK_MEASURE, ROOT, tempDir } from "./helpers/cli.js";

it("calibrate runs A/A in separate processes, reports per cell and metric, and writes the noise that diff then uses", async () => {
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
    expect(c.runNoise).toBeGreaterThan(0);
    expect(c.minimumDetectableEffect).toBeGreaterThan(0.05);
    expect(c.falseAlarms).toBeLessThanOrEqual(c.falseAlarmsRaw);
  }
  expect(Object.keys(cal.runNoise.metrics)).toEqual(["p50", "p90", "p99", "mean", "throughput"]);
  expect(r.stderr).toMatch(/wrote the measured run-to-run noise into .*cal\/main\.json/);

  const baseline = JSON.parse(readFileSync(path.join(dir, "b/cal/main.json"), "utf8"));
  expect(baseline.runNoise).toEqual(cal.runNoise);
  expect((await bench(["run", path.join(dir, "s.yaml"), "-q", ...opts])).code).toBe(0);
  const d = await bench(["diff", "baseline:main", "latest", "--json", ...opts]);
  expect(d.code).toBe(0);
  const doc = JSON.parse(d.stdout);
  expect(doc.runNoise).toEqual({ source: "calibrated", runs: 3, metrics: cal.runNoise.metrics });
  // two variants of one run share its offset: no run-to-run noise there
  const same = JSON.parse((await bench(["diff", "latest", "latest", "--json", ...opts])).stdout);
  expect(same.runNoise.source).toBe("none");
});

it("calibrate needs at least two runs", async () => {
  const r = await bench(["calibrate", path.join(ROOT, "suites/quickstart.yaml"), "--runs", "1"]);
  expect(r.code).toBe(2);
  expect(r.stderr).toMatch(/give at least 2/);
});
