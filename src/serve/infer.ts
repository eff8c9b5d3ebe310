import ort from "onnxruntime-node";
import { type TensorData, toFloat16Bits } from "../inputs/generate.js";
import { fromKserveDatatype, toKserveDatatype } from "../runners/http/datatypes.js";
import { jsonLiterals } from "../runners/http/values.js";
import { DTYPES } from "../suite/names.js";
import type { Dtype } from "../suite/schema.js";
import type { ServedModel } from "./models.js";

/** A request the client got wrong: answered with this status and { "error": message }. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = "HttpError";
  }
}

export interface InferRequest {
  id: string | undefined;
  feeds: Record<string, ort.Tensor>;
  /** Outputs to return, in order; all of the model's when the request names none. */
  outputs: string[];
}

const bad = (message: string): HttpError => new HttpError(400, message);

/**
 * Check an inference request against the model and build its feeds: every problem is a 400 that
 * says which input and what was expected, never an exception from onnxruntime.
 */
export function parseInferRequest(model: ServedModel, text: string): InferRequest {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw bad(`request body is not valid JSON: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (!isRecord(doc)) throw bad("request body must be a JSON object with an 'inputs' array");
  const { inputs, outputs, id } = doc;
  if (!Array.isArray(inputs) || inputs.length === 0) throw bad("'inputs' must be a non-empty array");
  if (id !== undefined && typeof id !== "string") throw bad("'id' must be a string");

  const feeds: Record<string, ort.Tensor> = {};
  for (const [i, raw] of inputs.entries()) {
    if (!isRecord(raw)) throw bad(`inputs[${i}] must be an object with name, datatype, shape and data`);
    const { name, datatype, shape, data } = raw;
    if (typeof name !== "string") throw bad(`inputs[${i}].name must be a string`);
    const meta = model.inputs.find((m) => m.name === name);
    if (meta === undefined) {
      throw bad(`model '${model.name}' has no input '${name}' (inputs: ${model.inputs.map((m) => m.name).join(", ")})`);
    }
    if (Object.hasOwn(feeds, name)) throw bad(`input '${name}' is given twice`);
    if (meta.dtype === undefined) throw bad(`input '${name}' has datatype ${meta.datatype}, which this server cannot take as JSON`);
    if (typeof datatype !== "string" || fromKserveDatatype(datatype) === undefined) {
      throw bad(`input '${name}': datatype must be one of BOOL, UINT8…UINT64, INT8…INT64, FP16, FP32, FP64; got ${JSON.stringify(datatype)}`);
    }
    if (datatype !== meta.datatype) throw bad(`input '${name}' has datatype ${meta.datatype}, got ${datatype}`);
    if (!Array.isArray(shape) || !shape.every((d) => typeof d === "number" && Number.isInteger(d) && d >= 0)) {
      throw bad(`input '${name}': shape must be a list of non-negative integers`);
    }
    const dims = shape as number[];
    if (dims.length !== meta.shape.length) {
      throw bad(`input '${name}' has ${meta.shape.length} dimensions [${meta.shape.join(",")}], got shape [${dims.join(",")}]`);
    }
    meta.shape.forEach((d, k) => {
      if (d > 0 && dims[k] !== d) throw bad(`input '${name}': dimension ${k} must be ${d}, got shape [${dims.join(",")}]`);
    });
    if (!Array.isArray(data)) throw bad(`input '${name}': data must be an array`);
    // Flat or nested as deep as the shape, no deeper: flattening an arbitrarily deep array would overflow the stack.
    const flat = data.flat(Math.max(0, dims.length - 1)) as unknown[];
    const expected = dims.reduce((a, b) => a * b, 1);
    if (flat.length !== expected) {
      throw bad(`input '${name}': shape [${dims.join(",")}] holds ${expected} values, data has ${flat.length}`);
    }
    feeds[name] = new ort.Tensor(meta.dtype, toTypedArray(name, meta.dtype, flat, dims), dims);
  }
  const missing = model.inputs.filter((m) => !Object.hasOwn(feeds, m.name)).map((m) => m.name);
  if (missing.length > 0) throw bad(`missing input${missing.length > 1 ? "s" : ""} ${missing.map((n) => `'${n}'`).join(", ")}`);

  let wanted = model.outputs.map((o) => o.name);
  if (outputs !== undefined) {
    if (!Array.isArray(outputs) || !outputs.every((o) => isRecord(o) && typeof o.name === "string")) {
      throw bad("'outputs' must be a list of { \"name\": ... }");
    }
    wanted = outputs.map((o) => (o as { name: string }).name);
    const unknown = wanted.filter((n) => !model.outputs.some((o) => o.name === n));
    if (unknown.length > 0) throw bad(`model '${model.name}' has no output '${unknown[0]}' (outputs: ${model.outputs.map((o) => o.name).join(", ")})`);
  }
  return { id, feeds, outputs: wanted };
}

function toTypedArray(name: string, dtype: Dtype, values: unknown[], dims: readonly number[]): TensorData {
  const isInt = !dtype.startsWith("float") && dtype !== "bool";
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    const ok = dtype === "bool" ? typeof v === "boolean" : typeof v === "number" && Number.isFinite(v) && (!isInt || Number.isInteger(v));
    if (!ok) {
      const want = dtype === "bool" ? "true or false" : isInt ? "an integer" : "a finite number";
      throw bad(`input '${name}': data[${i}] must be ${want}, got ${describeValue(v, dims)}`);
    }
  }
  const nums = values as number[];
  switch (dtype) {
    case "float32":
      return Float32Array.from(nums);
    case "float64":
      return Float64Array.from(nums);
    case "float16":
      return Uint16Array.from(nums, toFloat16Bits);
    case "bool":
      return Uint8Array.from(values as boolean[], (b) => (b ? 1 : 0));
    case "int8":
      return Int8Array.from(nums);
    case "uint8":
      return Uint8Array.from(nums);
    case "int16":
      return Int16Array.from(nums);
    case "uint16":
      return Uint16Array.from(nums);
    case "int32":
      return Int32Array.from(nums);
    case "uint32":
      return Uint32Array.from(nums);
    case "int64":
      return BigInt64Array.from(nums, (v) => BigInt(v));
    case "uint64":
      return BigUint64Array.from(nums, (v) => BigInt(v));
  }
}

/** The JSON answer to an inference request; non-finite output values (no JSON form) become null. */
export async function runInference(model: ServedModel, req: InferRequest): Promise<string> {
  const results = await model.session.run(req.feeds, req.outputs);
  const outputs = req.outputs.map((name) => {
    const t = results[name];
    if (t === undefined) throw new Error(`onnxruntime returned no output '${name}'`);
    const dims = [...t.dims];
    const dtype = (DTYPES as readonly string[]).includes(t.type) ? (t.type as Dtype) : undefined;
    const data =
      dtype !== undefined
        ? jsonLiterals({ name, dtype, shape: dims, data: t.data as TensorData }, "null").join(",")
        : Array.from(t.data as ArrayLike<unknown>, (v) => JSON.stringify(String(v))).join(",");
    const datatype = dtype !== undefined ? toKserveDatatype(dtype) : "BYTES";
    return `{"name":${JSON.stringify(name)},"datatype":"${datatype}","shape":${JSON.stringify(dims)},"data":[${data}]}`;
  });
  const id = req.id !== undefined ? `,"id":${JSON.stringify(req.id)}` : "";
  return `{"model_name":${JSON.stringify(model.name)},"model_version":"1"${id},"outputs":[${outputs.join(",")}]}`;
}

/** A value in a message: short, and never a walk through a structure a client made as deep as it liked. */
function describeValue(v: unknown, dims: readonly number[]): string {
  if (Array.isArray(v)) return `an array (data nests deeper than the shape [${dims.join(",")}])`;
  if (typeof v === "object" && v !== null) return "an object";
  // Values come from JSON.parse: never undefined, so always a string.
  const text = JSON.stringify(v);
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
