import { request } from "undici";
import type { GeneratedTensor } from "../../inputs/generate.js";
import type { ModelInput } from "../../inputs/plan.js";
import { fromKserveDatatype, toKserveDatatype } from "./datatypes.js";
import { describeRequestError } from "./send-errors.js";
import { countLeaves, flatJson } from "./values.js";

/**
 * The Open Inference Protocol (KServe v2) over REST, JSON encoding:
 * https://kserve.github.io/website/latest/modelserving/data_plane/v2_protocol/
 * Metadata: GET /v2/models/NAME → { name, platform, inputs: [{ name, datatype, shape }], outputs }.
 * Inference: POST /v2/models/NAME/infer with { inputs: [{ name, datatype, shape, data }] }, data
 * flat in row-major order; the response has { model_name, outputs: [...] } of the same form.
 */

export const KSERVE_CONTENT_TYPE = "application/json";

export interface KserveTensor {
  name: string;
  datatype: string;
  shape: number[];
  /** Row-major, flattened. */
  data: (number | boolean | string)[];
}

export function inferUrl(baseUrl: string, model: string): string {
  return `${trimSlash(baseUrl)}/v2/models/${encodeURIComponent(model)}/infer`;
}

export function modelUrl(baseUrl: string, model: string): string {
  return `${trimSlash(baseUrl)}/v2/models/${encodeURIComponent(model)}`;
}

/**
 * The model's inputs as planInputs wants them: datatype names mapped to ours (FP32 → float32),
 * -1 for dynamic dimensions (planInputs takes the leading one as the batch). Throws an Error
 * naming the URL when the server does not answer 200 with valid metadata.
 */
export async function fetchModelMetadata(baseUrl: string, model: string, headers: Record<string, string>, timeoutMs = 10_000): Promise<ModelInput[]> {
  const url = modelUrl(baseUrl, model);
  let status: number;
  let text: string;
  try {
    // The signal bounds the whole exchange: undici's bodyTimeout is per chunk, and a body that trickles in never trips it.
    const signal = AbortSignal.timeout(timeoutMs);
    const res = await request(url, { method: "GET", headers, headersTimeout: timeoutMs, bodyTimeout: timeoutMs, signal });
    status = res.statusCode;
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of res.body) {
      size += (chunk as Buffer).length;
      if (size > MAX_METADATA_BYTES) {
        res.body.destroy();
        throw new Error(`the answer is over ${MAX_METADATA_BYTES} bytes; is this the model's metadata endpoint?`);
      }
      chunks.push(chunk as Buffer);
    }
    text = Buffer.concat(chunks).toString("utf8");
  } catch (err) {
    throw new Error(`cannot read model metadata from ${url}: ${describeRequestError(err, timeoutMs)}`);
  }
  if (status !== 200) throw new Error(`model metadata request ${url} answered ${status}: ${text.slice(0, 200)}`);
  return parseModelMetadata(text, url);
}

/** Model metadata is a few kilobytes; more than this is not metadata. */
const MAX_METADATA_BYTES = 4 * 1024 * 1024;

export function parseModelMetadata(text: string, source = "model metadata"): ModelInput[] {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw new Error(`${source}: response is not JSON`);
  }
  const inputs = isRecord(doc) ? doc.inputs : undefined;
  if (!Array.isArray(inputs)) throw new Error(`${source}: expected an 'inputs' array`);
  return inputs.map((raw, i) => {
    if (!isRecord(raw) || typeof raw.name !== "string" || typeof raw.datatype !== "string" || !Array.isArray(raw.shape)) {
      throw new Error(`${source}: inputs[${i}] needs name, datatype and shape`);
    }
    const shape = raw.shape.map((d, j) => {
      if (typeof d !== "number" || !Number.isInteger(d) || d < -1) throw new Error(`${source}: inputs[${i}].shape[${j}] is not a dimension`);
      return d;
    });
    return { name: raw.name, type: fromKserveDatatype(raw.datatype), shape };
  });
}

/** The JSON body of an inference request for these tensors (generated from the seed, batch already in the shape). */
export function encodeInferRequest(tensors: readonly GeneratedTensor[], options: { outputs?: readonly string[] } = {}): string {
  const inputs = tensors.map(
    (t) => `{"name":${JSON.stringify(t.name)},"datatype":"${toKserveDatatype(t.dtype)}","shape":${JSON.stringify(t.shape)},"data":${flatJson(t)}}`,
  );
  const outputs = options.outputs ? `,"outputs":${JSON.stringify(options.outputs.map((name) => ({ name })))}` : "";
  return `{"inputs":[${inputs.join(",")}]${outputs}}`;
}

/** A 2xx answer whose outputs are well formed: name, datatype, shape, and as many values as the shape holds. */
export function validateInferResponse(status: number, body: Buffer | string): boolean {
  if (status < 200 || status > 299) return false;
  try {
    return checkOutputs(JSON.parse(body.toString())) === undefined;
  } catch {
    return false;
  }
}

/** The outputs of an inference response, data flattened. Throws an Error saying what is wrong. */
export function decodeOutputs(body: Buffer | string): KserveTensor[] {
  let doc: unknown;
  try {
    doc = JSON.parse(body.toString());
  } catch {
    throw new Error("inference response is not JSON");
  }
  const problem = checkOutputs(doc);
  if (problem !== undefined) throw new Error(`inference response: ${problem}`);
  const outputs = (doc as { outputs: { name: string; datatype: string; shape: number[]; data: unknown[] }[] }).outputs;
  return outputs.map((o) => ({ name: o.name, datatype: o.datatype, shape: o.shape, data: o.data.flat(Infinity) as KserveTensor["data"] }));
}

function checkOutputs(doc: unknown): string | undefined {
  if (!isRecord(doc)) return "expected a JSON object";
  const { outputs } = doc;
  if (!Array.isArray(outputs) || outputs.length === 0) return "expected a non-empty 'outputs' array";
  for (const [i, o] of outputs.entries()) {
    if (!isRecord(o)) return `outputs[${i}] is not an object`;
    if (typeof o.name !== "string") return `outputs[${i}].name is not a string`;
    if (typeof o.datatype !== "string") return `outputs[${i}].datatype is not a string`;
    const { shape } = o;
    if (!Array.isArray(shape) || !shape.every((d) => typeof d === "number" && Number.isInteger(d) && d >= 0)) {
      return `outputs[${i}].shape is not a list of dimensions`;
    }
    const expected = (shape as number[]).reduce((a, b) => a * b, 1);
    const got = countLeaves(o.data);
    if (got !== expected) return `outputs[${i}] ('${o.name}') has ${got < 0 ? "no valid" : got} values for shape [${shape.join(",")}] (${expected})`;
  }
  return undefined;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function trimSlash(s: string): string {
  return s.endsWith("/") ? s.slice(0, -1) : s;
}
