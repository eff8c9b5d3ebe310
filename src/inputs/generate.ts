import { createRng, deriveSeed, type Rng } from "../util/rng.js";
import type { TensorPlan } from "./plan.js";

export type TensorData =
  Float32Array | Float64Array | Int8Array | Uint8Array | Int16Array | Uint16Array | Int32Array | Uint32Array | BigInt64Array | BigUint64Array;

export interface GeneratedTensor {
  name: string;
  dtype: TensorPlan["dtype"];
  shape: number[];
  data: TensorData;
}

/**
 * The bytes of an input depend only on (seed, input name, plan): the same suite gives the same
 * tensors on every machine, so two runs measure the same work.
 */
export function generateTensor(plan: TensorPlan, seed: number): GeneratedTensor {
  const size = plan.shape.reduce((a, b) => a * b, 1);
  const rng = createRng(deriveSeed(seed, plan.name));
  const values = new Float64Array(size);
  for (let i = 0; i < size; i++) values[i] = draw(plan, rng, i);
  return { name: plan.name, dtype: plan.dtype, shape: [...plan.shape], data: fromNumbers(values, plan.dtype) };
}

function draw(plan: TensorPlan, rng: Rng, i: number): number {
  const { fill } = plan;
  if (typeof fill === "number") return fill;
  switch (fill) {
    case "zeros":
      return 0;
    case "ones":
      return 1;
    case "random-normal":
      return plan.mean + plan.std * rng.normal();
    case "random-uniform":
      return plan.dtype.startsWith("float") ? plan.low + (plan.high - plan.low) * rng.next() : rng.int(Math.ceil(plan.low), Math.ceil(plan.high));
    case "range": {
      // low, low+1, …, high-1, low, … : valid token ids / class indices for integer inputs.
      const span = Math.max(1, Math.ceil(plan.high - plan.low));
      return plan.low + (i % span);
    }
  }
}

/** Numbers as the typed array of a dtype (integers rounded; float16 as its bit patterns). */
export function fromNumbers(values: Float64Array, dtype: TensorPlan["dtype"]): TensorData {
  switch (dtype) {
    case "float32":
      return Float32Array.from(values);
    case "float64":
      return values;
    case "float16":
      return Uint16Array.from(values, toFloat16Bits);
    case "int8":
      return Int8Array.from(values, Math.round);
    case "uint8":
      return Uint8Array.from(values, Math.round);
    case "bool":
      return Uint8Array.from(values, (v) => (v !== 0 ? 1 : 0));
    case "int16":
      return Int16Array.from(values, Math.round);
    case "uint16":
      return Uint16Array.from(values, Math.round);
    case "int32":
      return Int32Array.from(values, Math.round);
    case "uint32":
      return Uint32Array.from(values, Math.round);
    case "int64":
      return BigInt64Array.from(values, (v) => BigInt(Math.round(v)));
    case "uint64":
      return BigUint64Array.from(values, (v) => BigInt(Math.max(0, Math.round(v))));
  }
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** IEEE 754 binary16 bits of a number, rounding to nearest even (Node 20 has no Float16Array). */
export function toFloat16Bits(value: number): number {
  f32[0] = value;
  const x = u32[0] ?? 0;
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant !== 0 ? 0x200 : 0); // Inf / NaN
  let e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00; // overflow → Inf
  if (e <= 0) {
    if (e < -10) return sign; // underflow → ±0
    mant |= 0x800000; // subnormal: restore the implicit bit and shift into place
    const shift = 14 - e;
    const half = 1 << (shift - 1);
    let m = mant >>> shift;
    const rest = mant & ((1 << shift) - 1);
    if (rest > half || (rest === half && (m & 1) === 1)) m++;
    return sign | m;
  }
  let m = mant >>> 13;
  const rest = mant & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && (m & 1) === 1)) {
    m++;
    if (m === 0x400) {
      m = 0;
      e++;
      if (e >= 0x1f) return sign | 0x7c00;
    }
  }
  return sign | (e << 10) | m;
}
