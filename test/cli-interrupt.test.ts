import { spawn } from "node:child_process";
import { copyFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { expect, it } from "vitest";
import type { RunResult } from "../src/results.js";
import { BIN, bench, ROOT, tempDir } from "./helpers/cli.js";

it.each([
  ["SIGINT", 130],
  ["SIGTERM", 143],
  ["SIGHUP", 129],
] as const)(
  "%s stops the run after storing the finished cells, marks it interrupted and exits %i",
  async (signal, exitCode) => {
    const dir = tempDir();
    const db = path.join(dir, "r.db");
    copyFileSync(path.join(ROOT, "suites/models/mlp-fp32.onnx"), path.join(dir, "m.onnx"));
    // The first cell is quick; the next would run for a minute.
    writeFileSync(
      path.join(dir, "s.yaml"),
      `name: long
targets:
  quick: { kind: onnx, variants: { v: m.onnx }, measure: { minTimeMs: 0, maxTimeMs: 100 } }
  slow: { kind: onnx, variants: { v: m.onnx }, matrix: { batch: [2, 3] } }
measure: { minTimeMs: 60000, maxTimeMs: 60000, maxIterations: 10000000 }
order: sequential
trials: { min: 1, max: 1 }
`,
    );
    const child = spawn(process.execPath, [BIN, "run", path.join(dir, "s.yaml"), "--db", db], {
      env: { ...process.env, NO_COLOR: "1" },
    });
    let stderr = "";
    let armed = false;
    const code = await new Promise<number | null>((resolve) => {
      child.stderr.on("data", (d: Buffer) => {
        stderr += d.toString();
        // Past the next cell's warm-up (at most 2 s: src/measure/loop.ts), inside its timed calls.
        if (/\[trial 1: 1\/3\]/.test(stderr) && !armed) {
          armed = true; // one signal: a second would stop the trial at once
          setTimeout(() => child.kill(signal), 2500);
        }
      });
      child.on("close", resolve);
    });
    expect(code).toBe(exitCode);
    expect(stderr).toMatch(/stopping after storing the finished cells/);
    const shown = await bench(["show", "latest", "--db", db, "--json"]);
    const run = JSON.parse(shown.stdout) as RunResult;
    expect(run.run.status).toBe("interrupted");
    // The finished cell, and the one interrupted while it was measured (partial: what it measured is kept).
    expect(run.cells.map((c) => c.id)).toEqual(["quick/v/b1/cpu/t1", "slow/v/b2/cpu/t1"]);
    expect(run.cells[1]?.stopReason).toBe("interrupted");
    expect(run.cells[1]?.samples).toBeGreaterThan(0);
  },
  120_000,
);
