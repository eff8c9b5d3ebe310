import type { GeneratedTensor } from "../../inputs/generate.js";

/**
 * A tensor's values as JSON number (or boolean) literals, in row-major order. Written by hand
 * rather than through JSON.stringify: int64 values are BigInts (which JSON.stringify rejects)
 * and are written exactly, and float32 values are written with the fewest digits that read
 * back as the same float32 (at most 9), not the 17 of their float64 widening, so request bodies
 * stay close to what a real client sends. Non-finite values have no JSON form: an error, or
 * null where the caller must answer anyway (a server's outputs).
 */
export function jsonLiterals(t: GeneratedTensor, nonFinite: "throw" | "null" = "throw"): string[] {
  const out = new Array<string>(t.data.length);
  const { data, dtype } = t;
  for (let i = 0; i < data.length; i++) {
    const v = data[i] as number | bigint;
    if (typeof v === "bigint") {
      out[i] = v.toString();
      continue;
    }
    let x = v;
    if (dtype === "bool") {
      out[i] = x !== 0 ? "true" : "false";
      continue;
    }
    if (dtype === "float16") x = fromHalfBits(x);
    if (!Number.isFinite(x)) {
      if (nonFinite === "null") {
        out[i] = "null";
        continue;
      }
      throw new RangeError(`input '${t.name}' has a non-finite value (${x}) at index ${i}; JSON cannot carry it`);
    }
    out[i] = dtype === "float32" ? float32Literal(x) : String(x);
  }
  return out;
}

export function float32Literal(x: number): string {
  for (let p = 6; p < 9; p++) {
    const s = x.toPrecision(p);
    if (Math.fround(Number(s)) === x) return String(Number(s));
  }
  return String(Number(x.toPrecision(9)));
}

/** `[1,2,3]` */
export function flatJson(t: GeneratedTensor): string {
  return `[${jsonLiterals(t).join(",")}]`;
}

/** Nested arrays following the shape, e.g. `[[1,2],[3,4]]` for shape [2,2]; a scalar for shape []. */
export function nestedJson(t: GeneratedTensor): string {
  return nest(jsonLiterals(t), t.shape);
}

/** Nested JSON of row `row` of the leading dimension (an "instance" in TF Serving's row format). */
export function rowJson(t: GeneratedTensor, literals: string[], row: number): string {
  const inner = t.shape.slice(1);
  const size = inner.reduce((a, b) => a * b, 1);
  return nest(literals.slice(row * size, (row + 1) * size), inner);
}

function nest(literals: string[], shape: number[]): string {
  if (shape.length === 0) return literals[0] ?? "null";
  const parts: string[] = [];
  const build = (dim: number, offset: number): number => {
    const n = shape[dim] ?? 0;
    parts.push("[");
    for (let i = 0; i < n; i++) {
      if (i > 0) parts.push(",");
      if (dim === shape.length - 1) parts.push(literals[offset++] ?? "null");
      else offset = build(dim + 1, offset);
    }
    parts.push("]");
    return offset;
  };
  build(0, 0);
  return parts.join("");
}

/** Number of leaves of a (possibly nested) JSON array, or -1 when something is not an array of scalars. */
export function countLeaves(value: unknown): number {
  if (!Array.isArray(value)) return -1;
  let n = 0;
  for (const v of value) {
    if (Array.isArray(v)) {
      const m = countLeaves(v);
      if (m < 0) return -1;
      n += m;
    } else if (typeof v === "number" || typeof v === "boolean" || typeof v === "string") n++;
    else return -1;
  }
  return n;
}

/** binary16 bit pattern → number (exact). */
export function fromHalfBits(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exp = (bits >>> 10) & 0x1f;
  const mant = bits & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 0x1f) return mant === 0 ? sign * Number.POSITIVE_INFINITY : Number.NaN;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}
