// How a fresh process's latency falls over its first seconds of calls on the bundled MLP (the
// process-level warm-up of src/measure/loop.ts, PROCESS_WARMUP_MS).
//   node perf/decay-trace.mjs [PROCESSES=8] [SECONDS=1.5] [WINDOW_MS=50]
// Runs PROCESSES fresh processes one after the other, each a bare `session.run` loop (bench's
// session options and inputs) for SECONDS after its cold start, and prints per WINDOW_MS window
// the median latency across processes of each process's window median, and the lowest: on a
// shared machine the latency moves between levels for seconds at a time, and the lowest of several
// processes shows the decay under it. Run `npm run build` first.
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const [processesArg = "8", secondsArg = "1.5", windowArg = "50", child] = process.argv.slice(2);
const seconds = Number(secondsArg);
const windowNs = Number(windowArg) * 1e6;

if (child === "child") {
  const ort = (await import("onnxruntime-node")).default;
  const { planInputs } = await import("../dist/inputs/plan.js");
  const { feedSetsOf, inputMetadata } = await import("../dist/runners/onnx.js");
  const session = await ort.InferenceSession.create(fileURLToPath(new URL("../suites/models/mlp-fp32.onnx", import.meta.url)), {
    executionProviders: ["cpu"],
    intraOpNumThreads: 1,
    interOpNumThreads: 1,
    executionMode: "sequential",
    graphOptimizationLevel: "all",
    logSeverityLevel: 3,
  });
  const { plans } = planInputs(inputMetadata(session), {}, {}, 1);
  const [feeds] = feedSetsOf(plans, 1);
  await session.run(feeds); // the cold start, apart
  const start = process.hrtime.bigint();
  const end = start + BigInt(Math.round(seconds * 1e9));
  const windows = [[]];
  for (;;) {
    const t0 = process.hrtime.bigint();
    await session.run(feeds);
    const t1 = process.hrtime.bigint();
    const w = Math.floor(Number(t1 - start) / windowNs);
    while (windows.length <= w) windows.push([]);
    windows[w].push(Number(t1 - t0));
    if (t1 > end) break;
  }
  // A window with no call in it (the process was preempted through it) has no median: null.
  console.log(JSON.stringify(windows.map((w) => (w.length > 0 ? median(w) : null))));
} else {
  const runs = [];
  for (let p = 0; p < Number(processesArg); p++) {
    const r = spawnSync(process.execPath, [fileURLToPath(import.meta.url), processesArg, secondsArg, windowArg, "child"], { encoding: "utf8" });
    if (r.status !== 0) throw new Error(r.stderr);
    runs.push(JSON.parse(r.stdout));
  }
  const n = Math.min(...runs.map((r) => r.length)) - 1; // the last window is partial
  console.log(`${runs.length} fresh processes, median latency per ${windowArg} ms window of calls after the cold start (µs): across processes median / lowest`);
  for (let w = 0; w < n; w++) {
    const xs = runs.map((r) => r[w]).filter((x) => x !== null);
    console.log(
      `${((w * windowNs) / 1e6).toFixed(0).padStart(5)} ms  ${(median(xs) / 1e3).toFixed(1).padStart(6)}  ${(Math.min(...xs) / 1e3).toFixed(1).padStart(6)}`,
    );
  }
}

function median(xs) {
  const s = Float64Array.from(xs).sort();
  const h = (s.length - 1) / 2;
  return (s[Math.floor(h)] + s[Math.ceil(h)]) / 2;
}
