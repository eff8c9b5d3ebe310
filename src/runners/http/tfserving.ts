import type { GeneratedTensor } from "../../inputs/generate.js";
import { jsonLiterals, nestedJson, rowJson } from "./values.js";

/**
 * TensorFlow Serving's REST predict API: POST /v1/models/NAME[/versions/N]:predict
 * (https://www.tensorflow.org/tfx/serving/api_rest). Two request formats:
 * - "instances" (row format): one entry per batch row; with one input each entry is that row's
 *   nested array, with several it is an object { input: row } (all inputs share the batch size).
 *   The answer is { "predictions": [...] }.
 * - "inputs" (columnar format): { "inputs": { name: nested tensor, ... } } with the batch
 *   dimension kept; the answer is { "outputs": ... }.
 */

export const TFSERVING_CONTENT_TYPE = "application/json";

export type PredictFormat = "instances" | "inputs";

export function predictUrl(baseUrl: string, model: string, version?: number): string {
  const base = baseUrl.endsWith("/") ? baseUrl.slice(0, -1) : baseUrl;
  return `${base}/v1/models/${encodeURIComponent(model)}${version !== undefined ? `/versions/${version}` : ""}:predict`;
}

export function encodePredictRequest(tensors: readonly GeneratedTensor[], options: { format: PredictFormat; signatureName?: string }): string {
  if (tensors.length === 0) throw new Error("a predict request needs at least one input tensor");
  const signature = options.signatureName !== undefined ? `"signature_name":${JSON.stringify(options.signatureName)},` : "";
  if (options.format === "inputs") {
    const fields = tensors.map((t) => `${JSON.stringify(t.name)}:${nestedJson(t)}`);
    return `{${signature}"inputs":{${fields.join(",")}}}`;
  }
  const batch = tensors[0]?.shape[0];
  for (const t of tensors) {
    if (t.shape.length === 0 || t.shape[0] !== batch) {
      throw new Error(`the instances format needs every input to have the same leading (batch) dimension; '${t.name}' has shape [${t.shape.join(",")}]`);
    }
  }
  const literals = tensors.map((t) => jsonLiterals(t));
  const rows: string[] = [];
  for (let r = 0; r < (batch ?? 0); r++) {
    if (tensors.length === 1) rows.push(rowJson(tensors[0] as GeneratedTensor, literals[0] ?? [], r));
    else rows.push(`{${tensors.map((t, k) => `${JSON.stringify(t.name)}:${rowJson(t, literals[k] ?? [], r)}`).join(",")}}`);
  }
  return `{${signature}"instances":[${rows.join(",")}]}`;
}

/** A 2xx JSON object with "predictions" (an array) or "outputs", and no "error". */
export function validatePredictResponse(status: number, body: Buffer | string): boolean {
  if (status < 200 || status > 299) return false;
  try {
    const doc: unknown = JSON.parse(body.toString());
    if (typeof doc !== "object" || doc === null || Array.isArray(doc)) return false;
    const d = doc as Record<string, unknown>;
    if ("error" in d) return false;
    return Array.isArray(d.predictions) || (d.outputs !== undefined && d.outputs !== null);
  } catch {
    return false;
  }
}

/** The predictions (row format) or outputs (columnar format) of a predict response. */
export function decodePredictResponse(body: Buffer | string): { predictions?: unknown[]; outputs?: unknown } {
  const doc: unknown = JSON.parse(body.toString());
  if (!validatePredictResponse(200, body)) throw new Error("predict response has neither 'predictions' nor 'outputs'");
  const d = doc as { predictions?: unknown[]; outputs?: unknown };
  return d.predictions !== undefined ? { predictions: d.predictions } : { outputs: d.outputs };
}
