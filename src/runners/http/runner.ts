import { type GeneratedTensor, generateTensor } from "../../inputs/generate.js";
import { type ModelInput, planInputs } from "../../inputs/plan.js";
import { closedLoopHttp } from "../../load/closed-http.js";
import { HttpClient, type HttpResponse } from "../../load/http-client.js";
import { openLoopHttp } from "../../load/open-http.js";
import { loadTraceEntries, replayInFlightCap, replaySchedule } from "../../load/replay.js";
import type { HttpRequestSpec } from "../../load/types.js";
import { arrivalSeed, type PlannedCell } from "../../suite/expand.js";
import { errorMessage } from "../../errors.js";
import { expandEnv, scrub } from "../../suite/env.js";
import type { ResolvedHttpTarget } from "../../suite/resolve.js";
import type { PreparedCell, Runner } from "../runner.js";
import { encodeInferRequest, fetchModelMetadata, inferUrl, KSERVE_CONTENT_TYPE, validateInferResponse } from "./kserve.js";
import { renderTemplate, validateJsonResponse } from "./json-template.js";
import { describeRequestError } from "./send-errors.js";
import { encodePredictRequest, predictUrl, TFSERVING_CONTENT_TYPE, validatePredictResponse } from "./tfserving.js";
import { nsToMs } from "../../stats/metrics.js";
import { prepareGenerative } from "./generative.js";

/**
 * A remote model behind an HTTP server. prepare() reads the model's metadata (KServe v2) or the
 * suite's input specs, generates the inputs from the seed with the cell's batch, and encodes the
 * request body once; the load loops then send that same body.
 */
export const httpRunner: Runner = {
  unavailable: () => undefined,

  async prepare(cell, seed) {
    const target = cell.targetSpec;
    if (target.kind !== "http") throw new Error(`${cell.id}: not a remote cell`);
    if (target.generate !== null) return prepareGenerative(cell, { ...target, generate: target.generate }, seed);
    // Values expanded from ${ENV} (tokens in a URL, say) never reach a message that is printed or stored.
    const secrets = new Set<string>();
    const scrubbed = <T>(work: () => Promise<T>) =>
      work().catch((err: unknown) => {
        throw new Error(scrub(errorMessage(err), secrets));
      });
    const started = process.hrtime.bigint();
    const spec = await scrubbed(() => buildRequest(cell, target, seed, secrets));
    const sessionCreateMs = nsToMs(Number(process.hrtime.bigint() - started));
    const client = await scrubbed(() => new Promise<HttpClient>((resolve) => resolve(new HttpClient(spec, 1))));
    return {
      sessionCreateMs,
      itemsPerCall: cell.batch,
      call: () => scrubbed(() => sendOnce(client, spec)),
      runLoad: (signal, at, stepSeed = seed) =>
        scrubbed(() => {
          const load = at?.load ?? cell.load;
          const plan = target.load;
          const durationMs = at?.durationMs ?? plan.durationMs;
          const maxRequests = at ? undefined : plan.maxRequests;
          const common = { request: spec, durationMs, ...(maxRequests !== undefined ? { maxRequests } : {}), warmupRequests: plan.warmupRequests, signal };
          if (load.mode === "closed") return closedLoopHttp({ ...common, connections: load.concurrency });
          if (load.mode === "open" && plan.trace) {
            // Trace replay: the warm-up goes before the trace, and every request of the trace is measured.
            const replay = replaySchedule(plan.trace, loadTraceEntries(plan.trace), load.rate, {
              shard: cell.loadShard,
              warmup: plan.warmupRequests,
              capMs: at?.durationMs,
            });
            return openLoopHttp({
              ...common,
              durationMs: replay.durationMs,
              warmupRequests: replay.warmup,
              ratePerS: load.rate,
              arrival: "fixed",
              scheduleNs: replay.scheduleNs,
              maxInFlight: replayInFlightCap(replay, load.rate, spec.timeoutMs),
              seed: 0,
              connections: plan.connections,
              workers: plan.workers,
            }).then((r) => ({ ...r, trace: replay.info }));
          }
          if (load.mode === "open")
            return openLoopHttp({
              ...common,
              ratePerS: load.rate,
              arrival: plan.arrival === "trace" ? "poisson" : plan.arrival,
              seed: arrivalSeed(cell, stepSeed),
              connections: plan.connections,
              workers: plan.workers,
            });
          throw new RangeError(`${cell.id}: not a load cell`);
        }),
      release: () => client.close(),
    } satisfies PreparedCell;
  },
};

async function buildRequest(cell: PlannedCell, t: ResolvedHttpTarget, seed: number, secrets: Set<string>): Promise<HttpRequestSpec> {
  const endpoint = await resolveEndpoint(cell, t, secrets);
  const { plans, errors } = planInputs(endpoint.inputs, t.inputs, t.dims, cell.batch);
  if (errors.length > 0) throw new Error(errors.join("; "));
  return encodeRequest(
    cell,
    t,
    endpoint,
    plans.map((p) => generateTensor(p, seed)),
  );
}

/** Where a cell's requests go: URL, model name and headers with `${ENV}` expanded, and the model's inputs. */
export interface Endpoint {
  base: string;
  model: string;
  headers: Record<string, string>;
  inputs: ModelInput[];
}

export async function resolveEndpoint(cell: PlannedCell, t: ResolvedHttpTarget, secrets: Set<string>): Promise<Endpoint> {
  const env = process.env;
  const base = expandEnv(t.url, env, secrets);
  const model = expandEnv(cell.variantSpec.model, env, secrets);
  const headers = Object.fromEntries(Object.entries(t.headers).map(([k, v]) => [k, expandEnv(v, env, secrets)]));
  const inputs: ModelInput[] = t.protocol === "kserve-v2" ? await fetchModelMetadata(base, model, headers, t.timeoutMs) : suiteInputs(t);
  return { base, model, headers, inputs };
}

/** The request that carries `tensors` to the cell's model in the target's protocol. */
export function encodeRequest(
  cell: PlannedCell,
  t: ResolvedHttpTarget,
  { base, model, headers }: Endpoint,
  tensors: readonly GeneratedTensor[],
): HttpRequestSpec {
  const common = { method: t.method, timeoutMs: t.timeoutMs } as const;
  switch (t.protocol) {
    case "kserve-v2":
      return {
        ...common,
        url: inferUrl(base, model),
        headers: { "content-type": KSERVE_CONTENT_TYPE, ...headers },
        body: encodeInferRequest(tensors),
        validate: validateInferResponse,
        validator: { module: new URL("./kserve.js", import.meta.url).href, name: "validateInferResponse" },
      };
    case "tfserving":
      return {
        ...common,
        url: predictUrl(base, model, t.tfserving.version),
        headers: { "content-type": TFSERVING_CONTENT_TYPE, ...headers },
        body: encodePredictRequest(tensors, { format: t.tfserving.format, ...(t.tfserving.signatureName ? { signatureName: t.tfserving.signatureName } : {}) }),
        validate: validatePredictResponse,
        validator: { module: new URL("./tfserving.js", import.meta.url).href, name: "validatePredictResponse" },
      };
    case "json":
      return {
        ...common,
        url: cell.variantSpec.name === "default" ? base : model,
        headers: { "content-type": "application/json", ...headers },
        body: renderTemplate(t.body ?? "", tensors),
        validate: validateJsonResponse,
        validator: { module: new URL("./json-template.js", import.meta.url).href, name: "validateJsonResponse" },
      };
    case "openai-chat":
    case "openai-completions":
      throw new Error(`${cell.id}: a streaming protocol has no single request body (see generative.ts)`);
  }
}

/** Without a metadata endpoint, the suite's input specs are the model's inputs. */
function suiteInputs(t: ResolvedHttpTarget): ModelInput[] {
  return Object.entries(t.inputs).map(([name, s]) => ({ name, type: s.dtype ?? "float32", shape: s.shape ?? [] }));
}

/** One request that must succeed: the cold start, the warm-up and the calls of a remote cell timed one at a time. */
async function sendOnce(client: HttpClient, spec: HttpRequestSpec): Promise<void> {
  let res: HttpResponse;
  try {
    res = await client.send(AbortSignal.timeout(spec.timeoutMs));
  } catch (err) {
    throw new Error(`${spec.method} ${spec.url}: ${describeRequestError(err, spec.timeoutMs, spec.maxResponseBytes)}`);
  }
  if (res.status < 200 || res.status > 299) throw new Error(`${spec.url} answered ${res.status}: ${res.body.toString("utf8", 0, 200)}`);
  if (spec.validate && !spec.validate(res.status, res.body)) throw new Error(`${spec.url} answered a malformed response: ${res.body.toString("utf8", 0, 200)}`);
}
