/**
 * Limits on accuracy against the reference (`regression.accuracy` in a suite): a quantized variant
 * is worth its speed only while its outputs stay right, so a gated run fails on a cell past a
 * limit whatever its latency did. Pure: the cells' measured accuracy in, the breaches out.
 */
import type { CellAccuracy } from "./metrics.js";

export interface AccuracyLimits {
  minTop1Agreement?: number | undefined;
  minCosine?: number | undefined;
  maxAbsError?: number | undefined;
  maxRelError?: number | undefined;
}

/** One output of one cell past one limit, said in a line. */
export function accuracyBreaches(cells: readonly { id: string; accuracy?: CellAccuracy | null | undefined }[], limits: AccuracyLimits): string[] {
  const out: string[] = [];
  const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
  for (const { id, accuracy } of cells) {
    if (!accuracy) continue;
    if (accuracy.error !== undefined) {
      if (Object.keys(limits).length > 0) out.push(`${id}: accuracy against ${accuracy.reference} could not be measured (${accuracy.error})`);
      continue;
    }
    for (const [output, o] of Object.entries(accuracy.outputs)) {
      const at = `${id} ${output} vs ${accuracy.reference}`;
      const top1 = o.top1Agreement;
      if (limits.minTop1Agreement !== undefined && top1 && top1.value < limits.minTop1Agreement) {
        out.push(`${at}: top-1 agreement ${pct(top1.value)} (${pct(top1.ci[0])}–${pct(top1.ci[1])}) is below the limit ${pct(limits.minTop1Agreement)}`);
      }
      if (limits.minCosine !== undefined && o.cosine !== null && o.cosine < limits.minCosine) {
        out.push(`${at}: cosine ${o.cosine.toFixed(6)} is below the limit ${limits.minCosine}`);
      }
      if (limits.maxAbsError !== undefined && o.maxAbsError > limits.maxAbsError) {
        out.push(`${at}: max |error| ${o.maxAbsError.toPrecision(3)} is above the limit ${limits.maxAbsError}`);
      }
      if (limits.maxRelError !== undefined && o.maxRelError !== null && o.maxRelError > limits.maxRelError) {
        out.push(`${at}: max relative error ${o.maxRelError.toPrecision(3)} is above the limit ${limits.maxRelError}`);
      }
    }
  }
  return out;
}
