import { copyFileSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { bench, ROOT, tempDir } from "./helpers/cli.js";

/**
 * Every exit code of DESIGN.md's contract, from outside, on the deterministic fake runner
 * (`--debug-runner`): the verdicts do not depend on how fast this machine is. The interrupt codes
 * (130/143/129) are in cli-interrupt.test.ts, which needs a real run to interrupt.
 */
describe("exit codes", () => {
  const dir = tempDir();
  const db = path.join(dir, "r.db");
  const baselines = path.join(dir, "baselines");
  const suite = path.join(dir, "s.yaml");
  const common = ["--db", db, "--baselines", baselines, "-q"];
  const run = (runner: string, ...args: string[]) => bench(["run", suite, ...common, "--debug-runner", runner, ...args]);

  beforeAll(async () => {
    copyFileSync(path.join(ROOT, "suites/models/mlp-fp32.onnx"), path.join(dir, "m.onnx"));
    writeFileSync(
      suite,
      `name: codes
targets:
  a: { kind: onnx, variants: { v: m.onnx } }
  b: { kind: onnx, variants: { v: m.onnx } }
matrix: { batch: [1, 2] }
measure: { warmupIterations: 2, minIterations: 50, maxIterations: 2000, minTimeMs: 0, maxTimeMs: 300 }
trials: { min: 3, max: 3 }
`,
    );
    const base = await run("fake");
    expect(base.code).toBe(0);
    expect((await bench(["baseline", "save", "latest", "--name", "main", "--db", db, "--baselines", baselines])).code).toBe(0);
  });

  it("0: every cell measured, and gated against its own baseline: no regression", async () => {
    const r = await run("fake", "--baseline", "main");
    expect(r.stderr).not.toMatch(/^bench:/m);
    expect(r.code).toBe(0);
    // Identical trials on both sides; with 3 trials some rows cannot rule out a 5% change: said, not hidden.
    expect(r.stdout).toMatch(/no regression (in 4 cells|found; \d+ of 20 comparisons inconclusive)/);
  });

  it("1: a cell 30% slower than its baseline is a regression", async () => {
    const r = await run("fake:slow=a/v/b2@1.3", "--baseline", "main");
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/a\/v\/b2\/cpu\/t1/);
  });

  it("2: bad input (an unknown debug runner, a missing suite)", async () => {
    const bad = await run("nope");
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^bench: --debug-runner nope: unknown runner 'nope'/);
    const missing = await bench(["run", path.join(dir, "none.yaml"), ...common]);
    expect(missing.code).toBe(2);
  });

  it("3: one cell failed; the others are measured and stored", async () => {
    const r = await run("fake:fail=b/v/b1", "--json");
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/1 of 4 cells failed/);
    const doc = JSON.parse(r.stdout);
    expect(doc.cells.map((c: { status: string }) => c.status)).toEqual(["ok", "ok", "failed", "ok"]);
  });

  it("3, not 2: a gated run whose every cell failed, and no green summary", async () => {
    const md = path.join(dir, "all-failed.md");
    const r = await run("fake:fail=*", "--baseline", "main", "--summary", md);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/4 of 4 cells failed/);
    expect(r.stdout).not.toMatch(/no regression/);
    expect(existsSync(md) ? readFileSync(md, "utf8") : "").not.toMatch(/✅/);
  });

  it("3: every cell skipped is a run that measured nothing", async () => {
    const r = await run("fake:skip=*");
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/nothing was measured: every cell was skipped/);
  });

  it("4: an internal error prints its stack and asks for a report", async () => {
    const r = await run("fake:bug");
    expect(r.code).toBe(4);
    // The bug is in the trial's process; the run says which trial died and passes on its stack.
    expect(r.stderr).toMatch(/^bench: internal error: Error: trial 1 ended with exit code 4:/);
    expect(r.stderr).toMatch(/internal error: TypeError: fake runner: an injected internal error/);
    expect(r.stderr).toMatch(/\n\s+at /);
    expect(r.stderr).toMatch(/this is a bug in bench.*please report it/);
    const shown = JSON.parse((await bench(["show", "latest", "--db", db, "--json"])).stdout);
    expect(shown.run.status).toBe("failed");
  });
});
