/**
 * Real data for an input: samples read from a file (`inputs.NAME.file`) and fed `batch` at a time,
 * cycling through the file. The file's leading axis counts samples; the rest is one sample's
 * shape, which must be the input's shape without its batch dimension. Formats: `.npy` (npyjs, the
 * NumPy format reader), `.json` (nested arrays of numbers), anything else raw little-endian values
 * of the input's dtype.
 */
import { readFileSync, statSync } from "node:fs";
import { parse as parseNpy } from "npyjs";
import { errorMessage, UserError } from "../errors.js";
import { fromNumbers, type GeneratedTensor } from "./generate.js";
import type { TensorPlan } from "./plan.js";

/** The most feed sets a cell prepares from a file: a file of more samples is cycled through its first ones. */
export const MAX_FEED_SETS = 256;
/** The largest data file read whole. */
const MAX_FILE_BYTES = 1 << 30;

export interface Samples {
  /** Every value, in row-major order. */
  values: Float64Array;
  /** [samples, ...one sample's shape]. */
  shape: number[];
}

const RAW: Partial<Record<TensorPlan["dtype"], (b: Buffer) => ArrayLike<number | bigint>>> = {
  float32: (b) => new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4),
  float64: (b) => new Float64Array(b.buffer, b.byteOffset, b.byteLength / 8),
  int8: (b) => new Int8Array(b.buffer, b.byteOffset, b.byteLength),
  uint8: (b) => new Uint8Array(b.buffer, b.byteOffset, b.byteLength),
  bool: (b) => new Uint8Array(b.buffer, b.byteOffset, b.byteLength),
  int16: (b) => new Int16Array(b.buffer, b.byteOffset, b.byteLength / 2),
  int32: (b) => new Int32Array(b.buffer, b.byteOffset, b.byteLength / 4),
  int64: (b) => new BigInt64Array(b.buffer, b.byteOffset, b.byteLength / 8),
};

function jsonSamples(text: string, file: string): Samples {
  const doc: unknown = JSON.parse(text);
  const shape: number[] = [];
  for (let at: unknown = doc; Array.isArray(at); at = at[0]) shape.push(at.length);
  const values: number[] = [];
  const walk = (node: unknown, depth: number): void => {
    if (depth === shape.length) {
      if (typeof node !== "number") throw new UserError(`${file}: expected numbers at depth ${depth}, found ${JSON.stringify(node ?? null).slice(0, 40)}`);
      values.push(node);
      return;
    }
    if (!Array.isArray(node) || node.length !== shape[depth])
      throw new UserError(`${file}: not a rectangular array: every list at depth ${depth} must have ${shape[depth]} items`);
    for (const child of node) walk(child, depth + 1);
  };
  walk(doc, 0);
  if (shape.length === 0) throw new UserError(`${file}: expected a JSON array of samples`);
  return { values: Float64Array.from(values), shape };
}

/** Reads a data file; `sampleShape` (the input's shape without its batch) is what a raw file is cut into. */
export function readSamples(file: string, dtype: TensorPlan["dtype"], sampleShape: readonly number[]): Samples {
  let bytes: Buffer;
  try {
    const size = statSync(file).size;
    if (size > MAX_FILE_BYTES) throw new UserError(`${file}: ${size} bytes is over the ${MAX_FILE_BYTES}-byte limit of a data file`);
    bytes = readFileSync(file);
  } catch (err) {
    if (err instanceof UserError) throw err;
    throw new UserError(`${file}: cannot read the data file: ${errorMessage(err)}`);
  }
  if (file.endsWith(".npy")) {
    let npy;
    try {
      npy = parseNpy(new Uint8Array(bytes).buffer);
    } catch (err) {
      throw new UserError(`${file}: not a readable .npy file (${errorMessage(err)})`);
    }
    if (npy.fortranOrder) throw new UserError(`${file}: Fortran-ordered arrays are not read; save it with numpy.ascontiguousarray`);
    const data = npy.data as unknown as ArrayLike<number | bigint | string>;
    if (typeof data[0] === "string") throw new UserError(`${file}: holds ${npy.dtype} strings, not numbers`);
    return { values: Float64Array.from(data as ArrayLike<number | bigint>, Number), shape: npy.shape.length > 0 ? npy.shape : [1] };
  }
  if (file.endsWith(".json")) {
    try {
      return jsonSamples(bytes.toString("utf8"), file);
    } catch (err) {
      if (err instanceof UserError) throw err;
      throw new UserError(`${file}: not valid JSON (${errorMessage(err)})`);
    }
  }
  const view = RAW[dtype];
  if (!view) throw new UserError(`${file}: raw files of ${dtype} are not read; use .npy or .json`);
  const per = sampleShape.reduce((a, b) => a * b, 1);
  const width = dtype === "int64" ? 8 : dtype === "float64" ? 8 : dtype === "float32" || dtype === "int32" ? 4 : dtype === "int16" ? 2 : 1;
  if (bytes.byteLength % (per * width) !== 0) {
    throw new UserError(`${file}: ${bytes.byteLength} bytes is not a whole number of ${dtype} samples of shape [${sampleShape.join(", ")}]`);
  }
  const aligned = Buffer.from(bytes); // a fresh buffer: aligned for the typed-array view
  return { values: Float64Array.from(view(aligned), Number), shape: [bytes.byteLength / (per * width), ...sampleShape] };
}

/**
 * The tensors fed for an input from its samples: `batch` consecutive samples per call, wrapping
 * around the end, as many sets as it takes to go through the file once (at most MAX_FEED_SETS).
 */
export function feedSets(plan: TensorPlan, samples: Samples, file: string): GeneratedTensor[] {
  const [count = 0, ...sampleShape] = samples.shape;
  const [batch = 1, ...wanted] = plan.shape;
  if (sampleShape.join() !== wanted.join()) {
    throw new UserError(
      `${file}: samples of shape [${sampleShape.join(", ")}] do not fit input '${plan.name}' of shape [${plan.shape.join(", ")}] (one sample must be [${wanted.join(", ")}])`,
    );
  }
  if (count === 0) throw new UserError(`${file}: holds no samples`);
  const per = wanted.reduce((a, b) => a * b, 1);
  const sets = Math.min(Math.ceil(count / batch), MAX_FEED_SETS);
  return Array.from({ length: sets }, (_, k) => {
    const values = new Float64Array(batch * per);
    for (let r = 0; r < batch; r++) values.set(samples.values.subarray(((k * batch + r) % count) * per, (((k * batch + r) % count) + 1) * per), r * per);
    return { name: plan.name, dtype: plan.dtype, shape: [...plan.shape], data: fromNumbers(values, plan.dtype) };
  });
}
