import { copyFileSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { bench, QUICK_MEASURE, ROOT, tempDir } from "./helpers/cli.js";

/**
 * Baselines and CI gating through the real CLI, timed by the deterministic fake runner so that the
 * verdicts do not depend on this machine's speed or load. Two suite files share a name and cell
 * ids and point at different models (so the environments differ); the "fast" one is run 5× faster:
 * a baseline made from it is a regression for the slow one.
 */
describe("baselines and gating", () => {
  const dir = tempDir();
  const db = path.join(dir, "r.db");
  const baselines = path.join(dir, "baselines");
  const common = ["--db", db, "--baselines", baselines, "-q"];
  const slow = ["--debug-runner", "fake:ms=0.5"];
  const fast = ["--debug-runner", "fake:ms=0.1"];
  const suiteText = (model: string) => `name: gate
targets:
  mlp: { kind: onnx, variants: { v: ${model} } }
matrix: { batch: [32] }
regression: { threshold: 0.25 }
${QUICK_MEASURE}`;

  beforeAll(async () => {
    for (const f of ["mlp-fp32.onnx", "mlp-int8.onnx"]) copyFileSync(path.join(ROOT, "suites/models", f), path.join(dir, f));
    writeFileSync(path.join(dir, "slow.yaml"), suiteText("mlp-fp32.onnx"));
    writeFileSync(path.join(dir, "fast.yaml"), suiteText("mlp-int8.onnx"));
    writeFileSync(path.join(dir, "other.yaml"), suiteText("mlp-fp32.onnx").replace("name: gate", "name: other"));
    expect((await bench(["run", path.join(dir, "slow.yaml"), ...common, ...slow])).code).toBe(0);
    expect((await bench(["baseline", "save", "latest", "--name", "main", ...common.slice(0, 4)])).code).toBe(0);
    expect((await bench(["run", path.join(dir, "fast.yaml"), ...common, ...fast])).code).toBe(0);
    expect((await bench(["baseline", "save", "latest", "--name", "fast", ...common.slice(0, 4)])).code).toBe(0);
  });

  it("writes a versioned, diff-friendly baseline file with samples", () => {
    const text = readFileSync(path.join(baselines, "gate/main.json"), "utf8");
    const b = JSON.parse(text);
    expect(Object.keys(b).slice(0, 4)).toEqual(["format", "version", "name", "suite"]);
    expect(b).toMatchObject({ format: "bench-baseline", version: 1, name: "main", suite: "gate" });
    expect(b.cells[0].id).toBe("mlp/v/b32/cpu/t1");
    expect(b.cells[0].samplesMs.length).toBeGreaterThanOrEqual(20);
    // one line per cell's samples
    expect(text.split("\n").filter((l: string) => l.includes('"samplesMs": [')).length).toBe(1);
  });

  it("lists and shows baselines", async () => {
    const list = await bench(["baseline", "list", "--baselines", baselines, "--json"]);
    expect(JSON.parse(list.stdout).map((e: { name: string }) => e.name)).toEqual(["fast", "main"]);
    const show = await bench(["baseline", "show", "gate/main", "--baselines", baselines]);
    expect(show.code).toBe(0);
    expect(show.stdout).toContain("mlp/v/b32/cpu/t1");
  });

  it("passes a run gated against its own code's baseline (exit 0)", async () => {
    const r = await bench(["run", path.join(dir, "slow.yaml"), ...common, ...slow, "--baseline", "main"]);
    expect(r.stderr).not.toMatch(/unexpected/);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/no regression in 1 cells/);
  });

  it("fails against a baseline of a faster model, names the cell, writes JUnit and Markdown", async () => {
    const junit = path.join(dir, "out/junit.xml");
    const summary = path.join(dir, "out/summary.md");
    const r = await bench([
      "run",
      path.join(dir, "slow.yaml"),
      ...common,
      ...slow,
      "--baseline",
      "fast",
      "--no-confirm",
      "--junit",
      junit,
      "--summary",
      summary,
    ]);
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(r.stdout).toMatch(/regression in 1 of 1 cells/);
    expect(r.stdout).toMatch(/mlp\/v\/b32\/cpu\/t1 +│ p50 .*│ regression/);
    expect(r.stdout).toMatch(/environment differs: models\.mlp-\w+\.onnx/);

    const xml = readFileSync(junit, "utf8");
    expect(xml).toMatch(/<testsuite name="gate" tests="1" failures="1"/);
    expect(xml).toMatch(/<testcase classname="gate" name="mlp\/v\/b32\/cpu\/t1">\s*<failure type="regression" message="regression: p50 \+\d+%/);
    const md = readFileSync(summary, "utf8");
    expect(md.split("\n")[0]).toBe("## ❌ gate: regression in 1 of 1 cells");
    expect(md).toMatch(/### Regressions\n\n\| cell \| metric/);
    expect(md).toMatch(/<details><summary>All 5 comparisons<\/summary>/);
  });

  it("confirms a regression in new trials of the regressed cells before failing", async () => {
    const junit = path.join(dir, "out/confirmed.xml");
    const r = await bench(["run", path.join(dir, "slow.yaml"), ...common.filter((a) => a !== "-q"), ...slow, "--baseline", "fast", "--junit", junit]);
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(r.stderr).toMatch(/regression in 1 cell\(s\); confirming in new trials \(--no-confirm to skip\)/);
    expect(r.stdout).toMatch(/base baseline:gate\/fast .* → head \w+ .*\n.*regression in 1 of 1 cells/);
    const xml = readFileSync(junit, "utf8");
    expect(xml).toMatch(/<testsuite name="gate \(first trials\)" tests="1" failures="1"/);
    expect(xml).toMatch(/<testsuite name="gate: confirmation of 1 cell\(s\)" tests="1" failures="1"/);
  });

  it("appends the summary to $GITHUB_STEP_SUMMARY and diffs by JSON", async () => {
    const step = path.join(dir, "step.md");
    writeFileSync(step, "# earlier step\n");
    const r = await bench(["diff", "baseline:fast", "latest", "--db", db, "--baselines", baselines, "--json", "--fail-on-regression"], {
      env: { GITHUB_STEP_SUMMARY: step },
    });
    expect(r.code).toBe(1);
    const doc = JSON.parse(r.stdout);
    expect(doc.base).toBe("baseline:fast");
    const p50 = doc.comparisons.find((c: { metric: string }) => c.metric === "p50");
    expect(p50).toMatchObject({ cell: "mlp/v/b32/cpu/t1", verdict: "regression" });
    expect(Object.keys(p50).slice(0, 8)).toEqual(["cell", "metric", "base", "head", "change", "ci", "pValue", "verdict"]);
    expect(p50.change).toBeGreaterThan(0.25);
    expect(readFileSync(step, "utf8")).toMatch(/^# earlier step\n## ❌ gate: regression/);
  });

  it("--strict-env refuses runs of different models with exit 2", async () => {
    const r = await bench(["diff", "baseline:fast", "latest", "--db", db, "--baselines", baselines, "--strict-env"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/different environments \(--strict-env\): models\.mlp-int8\.onnx|models\.mlp-fp32\.onnx/);
  });

  it("rejects bad references and bad baselines with exit 2", async () => {
    const bad = async (args: string[], pattern: RegExp) => {
      const r = await bench(args);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toMatch(pattern);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    };
    const opts = ["--db", db, "--baselines", baselines];
    await bad(["diff", "nosuchrun", "latest", ...opts], /nosuchrun: no run with this id/);
    await bad(["diff", "baseline:nope", "latest", ...opts], /no baseline named 'nope'/);
    await bad(["run", path.join(dir, "other.yaml"), ...common, "--baseline", "gate/main"], /a baseline of suite 'gate', not of 'other'/);
    writeFileSync(path.join(baselines, "gate/corrupt.json"), '{"format": "bench-baseline", "version": 1, "cells": [');
    await bad(["diff", "baseline:corrupt", "latest", ...opts], /corrupt\.json: not valid JSON.*corrupted/);
    const future = JSON.parse(readFileSync(path.join(baselines, "gate/main.json"), "utf8"));
    writeFileSync(path.join(baselines, "gate/future.json"), JSON.stringify({ ...future, version: 99 }));
    await bad(["diff", "baseline:future", "latest", ...opts], /format version 99 is newer than this bench reads/);
    expect((await bench(["run", path.join(dir, "other.yaml"), ...common, ...slow, "-f", "mlp"])).code).toBe(0);
    const otherCell = JSON.parse(readFileSync(path.join(baselines, "gate/main.json"), "utf8"));
    otherCell.cells[0].id = "mlp/v/b1/cpu/t1";
    writeFileSync(path.join(baselines, "gate/shifted.json"), JSON.stringify(otherCell));
    await bad(["diff", "baseline:shifted", "latest", ...opts], /have no cell in common/);
  });

  it("reports a suite's A/B comparison after the run, and gates it with --fail-on-regression", async () => {
    const ab = (base: string, head: string) => `name: ab
targets:
  mlp: { kind: onnx, variants: { fp32: mlp-fp32.onnx, int8: mlp-int8.onnx } }
matrix: { batch: [32] }
compare: { base: ${base}, head: ${head} }
regression: { threshold: 0.25, metrics: [p50] }
${QUICK_MEASURE}`;
    writeFileSync(path.join(dir, "ab.yaml"), ab("fp32", "int8"));
    const int8Faster = ["--debug-runner", "fake:slow=mlp/fp32@5"];
    const better = await bench(["run", path.join(dir, "ab.yaml"), ...common, ...int8Faster]);
    expect(better.code).toBe(0);
    expect(better.stdout).toMatch(/base \w+:fp32 .* → head \w+:int8/);
    expect(better.stdout).toMatch(/mlp\/fp32→int8\/b32\/cpu\/t1 │ p50 .*│ improvement/);
    writeFileSync(path.join(dir, "ba.yaml"), ab("int8", "fp32"));
    const worse = await bench(["run", path.join(dir, "ba.yaml"), ...common, ...int8Faster, "--fail-on-regression", "--json"]);
    expect(worse.code).toBe(1);
    const doc = JSON.parse(worse.stdout);
    expect(doc.comparisons[0].comparisons[0]).toMatchObject({ cell: "mlp/int8→fp32/b32/cpu/t1", metric: "p50", verdict: "regression" });
  });
});
