import { HealthMonitor } from "../../load/health.js";
import { defaultInFlightCap, runOpenLoop } from "../../load/open.js";
import { LoadRecorder } from "../../load/recorder.js";
import type { Arrival } from "../../load/schedule.js";
import type { GenerativeSamples, LoadResult, StreamFaultCounts } from "../../load/types.js";
import { msToNs } from "../../stats/metrics.js";
import { type Clock, monotonicClock } from "../../util/clock.js";
import type { StreamClient, StreamRecord } from "./stream.js";
import type { CountTokens } from "./tokenizer.js";

/** Sends the i-th request of the workload (its body is built from the index), from `startNs`. */
export type SendStream = (index: number, startNs: bigint) => Promise<StreamRecord>;

/** How long past the timeout the closed loop's drain waits for a request before it gives up on it. */
const DRAIN_SLACK_MS = 500;

/**
 * Turns the measured streams into per-request values. Token counts are made here, after the
 * load, so a tokenizer never runs inside the measured phase: the server's usage first; else the
 * local tokenizer on the whole joined text; else the number of text chunks (said so in
 * tokenSource). When both a usage and a local tokenizer exist, every request is counted both ways
 * and the differences are reported (tokenizerCheck): a wrong tokenizer shows.
 */
export function generativeSamples(records: readonly StreamRecord[], count: CountTokens | null, tokenizer: string | null): GenerativeSamples {
  const ok = records.filter((r) => r.outcome.kind === "ok");
  const n = ok.length;
  const ttftNs = new Float64Array(n);
  const e2eNs = new Float64Array(n);
  const tpotNs = new Float64Array(n);
  const outputTokens = new Float64Array(n);
  const inputTokens = new Float64Array(n);
  const itlOffsets = new Uint32Array(n + 1);
  const itl: number[] = [];
  const tokenSource = { usage: 0, tokenizer: 0, chunks: 0 };
  const tokenizerCheck = { compared: 0, differing: 0, maxAbsDiff: 0, usageTotal: 0, tokenizerTotal: 0 };
  const faults: StreamFaultCounts = { errorEvents: 0, stalls: 0, cuts: 0, malformedEvents: 0, noTokens: 0, emptyChunks: 0, multiTokenChunks: 0 };
  for (const r of records) {
    faults.emptyChunks += r.emptyChunks;
    if (r.fault === "errorEvent") faults.errorEvents++;
    else if (r.fault === "stall") faults.stalls++;
    else if (r.fault === "cut") faults.cuts++;
    else if (r.fault === "malformedEvent") faults.malformedEvents++;
    else if (r.fault === "noTokens") faults.noTokens++;
  }
  ok.forEach((r, i) => {
    const local = count !== null ? count(r.text) : null;
    let tokens: number;
    if (r.usage !== null) {
      tokens = r.usage.completionTokens;
      tokenSource.usage++;
      if (local !== null) {
        tokenizerCheck.compared++;
        tokenizerCheck.usageTotal += tokens;
        tokenizerCheck.tokenizerTotal += local;
        const diff = Math.abs(local - tokens);
        if (diff > 0) tokenizerCheck.differing++;
        tokenizerCheck.maxAbsDiff = Math.max(tokenizerCheck.maxAbsDiff, diff);
      }
    } else if (local !== null) {
      tokens = local;
      tokenSource.tokenizer++;
    } else {
      tokens = r.contentNs.length;
      tokenSource.chunks++;
    }
    const first = r.contentNs[0] ?? Number.NaN;
    const e2e = Number(r.endNs - r.startNs);
    ttftNs[i] = first;
    e2eNs[i] = e2e;
    outputTokens[i] = tokens;
    tpotNs[i] = tokens >= 2 ? (e2e - first) / (tokens - 1) : Number.NaN;
    inputTokens[i] = r.usage?.promptTokens ?? r.plannedInputTokens ?? Number.NaN;
    if (tokens > r.contentNs.length) faults.multiTokenChunks++;
    itlOffsets[i] = itl.length;
    for (let k = 1; k < r.contentNs.length; k++) itl.push((r.contentNs[k] as number) - (r.contentNs[k - 1] as number));
  });
  itlOffsets[n] = itl.length;
  let first: bigint | null = null;
  let last: bigint | null = null;
  for (const r of records) {
    if (first === null || r.startNs < first) first = r.startNs;
    if (last === null || r.endNs > last) last = r.endNs;
  }
  const spanNs = first !== null && last !== null ? Number(last - first) : 0;
  return {
    spanNs,
    ttftNs,
    e2eNs,
    tpotNs,
    outputTokens,
    inputTokens,
    itlNs: Float64Array.from(itl),
    itlOffsets,
    tokenSource,
    tokenizer,
    tokenizerCheck,
    faults,
  };
}

interface LoopCommon {
  send: SendStream;
  durationMs: number;
  maxRequests?: number | undefined;
  warmupRequests: number;
  timeoutMs: number;
  signal?: AbortSignal | undefined;
  count: CountTokens | null;
  tokenizer: string | null;
  clock?: Clock;
}

/**
 * Open loop: requests start at their scheduled times (fixed or Poisson) through the shared engine
 * (src/load/open.ts), each timed from its scheduled start, so a stalled server shows in every
 * request queued behind it. The warm-up requests go first, a few at a time, outside the schedule.
 */
export async function openLoopStream(
  o: LoopCommon & {
    ratePerS: number;
    arrival: Arrival;
    seed: number;
    /** Trace replay: the whole schedule (ns from the start), and the send of its i-th request (warm-up goes through `send`). */
    replay?: { scheduleNs: Float64Array; send: SendStream; maxInFlight: number };
  },
): Promise<LoadResult> {
  const clock = o.clock ?? monotonicClock;
  let index = await warmup(o, clock);
  const records: StreamRecord[] = [];
  const result = await runOpenLoop({
    ratePerS: o.ratePerS,
    arrival: o.arrival,
    durationMs: o.durationMs,
    maxRequests: o.maxRequests,
    seed: o.seed,
    scheduleNs: o.replay?.scheduleNs,
    warmupRequests: 0,
    signal: o.signal,
    timeoutMs: o.timeoutMs,
    maxInFlight: o.replay?.maxInFlight ?? defaultInFlightCap(o.ratePerS, o.timeoutMs),
    clock,
    send: async (scheduledNs, at) => {
      const rec = await (o.replay ? o.replay.send(at, scheduledNs) : o.send(index++, scheduledNs));
      records.push(rec);
      return { outcome: rec.outcome, endNs: rec.endNs };
    },
  });
  return { ...result, generative: generativeSamples(records, o.count, o.tokenizer) };
}

/** Warm-up requests, up to 8 at a time, bounded by the cell's duration; returns the next request index. */
async function warmup(o: LoopCommon, clock: Clock): Promise<number> {
  let index = 0;
  const deadline = clock() + BigInt(Math.round(msToNs(Math.max(1000, o.durationMs))));
  const worker = async (): Promise<void> => {
    while (index < o.warmupRequests && clock() < deadline && !o.signal?.aborted) await o.send(index++, clock());
  };
  await Promise.all(Array.from({ length: Math.min(8, o.warmupRequests) }, worker));
  return index;
}

/**
 * Closed loop: `concurrency` workers, each sending its next request when its last stream ended.
 * The first `warmupRequests` outcomes are not measured; after `durationMs` nothing more is sent,
 * and streams in flight are awaited (each ends by its own timeout) and counted, as in the other
 * loops. Latencies run from each request's send: in a closed loop that is when it was due.
 */
export async function closedLoopStream(o: LoopCommon & { concurrency: number }): Promise<LoadResult> {
  const clock = o.clock ?? monotonicClock;
  const recorder = new LoadRecorder();
  const health = new HealthMonitor();
  const records: StreamRecord[] = [];
  const maxRequests = o.maxRequests ?? Number.POSITIVE_INFINITY;
  let index = 0;
  let seen = 0;
  let measuring = o.warmupRequests === 0;
  let windowStart = clock();
  let deadline = windowStart + BigInt(Math.round(msToNs(o.durationMs)));
  const warmupDeadline = windowStart + BigInt(Math.round(msToNs(Math.max(1000, o.durationMs))));
  const startMeasuring = (): void => {
    measuring = true;
    health.start();
    windowStart = clock();
    deadline = windowStart + BigInt(Math.round(msToNs(o.durationMs)));
  };
  if (measuring) health.start();
  const stopped = (): boolean => (measuring && (clock() >= deadline || recorder.count >= maxRequests)) || o.signal?.aborted === true;

  const worker = async (): Promise<void> => {
    while (!stopped()) {
      if (!measuring && clock() >= warmupDeadline) startMeasuring();
      const measured = measuring;
      health.began();
      const rec = await o.send(index++, clock());
      health.ended();
      if (!measured) {
        if (++seen >= o.warmupRequests && !measuring) startMeasuring();
        continue;
      }
      if (recorder.count >= maxRequests) continue;
      recorder.record(rec.outcome, Number(rec.endNs - rec.startNs));
      records.push(rec);
    }
  };
  const all = Promise.all(Array.from({ length: o.concurrency }, worker));
  let backstop: NodeJS.Timeout | undefined;
  await Promise.race([all, new Promise<void>((r) => (backstop = setTimeout(r, o.durationMs * 2 + o.timeoutMs + DRAIN_SLACK_MS + 1000)))]);
  clearTimeout(backstop);
  const end = clock();
  const durationNs = Number(end - windowStart);
  const generator = health.finish({ targetRate: null, scheduled: null, sent: recorder.count, dropped: 0, windowNs: durationNs, inFlightCap: o.concurrency });
  return {
    ...recorder.result({ durationNs, targetRate: null }),
    generator: { ...generator, maxInFlight: o.concurrency },
    generative: generativeSamples(records, o.count, o.tokenizer),
  };
}

/** A StreamClient's send with the workload's bodies. */
export function streamSender(client: StreamClient, body: (index: number) => { body: string; plannedInputTokens: number | null }): SendStream {
  return async (index, startNs) => {
    const b = body(index);
    const rec = await client.send(b.body, startNs);
    rec.plannedInputTokens = b.plannedInputTokens;
    return rec;
  };
}
