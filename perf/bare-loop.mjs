// The reference of perf/in-process.mjs: a bare `session.run` loop in a fresh process, with the
// session options and the input tensors bench would use for the same cell (bench's own input
// planner and generator, from dist/), nothing else in the process.
// Usage: node perf/bare-loop.mjs '{"model":…,"inputs":{…},"batch":1,"threads":1,"seed":1,"warmupCalls":20,"warmupMs":0,"calls":1000}'
// Prints {"p50Ns":…,"calls":…} on stdout.
import ort from "onnxruntime-node";
import { planInputs } from "../dist/inputs/plan.js";
import { feedSetsOf, inputMetadata } from "../dist/runners/onnx.js";

const o = JSON.parse(process.argv[2]);
const session = await ort.InferenceSession.create(o.model, {
  executionProviders: ["cpu"],
  intraOpNumThreads: o.threads,
  interOpNumThreads: 1,
  executionMode: "sequential",
  graphOptimizationLevel: "all",
  logSeverityLevel: 3,
});
const { plans, errors } = planInputs(inputMetadata(session), o.inputs ?? {}, {}, o.batch);
if (errors.length > 0) throw new Error(errors.join("; "));
const [feeds] = feedSetsOf(plans, o.seed);
await session.run(feeds); // the cold start, as bench times it apart
const warmEnd = process.hrtime.bigint() + BigInt(Math.round((o.warmupMs ?? 0) * 1e6));
for (let i = 0; i < (o.warmupCalls ?? 0) || process.hrtime.bigint() < warmEnd; i++) await session.run(feeds);
const ns = new Float64Array(o.calls);
for (let i = 0; i < o.calls; i++) {
  const t0 = process.hrtime.bigint();
  await session.run(feeds);
  ns[i] = Number(process.hrtime.bigint() - t0);
}
ns.sort();
const h = (ns.length - 1) / 2;
console.log(JSON.stringify({ p50Ns: (ns[Math.floor(h)] + ns[Math.ceil(h)]) / 2, calls: o.calls }));
