/**
 * A/A benchmark of the measurement itself (not a test): the same model under two names, measured
 * in one run, interleaved and sequential, several times. Nothing differs between the two cells,
 * so every "regression" or "improvement" verdict is a false alarm, and the spread of p50 across
 * repetitions is the run-to-run noise of the estimate.
 *
 *   npx tsx scripts/aa-benchmark.ts [--reps 10] [--model suites/models/cnn-fp32.onnx] [--batch 1] [--threads 1] [--time-ms 1500]
 *
 * Prints a Markdown table (docs/STATISTICS.md quotes it).
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { diffSides } from "../src/compare/diff.js";
import { loadSide } from "../src/cli/sides.js";
import { executeSuite } from "../src/measure/execute.js";
import type { Order } from "../src/results.js";
import { onnxRunner } from "../src/runners/onnx.js";
import { Store } from "../src/store/db.js";
import { expandCells } from "../src/suite/expand.js";
import { regressionPolicy, resolveSuite } from "../src/suite/resolve.js";

const { values } = parseArgs({
  options: {
    reps: { type: "string", default: "10" },
    model: { type: "string", default: "suites/models/cnn-fp32.onnx" },
    batch: { type: "string", default: "1" },
    threads: { type: "string", default: "1" },
    "time-ms": { type: "string", default: "1500" },
  },
});
const reps = Number(values.reps);
const model = path.resolve(values.model);
const dir = mkdtempSync(path.join(tmpdir(), "bench-aa-"));
const store = Store.open(path.join(dir, "aa.db"));

function suiteFor(seed: number) {
  return resolveSuite(
    {
      name: "aa",
      seed,
      targets: { m: { kind: "onnx", variants: { a: model, b: model } } },
      matrix: { batch: [Number(values.batch)], threads: [Number(values.threads)] },
      measure: { warmupIterations: 20, minIterations: 400, maxIterations: 200_000, minTimeMs: Number(values["time-ms"]), maxTimeMs: Number(values["time-ms"]) },
    },
    path.join(dir, "aa.yaml"),
  );
}

interface Row {
  order: Order;
  falseAlarms: number;
  comparisons: number;
  p50a: number[];
  abDiff: number[];
}

const rows: Row[] = [];
for (const order of ["interleaved", "sequential"] as const) {
  const row: Row = { order, falseAlarms: 0, comparisons: 0, p50a: [], abDiff: [] };
  for (let rep = 0; rep < reps; rep++) {
    const suite = suiteFor(1000 + rep);
    const result = await executeSuite(suite, { store, runner: onnxRunner, cells: expandCells(suite), order });
    const ctx = { store: () => store, baselinesDir: dir };
    const d = diffSides(loadSide(`${result.run.id}:a`, ctx), loadSide(`${result.run.id}:b`, ctx), { policy: regressionPolicy(), seed: rep });
    row.comparisons += d.comparisons.length;
    row.falseAlarms += d.comparisons.filter((c) => c.verdict === "regression" || c.verdict === "improvement").length;
    const [a, b] = result.cells.map((c) => c.latencyMs?.p50.value ?? Number.NaN);
    row.p50a.push(a as number);
    row.abDiff.push((b as number) / (a as number) - 1);
    process.stderr.write(
      `${order} ${rep + 1}/${reps}: p50 a ${(a as number).toFixed(4)} ms, b/a − 1 = ${(((b as number) / (a as number) - 1) * 100).toFixed(2)}%\n`,
    );
  }
  rows.push(row);
}
store.close();

const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
const sd = (xs: number[]) => Math.sqrt(xs.reduce((s, x) => s + (x - mean(xs)) ** 2, 0) / (xs.length - 1));
console.log(`model ${values.model}, batch ${values.batch}, ${values.threads} thread(s), ${values["time-ms"]} ms per cell, ${reps} runs per mode\n`);
console.log("| order | false alarms (A/A verdicts) | p50 across runs: mean, CV | b/a − 1 within a run: mean ± sd |");
console.log("|---|---:|---:|---:|");
for (const r of rows) {
  console.log(
    `| ${r.order} | ${r.falseAlarms}/${r.comparisons} (${((100 * r.falseAlarms) / r.comparisons).toFixed(1)}%) | ` +
      `${mean(r.p50a).toFixed(4)} ms, ${((100 * sd(r.p50a)) / mean(r.p50a)).toFixed(2)}% | ` +
      `${(100 * mean(r.abDiff)).toFixed(2)}% ± ${(100 * sd(r.abDiff)).toFixed(2)}% |`,
  );
}
