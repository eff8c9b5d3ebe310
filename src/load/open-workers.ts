import { Worker } from "node:worker_threads";
import type { RecordableHistogram } from "node:perf_hooks";
import { monotonicClock } from "../util/clock.js";
import { type GeneratorHealth, MIN_SENT_SHARE, mergeHealth } from "./health.js";
import { defaultInFlightCap, LAGGED_FRACTION } from "./open.js";
import { defaultConnections, type OpenLoopHttpOptions } from "./open-thread.js";
import { errorCount } from "./recorder.js";
import { type LoadErrors, type LoadResult, emptyErrors, ERROR_KINDS } from "./types.js";

/** What the main thread gives a worker (structured-cloned: no functions). */
export interface WorkerInput {
  options: Omit<OpenLoopHttpOptions, "signal" | "workers"> & { request: Omit<OpenLoopHttpOptions["request"], "validate"> };
  /** Added to the shared origin: a fixed schedule's phase, so the workers' arrivals interleave. */
  phaseNs: number;
}

/** What a worker hands back. */
export interface WorkerOutput {
  result: LoadResult;
  endsNs: Float64Array;
  lag: RecordableHistogram;
  loop: RecordableHistogram;
}

/** How long the workers get to load their modules before the shared start, at most. */
const READY_TIMEOUT_MS = 30_000;
/** The shared start is this long after the last worker said it is ready. */
const START_DELAY_NS = 20e6;

/** The worker's entry: the compiled .js next to this file, or (tests, tsx) the .ts source through tsx's loader. */
function spawn(input: WorkerInput): Worker {
  const here = import.meta.url;
  if (here.endsWith(".ts")) {
    const url = new URL("./open-worker.ts", here).href;
    const tsx = import.meta.resolve("tsx/esm/api");
    const code = `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(url)}); })`;
    return new Worker(code, { eval: true, workerData: input });
  }
  return new Worker(new URL("./open-worker.js", here), { workerData: input });
}

const share = (total: number, workers: number, i: number) => Math.floor(total / workers) + (i < total % workers ? 1 : 0);

/**
 * The open loop on `workers` worker threads: each sends rate / workers on its own schedule
 * (Poisson: independent seeds, whose superposition is Poisson at the full rate; fixed: phases
 * interleaved), through its own pool of connections / workers, and watches its own health; all
 * start from one origin on the shared monotonic clock. The parts merge exactly: latencies in
 * order of completion, error counts summed, send-lag and event-loop histograms added.
 */
export async function openLoopHttpWorkers(o: OpenLoopHttpOptions, workers: number): Promise<LoadResult> {
  const { validate: _validate, ...request } = o.request;
  const connections = o.connections ?? defaultConnections(o.ratePerS);
  const gapNs = 1e9 / o.ratePerS;
  const cap = o.maxInFlight ?? defaultInFlightCap(o.ratePerS, o.request.timeoutMs);
  const threads = Array.from({ length: workers }, (_, i) =>
    spawn({
      options: {
        request,
        ratePerS: o.ratePerS / workers,
        arrival: o.arrival,
        durationMs: o.durationMs,
        ...(o.maxRequests !== undefined ? { maxRequests: Math.max(1, share(o.maxRequests, workers, i)) } : {}),
        seed: o.seed * 1009 + i,
        // A replayed trace is dealt out request by request: worker i sends the i-th, the (i + workers)-th, …
        ...(o.scheduleNs ? { scheduleNs: o.scheduleNs.filter((_, k) => k % workers === i) } : {}),
        connections: Math.max(1, share(connections, workers, i)),
        pipelining: o.pipelining,
        // A listed schedule's warm-up requests are dealt out with the rest: worker i has those at i, i + workers, …
        warmupRequests:
          o.warmupRequests !== undefined ? (o.scheduleNs ? share(o.warmupRequests, workers, i) : Math.ceil(o.warmupRequests / workers)) : undefined,
        maxInFlight: Math.max(1, share(cap, workers, i)),
        pacing: o.pacing,
      },
      phaseNs: o.arrival === "fixed" && !o.scheduleNs ? i * gapNs : 0,
    }),
  );
  const onAbort = () => {
    for (const t of threads) t.postMessage({ abort: true });
  };
  try {
    const outputs = await new Promise<WorkerOutput[]>((resolve, reject) => {
      const outs: (WorkerOutput | undefined)[] = new Array<WorkerOutput | undefined>(workers);
      let ready = 0;
      let got = 0;
      const readyTimer = setTimeout(() => reject(new Error(`open loop: the worker threads were not ready within ${READY_TIMEOUT_MS} ms`)), READY_TIMEOUT_MS);
      threads.forEach((t, i) => {
        t.on("message", (m: { ready?: true; output?: WorkerOutput }) => {
          if (m.ready && ++ready === workers) {
            clearTimeout(readyTimer);
            const origin = (monotonicClock() + BigInt(START_DELAY_NS)).toString();
            for (const w of threads) w.postMessage({ origin });
            if (o.signal?.aborted) onAbort();
            else o.signal?.addEventListener("abort", onAbort, { once: true });
          }
          if (m.output) {
            outs[i] = m.output;
            if (++got === workers) resolve(outs as WorkerOutput[]);
          }
        });
        t.on("error", (err) => {
          clearTimeout(readyTimer);
          reject(err);
        });
        t.on("exit", (code) => {
          if (outs[i] === undefined) {
            clearTimeout(readyTimer);
            reject(new Error(`open loop: worker thread ${i} exited (code ${code}) without a result`));
          }
        });
      });
    });
    return mergeParts(outputs, o.ratePerS);
  } finally {
    o.signal?.removeEventListener("abort", onAbort);
    await Promise.all(threads.map((t) => t.terminate()));
  }
}

/** The workers' results as one: exact (latencies merged in completion order, counts summed, histograms added). */
export function mergeParts(parts: readonly WorkerOutput[], ratePerS: number): LoadResult {
  const n = parts.reduce((a, p) => a + p.result.latenciesNs.length, 0);
  const latenciesNs = new Float64Array(n);
  // A k-way merge by completion time (each part is in its own completion order).
  const at = parts.map(() => 0);
  for (let k = 0; k < n; k++) {
    let best = -1;
    let bestEnd = Number.POSITIVE_INFINITY;
    for (let i = 0; i < parts.length; i++) {
      const p = parts[i] as WorkerOutput;
      const j = at[i] as number;
      if (j < p.endsNs.length && (p.endsNs[j] as number) < bestEnd) {
        best = i;
        bestEnd = p.endsNs[j] as number;
      }
    }
    latenciesNs[k] = (parts[best] as WorkerOutput).result.latenciesNs[at[best] as number] as number;
    at[best] = (at[best] as number) + 1;
  }
  const errors: LoadErrors = emptyErrors();
  for (const { result: r } of parts) {
    for (const kind of ERROR_KINDS) errors[kind] = (errors[kind] ?? 0) + (r.errors[kind] ?? 0);
    for (const [code, c] of Object.entries(r.errors.status)) errors.status[code] = (errors.status[code] ?? 0) + c;
  }
  const healthParts = parts.flatMap((p) => (p.result.generator ? [{ health: p.result.generator, lag: p.lag, loop: p.loop }] : []));
  const generator: GeneratorHealth = mergeHealth(healthParts, { cpuPercent: Math.max(0, ...healthParts.map((p) => p.health.cpuPercent)) });
  const scheduled = generator.scheduled ?? 0;
  const ok = parts.reduce((a, p) => a + p.result.ok, 0);
  const count = errorCount(errors);
  return {
    latenciesNs,
    sent: ok + count,
    ok,
    errors,
    errorCount: count,
    durationNs: Math.max(0, ...parts.map((p) => p.result.durationNs)),
    targetRate: ratePerS,
    achievedRate: parts.reduce((a, p) => a + p.result.achievedRate, 0),
    generatorLagged:
      scheduled > 0 && (generator.sent / scheduled < MIN_SENT_SHARE || (generator.lateSends ?? 0) / Math.max(1, generator.sent) > LAGGED_FRACTION),
    maxDispatchLagNs: Math.max(0, ...parts.map((p) => p.result.maxDispatchLagNs)),
    generator,
  };
}
