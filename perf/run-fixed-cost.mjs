// The fixed cost of `bench run`: a 1-cell suite measured in one trial, with the fake runner (no
// model, a virtual clock: what bench itself costs) and with the bundled MLP (onnxruntime loaded,
// the trial's canaries timed), each minus `node -e 0` in the same rotation.
// Usage: node perf/run-fixed-cost.mjs [ROUNDS=10]
// BENCH_BEFORE=path/to/other/dist/cli.js adds the same rows for another build, alternated with these.
// The warm-up round fills the suite cache (src/suite/cache.ts); the "no cache" row runs without it.
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { alternate, ENTRY, minus, ROOT, spread, tempDir } from "./lib.mjs";

const rounds = Number(process.argv[2] ?? 10);
const dir = tempDir();
const suite = path.join(dir, "one.yaml");
writeFileSync(
  suite,
  `name: one
seed: 1
targets:
  m:
    kind: onnx
    variants: { fp32: ${path.join(ROOT, "suites/models/mlp-fp32.onnx")} }
matrix: { batch: [1], providers: [cpu], threads: [1] }
measure: { warmupIterations: 2, minIterations: 20, maxIterations: 20, minTimeMs: 0 }
trials: { min: 1, max: 1 }
`,
);
const builds = { "": ENTRY, ...(process.env.BENCH_BEFORE ? { " (before)": process.env.BENCH_BEFORE } : {}) };
const commands = { "node -e 0": [process.execPath, "-e", "0"] };
for (const [label, entry] of Object.entries(builds)) {
  // Each build its own TMPDIR, so its suite and model caches are not the other build's to replace.
  const tmp = path.join(dir, `tmp-${label.trim().replace(/\W/g, "") || "now"}`);
  mkdirSync(tmp);
  const run = (...args) => [
    "/usr/bin/env",
    `TMPDIR=${tmp}`,
    process.execPath,
    entry,
    "run",
    suite,
    "-q",
    "--db",
    path.join(dir, `${label.trim() || "now"}.db`),
    ...args,
  ];
  commands[`run, fake runner${label}`] = run("--debug-runner", "fake");
  commands[`run, 1-cell MLP${label}`] = run();
  // The suite cache off (BENCH_SUITE_CACHE=0): what a run of a new or changed suite costs.
  commands[`run, fake runner, no cache${label}`] = ["/usr/bin/env", "BENCH_SUITE_CACHE=0", ...run("--debug-runner", "fake")];
}
const times = alternate(commands, rounds);
const node = times["node -e 0"];
console.log(`${rounds} alternated rounds; wall ms: median (min, q1–q3, max); fixed cost = paired per-round difference from node -e 0`);
for (const [name, t] of Object.entries(times)) {
  console.log(`${name.padEnd(30)} ${spread(t).padEnd(46)} ${name === "node -e 0" ? "" : `fixed cost ${spread(minus(t, node))}`}`);
}
