import { defaultInFlightCap } from "../../load/open.js";
import { loadTraceEntries, replayInFlightCap, replaySchedule } from "../../load/replay.js";
import type { TraceEntry } from "../../suite/trace.js";
import { describeLoadErrors } from "../../load/recorder.js";
import { emptyErrors } from "../../load/types.js";
import { errorMessage } from "../../errors.js";
import { expandEnv, scrub } from "../../suite/env.js";
import { arrivalSeed, type PlannedCell } from "../../suite/expand.js";
import type { ResolvedGenerate, ResolvedHttpTarget } from "../../suite/resolve.js";
import { monotonicClock } from "../../util/clock.js";
import { nsToMs } from "../../stats/metrics.js";
import type { PreparedCell } from "../runner.js";
import { closedLoopStream, openLoopStream, streamSender } from "./generative-load.js";
import { encodeGenerationBody, isOpenAiProtocol, openAiUrl } from "./openai.js";
import { StreamClient, type StreamRecord } from "./stream.js";
import { loadTokenizer } from "./tokenizer.js";
import { traceRequest, workloadRequests } from "./workload.js";

/** The requests timed one at a time (cold start, warm-up) use indices from here, apart from the load's. */
const SINGLE_CALL_INDEX = 1 << 30;
/** A replayed trace's i-th request is built from the workload's request REPLAY_INDEX + i (not a warm-up request's prompt again). */
const REPLAY_INDEX = 1 << 29;

/**
 * A streaming (OpenAI-compatible) cell: the workload's bodies are built per request from the seed
 * (the i-th request is the same in every run with that seed), the tokenizer, if the suite names
 * one, is loaded here, outside every timed phase.
 */
export async function prepareGenerative(cell: PlannedCell, t: ResolvedHttpTarget & { generate: ResolvedGenerate }, seed: number): Promise<PreparedCell> {
  const protocol = t.protocol;
  if (!isOpenAiProtocol(protocol)) throw new Error(`${cell.id}: ${protocol} is not a streaming protocol`);
  const g = t.generate;
  const secrets = new Set<string>();
  const scrubbed = <T>(work: () => Promise<T>) =>
    work().catch((err: unknown) => {
      throw new Error(scrub(errorMessage(err), secrets));
    });
  const started = process.hrtime.bigint();
  const env = process.env;
  const url = openAiUrl(expandEnv(t.url, env, secrets), protocol);
  const model = expandEnv(cell.variantSpec.model, env, secrets);
  const headers = { "content-type": "application/json", ...Object.fromEntries(Object.entries(t.headers).map(([k, v]) => [k, expandEnv(v, env, secrets)])) };
  const requests = await scrubbed(() => Promise.resolve(workloadRequests({ promptsFile: g.prompts, input: g.input, output: g.output }, seed)));
  const bodyOf = (index: number, entry?: TraceEntry) => {
    const r = entry ? traceRequest(requests(index), entry, seed, index) : requests(index);
    return {
      body: encodeGenerationBody(protocol, r, { model, ignoreEos: g.ignoreEos, minTokens: g.minTokens, extra: g.params }),
      plannedInputTokens: r.plannedInputTokens,
    };
  };
  const count = g.tokenizer !== null ? await loadTokenizer(g.tokenizer) : null;
  const spec = { url, headers, timeoutMs: t.timeoutMs, method: "POST" as const, body: undefined };
  const clock = monotonicClock;
  const single = new StreamClient(spec, 1, clock, g.stallMs);
  const sessionCreateMs = nsToMs(Number(process.hrtime.bigint() - started));
  let calls = SINGLE_CALL_INDEX;
  return {
    sessionCreateMs,
    itemsPerCall: 1,
    notes: [],
    call: () =>
      scrubbed(async () => {
        const b = bodyOf(calls++);
        const rec = await single.send(b.body, clock());
        if (rec.outcome.kind !== "ok") throw new Error(`POST ${url}: ${describeStream(rec)}`);
      }),
    // `at`: another load and duration than the cell's (a step of `bench capacity`), with that step's arrival seed.
    runLoad: (signal, at, stepSeed = seed) =>
      scrubbed(async () => {
        const load = at?.load ?? cell.load;
        const plan = t.load;
        const maxRequests = at ? undefined : plan.maxRequests;
        const connections =
          load.mode === "closed" ? load.concurrency : load.mode === "open" ? (plan.connections ?? defaultInFlightCap(load.rate, t.timeoutMs)) : 1;
        const client = new StreamClient(spec, connections, clock, g.stallMs);
        const common = {
          send: streamSender(client, bodyOf),
          durationMs: at?.durationMs ?? plan.durationMs,
          maxRequests,
          warmupRequests: plan.warmupRequests,
          timeoutMs: t.timeoutMs,
          signal,
          count,
          tokenizer: g.tokenizer,
          clock,
        };
        try {
          if (load.mode === "closed") return await closedLoopStream({ ...common, concurrency: load.concurrency });
          if (load.mode === "open" && plan.trace) {
            // Trace replay: each line's request at its time, its input/output lengths or prompt over the workload's.
            const replay = replaySchedule(plan.trace, loadTraceEntries(plan.trace), load.rate, { shard: cell.loadShard, capMs: at?.durationMs });
            const entries = replay.entries;
            const send = streamSender(client, (i) => bodyOf(REPLAY_INDEX + i, entries[i]));
            const r = await openLoopStream({
              ...common,
              durationMs: replay.durationMs,
              ratePerS: load.rate,
              arrival: "fixed",
              seed: 0,
              replay: { scheduleNs: replay.scheduleNs, send, maxInFlight: replayInFlightCap(replay, load.rate, t.timeoutMs) },
            });
            return { ...r, trace: replay.info };
          }
          if (load.mode === "open")
            return await openLoopStream({
              ...common,
              ratePerS: load.rate,
              arrival: plan.arrival === "trace" ? "poisson" : plan.arrival,
              seed: arrivalSeed(cell, stepSeed),
            });
          throw new RangeError(`${cell.id}: not a load cell`);
        } finally {
          await client.close();
        }
      }),
    release: () => single.close(),
  } satisfies PreparedCell;
}

/** Why one stream failed, in the words of the load's error kinds. */
function describeStream(rec: StreamRecord): string {
  const errors = emptyErrors();
  if (rec.outcome.kind === "status") errors.status[String(rec.outcome.status)] = 1;
  else if (rec.outcome.kind !== "ok") errors[rec.outcome.kind] = 1;
  const fault = rec.fault !== null ? ` (${rec.fault})` : "";
  return `${describeLoadErrors(errors)}${fault}${rec.message !== null ? `: ${rec.message.slice(0, 200)}` : ""}`;
}
