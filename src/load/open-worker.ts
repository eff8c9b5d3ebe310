/** A worker thread of a multi-threaded open loop (open-workers.ts): its share of the rate, on its own pool and event loop. */
import { parentPort, workerData } from "node:worker_threads";
import { openLoopHttpThread } from "./open-thread.js";
import type { WorkerInput, WorkerOutput } from "./open-workers.js";
import type { HttpRequestSpec } from "./types.js";

const port = parentPort;
if (!port) throw new Error("open-worker.ts runs in a worker thread");
const input = workerData as WorkerInput;
const abort = new AbortController();
let validate: HttpRequestSpec["validate"];
const v = input.options.request.validator;
if (v) {
  validate = ((await import(v.module)) as Record<string, HttpRequestSpec["validate"]>)[v.name];
  // A check that cannot be found must fail the cell, not let every response pass unchecked.
  if (typeof validate !== "function") throw new Error(`open loop worker: ${v.module} exports no function '${v.name}' to check the responses with`);
}

const origin = await new Promise<bigint>((resolve) => {
  port.on("message", (m: { origin?: string; abort?: true }) => {
    if (m.origin !== undefined) resolve(BigInt(m.origin));
    if (m.abort) abort.abort();
  });
  port.postMessage({ ready: true });
});
const d = await openLoopHttpThread({
  ...input.options,
  request: { ...input.options.request, ...(validate ? { validate } : {}) },
  signal: abort.signal,
  origin: origin + BigInt(Math.round(input.phaseNs)),
  keepEnds: true,
});
const output: WorkerOutput = { result: d.result, endsNs: d.endsNs, lag: d.lag, loop: d.loop };
port.postMessage({ output }, [d.result.latenciesNs.buffer as ArrayBuffer, d.endsNs.buffer as ArrayBuffer]);
port.close();
