import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { copyFileSync, existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { bench, ROOT, tempDir } from "./helpers/cli.js";

/**
 * `bench run` starts its first trial's process before it plans the suite (spawn-trial.ts,
 * prestartTrial): the process must then be used by the first trial and by no other, and must not
 * outlive a run that fails before its first trial. Its suites are read and validated in a worker
 * thread meanwhile (load-ahead.ts, loadSuitesAhead): the same suites as on the main thread.
 */
const dir = tempDir("bench-prestart-");
const db = path.join(dir, "r.db");
copyFileSync(path.join(ROOT, "suites/models/mlp-fp32.onnx"), path.join(dir, "m.onnx"));
const suite = (name: string, model: string, trials: number) => {
  const file = path.join(dir, `${name}.yaml`);
  writeFileSync(
    file,
    `name: ${name}\ntargets:\n  a: { kind: onnx, variants: { v: ${model} } }\ntrials: { min: ${trials}, max: ${trials} }\n` +
      "measure: { warmupIterations: 2, minIterations: 20, maxIterations: 20, minTimeMs: 0 }\n",
  );
  return file;
};

/** Processes whose environment carries `mark` (Linux /proc; an empty list where there is none). */
function marked(mark: string): number[] {
  if (!existsSync("/proc/self/environ")) return [];
  return readdirSync("/proc")
    .filter((p) => /^\d+$/.test(p))
    .filter((p) => {
      try {
        return readFileSync(`/proc/${p}/environ`, "latin1").includes(mark);
      } catch {
        return false; // gone meanwhile, or not ours to read
      }
    })
    .map(Number);
}

describe("the first trial's process, started before the run is planned", () => {
  it("is ended when the run fails before its first trial (bad input): exit 2, no process left", async () => {
    const mark = `BENCH_PRESTART_MARK=${randomBytes(6).toString("hex")}`;
    const [key, value] = mark.split("=") as [string, string];
    const r = await bench(["run", suite("missing", "nope.onnx", 1), "--db", db, "-q", "--debug-runner", "fake"], { env: { [key]: value } });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/model file not found: nope\.onnx/);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    // Killed before bench exited; /proc may still list it for a moment while it is reaped.
    const deadline = Date.now() + 1_000;
    while (marked(mark).length > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(marked(mark)).toEqual([]);
  }, 30_000);

  it("runs the first trial, and each later trial gets a fresh process of its own", async () => {
    const r = await bench(["run", suite("three", "m.onnx", 3), "--db", db, "-q", "--json", "--debug-runner", "fake"]);
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout) as { run: { trials: { trials: { trial: number; status: string }[] } }; cells: { status: string }[] };
    expect(doc.run.trials.trials.map((t) => [t.trial, t.status])).toEqual([
      [1, "completed"],
      [2, "completed"],
      [3, "completed"],
    ]);
    expect(doc.cells.map((c) => c.status)).toEqual(["ok"]);
  }, 60_000);

  it("exits at once, having done nothing, when the run closes its stdin without a plan", () => {
    const r = spawnSync(process.execPath, [path.join(ROOT, "dist/cli/trial-main.js")], { input: "", encoding: "utf8", timeout: 20_000 });
    expect(r.status).toBe(0);
    expect(r.stdout).toBe("");
    expect(r.stderr).toBe("");
  });
});

describe("suites loaded ahead, in a worker thread", () => {
  it("are the suites loadSuite gives on the main thread; a file with a problem is left to the main thread", async () => {
    // The compiled modules: the worker runs dist/suite/load-worker.js (in src/ there is no .js to start).
    const plan = (await import(path.join(ROOT, "dist/cli/load-ahead.js"))) as typeof import("../src/cli/load-ahead.js");
    const load = (await import(path.join(ROOT, "dist/suite/load.js"))) as typeof import("../src/suite/load.js");
    const good = suite("ahead", "m.onnx", 2);
    const bad = path.join(dir, "bad.yaml");
    writeFileSync(bad, "name: bad\ntargets: 3\n");
    const ahead = await plan.loadSuitesAhead([good, bad, path.join(ROOT, "suites/quickstart.yaml")]);
    expect(ahead?.map((a) => [a.file, a.suite === null])).toEqual([
      [good, false],
      [bad, true],
      [path.join(ROOT, "suites/quickstart.yaml"), false],
    ]);
    expect(ahead?.[0]?.suite).toEqual(load.loadSuite(good));
    expect(ahead?.[2]?.suite).toEqual(load.loadSuite(path.join(ROOT, "suites/quickstart.yaml")));
  }, 30_000);
});

describe("the hint to load onnxruntime ahead (namesOnnxTargets)", () => {
  it("is given by a suite that names a local ONNX target, block or flow style, and by no other", async () => {
    const { namesOnnxTargets } = await import("../src/cli/spawn-trial.js");
    const write = (name: string, text: string) => {
      const file = path.join(dir, name);
      writeFileSync(file, text);
      return file;
    };
    const block = write("h-block.yaml", "name: a\ntargets:\n  m:\n    kind: onnx\n    variants: { v: m.onnx }\n");
    const flow = write("h-flow.yaml", 'name: b\ntargets:\n  m: { kind: "onnx", variants: { v: m.onnx } }\n');
    const remote = write("h-remote.yaml", "name: c\ntargets:\n  r: { kind: http, url: 'http://127.0.0.1:1/v2/models/onnx/infer' }\n");
    expect(namesOnnxTargets([block])).toBe(true);
    expect(namesOnnxTargets([flow])).toBe(true);
    expect(namesOnnxTargets([remote])).toBe(false);
    expect(namesOnnxTargets([remote, flow])).toBe(true);
    expect(namesOnnxTargets([path.join(dir, "nope.yaml")])).toBe(false);
  });
});

describe("prestartTrial: taken once, or ended", () => {
  // The compiled module: it starts dist/cli/trial-main.js beside it.
  const load = async () => (await import(path.join(ROOT, "dist/cli/spawn-trial.js"))) as typeof import("../src/cli/spawn-trial.js");
  const ended = (child: { once: (e: "exit", f: (code: number | null, signal: NodeJS.Signals | null) => void) => unknown }) =>
    new Promise<[number | null, NodeJS.Signals | null]>((resolve) => child.once("exit", (code, signal) => resolve([code, signal])));

  it("gives its process to the first taker only; disposed afterwards it is left alone", async () => {
    const prestarted = (await load()).prestartTrial();
    const child = prestarted.take();
    expect(child).toBeDefined();
    expect(prestarted.take()).toBeUndefined();
    prestarted.dispose(); // taken: not this one's to end
    if (!child) return;
    const exit = ended(child);
    expect(child.exitCode).toBeNull();
    child.stdin.end(); // no input: it exits on its own, with 0
    expect(await exit).toEqual([0, null]);
  }, 30_000);

  it("kills a process nobody took, and none is taken after that", async () => {
    const { prestartTrial } = await load();
    const value = randomBytes(6).toString("hex");
    process.env.BENCH_PRESTART_MARK = value; // inherited by the process it starts: found again in /proc
    const prestarted = prestartTrial();
    delete process.env.BENCH_PRESTART_MARK;
    const mark = `BENCH_PRESTART_MARK=${value}`;
    if (existsSync("/proc/self/environ")) expect(marked(mark)).toHaveLength(1);
    prestarted.dispose();
    expect(prestarted.take()).toBeUndefined();
    const deadline = Date.now() + 1_000;
    while (marked(mark).length > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(marked(mark)).toEqual([]);
  }, 30_000);
});

describe("warmUpRuntime", () => {
  it("creates and releases a session of its embedded one-node model (a broken model would reject)", async () => {
    const { warmUpRuntime } = await import("../src/runners/onnx.js");
    await expect(warmUpRuntime()).resolves.toBeUndefined();
  }, 30_000);
});
