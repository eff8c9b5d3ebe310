// tmp: a fresh process's latency trajectory on the bundled MLP: median per 100 ms window for SECONDS.
import ort from "onnxruntime-node";
import { planInputs } from "../dist/inputs/plan.js";
import { feedSetsOf, inputMetadata } from "../dist/runners/onnx.js";
const seconds = Number(process.argv[2] ?? 6);
const session = await ort.InferenceSession.create(new URL("../suites/models/mlp-fp32.onnx", import.meta.url).pathname, {
  executionProviders: ["cpu"], intraOpNumThreads: 1, interOpNumThreads: 1, executionMode: "sequential", graphOptimizationLevel: "all", logSeverityLevel: 3,
});
const { plans } = planInputs(inputMetadata(session), {}, {}, 1);
const [feeds] = feedSetsOf(plans, 1);
await session.run(feeds);
const start = process.hrtime.bigint();
const end = start + BigInt(seconds * 1e9);
const ns = []; const at = [];
for (;;) { const t0 = process.hrtime.bigint(); await session.run(feeds); const t1 = process.hrtime.bigint(); ns.push(Number(t1 - t0)); at.push(Number(t1 - start)); if (t1 > end) break; }
const med = (a) => { const s = Float64Array.from(a).sort(); return s[s.length >> 1]; };
const W = Number(process.argv[3] ?? 250) * 1e6; const rows = [];
for (let w = 0; w * W < seconds * 1e9; w++) { const xs = ns.filter((_, i) => at[i] >= w * W && at[i] < (w + 1) * W); const firstCall = at.findIndex((t) => t >= w * W); rows.push(`${(w * W / 1e9).toFixed(2)}s call ${firstCall} med ${(med(xs) / 1e3).toFixed(2)}`); }
console.log(rows.join("\n"));
