/**
 * How far a variant's outputs are from the reference's on the same inputs (pure: no I/O). Every
 * element of one output, over every input set, is compared: the largest and mean absolute error,
 * the largest relative error, and the cosine similarity of the two as vectors. An output whose
 * last axis holds scores (rank >= 2, at least 2 classes) is also read as a classifier: per row
 * (every index but the last), whether the variant's top class is the reference's (top-1
 * agreement), and whether the reference's top class is among the variant's top k (top-k), each a
 * proportion of rows with Wilson's 95% interval.
 */
import { wilsonInterval } from "../stats/binomial.js";

/** A proportion of rows, with its 95% interval. */
export interface Agreement {
  value: number;
  ci: [number, number];
  rows: number;
}

export interface OutputAccuracy {
  /** Elements compared (over every input set). */
  elements: number;
  maxAbsError: number;
  meanAbsError: number;
  /** max |v − r| / |r| over elements with |r| above 1e-6 of the output's largest |r| (null when there are none). */
  maxRelError: number | null;
  /** Cosine similarity of the two outputs as vectors; null when either is all zeros. */
  cosine: number | null;
  /** For score outputs (rank >= 2, last axis >= 2): the variant's top class is the reference's. */
  top1Agreement: Agreement | null;
  /** The reference's top class is among the variant's top 5 (only when there are more than 5 classes). */
  top5Agreement: Agreement | null;
}

/** A cell's accuracy against its target's reference variant (measure/accuracy.ts). */
export interface CellAccuracy {
  /** The variant the outputs are compared with. */
  reference: string;
  /** Input sets fed to both. */
  inputs: number;
  /** Per output name. */
  outputs: Record<string, OutputAccuracy>;
  /** Why it could not be measured (the latency of the cell is unaffected). */
  error?: string;
}

/** One output of one input set: its values (as numbers) and its shape. */
export interface OutputValues {
  data: ArrayLike<number>;
  dims: readonly number[];
}

/** Indices of the k largest of row[from, from + n), largest first (ties: the lower index first). */
function topK(data: ArrayLike<number>, from: number, n: number, k: number): number[] {
  const best: number[] = [];
  for (let i = 0; i < n; i++) {
    const v = data[from + i] as number;
    let at = best.length;
    while (at > 0 && (data[from + (best[at - 1] as number)] as number) < v) at--;
    if (at < k) {
      best.splice(at, 0, i);
      if (best.length > k) best.pop();
    }
  }
  return best;
}

/**
 * The accuracy of one output over several input sets: `reference[i]` and `variant[i]` are the
 * same output for input set i. Throws when their shapes differ: the two are then not the same output.
 */
export function compareOutput(reference: readonly OutputValues[], variant: readonly OutputValues[]): OutputAccuracy {
  if (reference.length !== variant.length || reference.length === 0) {
    throw new RangeError(`compareOutput: ${reference.length} reference and ${variant.length} variant input sets`);
  }
  let elements = 0;
  let maxAbs = 0;
  let sumAbs = 0;
  let dot = 0;
  let normR = 0;
  let normV = 0;
  let largestRef = 0;
  for (const r of reference) for (let j = 0; j < r.data.length; j++) largestRef = Math.max(largestRef, Math.abs(r.data[j] as number));
  const relFloor = largestRef * 1e-6;
  let maxRel: number | null = null;
  let rows = 0;
  let top1 = 0;
  let top5 = 0;
  const classes = reference[0]?.dims.at(-1) ?? 0;
  const scores = (reference[0]?.dims.length ?? 0) >= 2 && classes >= 2;
  reference.forEach((r, i) => {
    const v = variant[i] as OutputValues;
    if (r.dims.join() !== v.dims.join())
      throw new RangeError(`compareOutput: input set ${i}: shape [${v.dims.join(", ")}] against the reference's [${r.dims.join(", ")}]`);
    for (let j = 0; j < r.data.length; j++) {
      const a = r.data[j] as number;
      const b = v.data[j] as number;
      const err = Math.abs(b - a);
      maxAbs = Math.max(maxAbs, err);
      sumAbs += err;
      dot += a * b;
      normR += a * a;
      normV += b * b;
      if (Math.abs(a) > relFloor) maxRel = Math.max(maxRel ?? 0, err / Math.abs(a));
    }
    elements += r.data.length;
    if (scores) {
      for (let from = 0; from < r.data.length; from += classes) {
        const refTop = topK(r.data, from, classes, 1)[0];
        const varTop = topK(v.data, from, classes, 5);
        if (varTop[0] === refTop) top1++;
        if (refTop !== undefined && varTop.includes(refTop)) top5++;
        rows++;
      }
    }
  });
  const agreement = (k: number): Agreement => ({ value: k / rows, ci: wilsonInterval(k, rows), rows });
  return {
    elements,
    maxAbsError: maxAbs,
    meanAbsError: elements > 0 ? sumAbs / elements : 0,
    maxRelError: maxRel,
    cosine: normR > 0 && normV > 0 ? dot / Math.sqrt(normR * normV) : null,
    top1Agreement: scores && rows > 0 ? agreement(top1) : null,
    top5Agreement: scores && rows > 0 && classes > 5 ? agreement(top5) : null,
  };
}
