// Bytes per sample in the results database: the file's growth over K runs of a suite (bundled
// MLP, real clock: whole-nanosecond samples) divided by the samples stored, for cells of 100 and
// of 10,000 samples per trial, in 1 and 3 trials (ROWS=100x1,... to choose). The file is checkpointed (WAL folded back)
// before each size is read. Usage: node perf/store-size.mjs [RUNS=5]
import { statSync, writeFileSync } from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import { bench, ROOT, tempDir, timeMs } from "./lib.mjs";

const runs = Number(process.argv[2] ?? 5);
const dir = tempDir();
const size = (db) => {
  const d = new Database(db);
  d.pragma("wal_checkpoint(TRUNCATE)");
  d.close();
  return statSync(db).size;
};
console.log(`${runs} runs per row, 4 cells (MLP fp32/int8 × batch 1, 2); bytes/sample = file growth / timed samples stored`);
// ROWS=100x1,10000x3 picks rows.
const rows = (process.env.ROWS ?? "100x1,100x3,10000x1,10000x3").split(",").map((r) => r.split("x").map(Number));
for (const [samples, trials] of rows) {
  const suite = path.join(dir, `s${samples}-${trials}.yaml`);
  writeFileSync(
    suite,
    `name: size
seed: 1
targets:
  m:
    kind: onnx
    variants: { a: ${path.join(ROOT, "suites/models/mlp-fp32.onnx")}, b: ${path.join(ROOT, "suites/models/mlp-int8.onnx")} }
matrix: { batch: [1, 2], providers: [cpu], threads: [1] }
measure: { warmupIterations: 2, minIterations: ${samples}, maxIterations: ${samples * trials}, minTimeMs: 0, maxTimeMs: 600000 }
trials: { min: ${trials}, max: ${trials} }
`,
  );
  const db = path.join(dir, `s${samples}-${trials}.db`);
  timeMs(bench("run", suite, "--db", db, "-q")); // the database's own pages first
  const before = size(db);
  for (let r = 0; r < runs; r++) timeMs(bench("run", suite, "--db", db, "-q"));
  const after = size(db);
  const timed = 4 * samples * trials * runs;
  console.log(
    `${String(samples).padStart(6)} samples × ${trials} trial(s): ${((after - before) / timed).toFixed(2)} bytes/sample (${after - before} bytes over ${timed} samples)`,
  );
}
