/**
 * Limits on accuracy against the reference (`regression.accuracy` in a suite): a quantized variant
 * is worth its speed only while its outputs stay right, so a gated run fails on a cell past a
 * limit whatever its latency did. Pure: the cells' measured accuracy in, the breaches out.
 */
import type { CellLabelAccuracy } from "./labels.js";
import type { CellAccuracy } from "./metrics.js";

export interface AccuracyLimits {
  minTop1Agreement?: number | undefined;
  minCosine?: number | undefined;
  maxAbsError?: number | undefined;
  maxRelError?: number | undefined;
  /** Against a baseline: the most a cell's accuracy figure may fall from the baseline's (accuracyDrops). */
  maxDrop?: number | undefined;
}

/** One output of one cell past one limit, said in a line. */
export function accuracyBreaches(cells: readonly { id: string; accuracy?: CellAccuracy | null | undefined }[], limits: AccuracyLimits): string[] {
  const out: string[] = [];
  const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
  for (const { id, accuracy } of cells) {
    if (!accuracy) continue;
    if (accuracy.error !== undefined) {
      if (Object.keys(limits).some((k) => k !== "maxDrop")) out.push(`${id}: accuracy against ${accuracy.reference} could not be measured (${accuracy.error})`);
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

/** A cell's one accuracy figure and which way is better: labels if scored, else top-1 agreement with the reference, else cosine. */
function accuracyFigure(cell: {
  accuracy?: CellAccuracy | null | undefined;
  labelAccuracy?: CellLabelAccuracy | null | undefined;
}): { name: string; value: number; higherIsBetter: boolean } | null {
  const labels = cell.labelAccuracy;
  if (labels && !("error" in labels)) return { name: `${labels.metric} against ${labels.file}`, value: labels.value, higherIsBetter: labels.higherIsBetter };
  const first = cell.accuracy && cell.accuracy.error === undefined ? Object.entries(cell.accuracy.outputs)[0] : undefined;
  if (!first) return null;
  const [output, o] = first;
  if (o.top1Agreement)
    return { name: `${output} top-1 agreement with ${cell.accuracy?.reference ?? "the reference"}`, value: o.top1Agreement.value, higherIsBetter: true };
  if (o.cosine !== null) return { name: `${output} cosine with ${cell.accuracy?.reference ?? "the reference"}`, value: o.cosine, higherIsBetter: true };
  return null;
}

/**
 * `regression.accuracy.maxDrop` against a baseline: each cell's accuracy figure may fall by at
 * most `maxDrop` (absolute: 0.01 is one point of agreement, or 0.01 more mean error) from the
 * same cell's in the baseline.
 */
export function accuracyDrops(
  base: readonly { id: string; accuracy?: CellAccuracy | null | undefined; labelAccuracy?: CellLabelAccuracy | null | undefined }[],
  head: readonly { id: string; accuracy?: CellAccuracy | null | undefined; labelAccuracy?: CellLabelAccuracy | null | undefined }[],
  maxDrop: number,
): string[] {
  const before = new Map(base.map((c) => [c.id, accuracyFigure(c)]));
  const out: string[] = [];
  for (const cell of head) {
    const was = before.get(cell.id);
    const now = accuracyFigure(cell);
    if (!was || !now || was.name !== now.name) continue;
    const drop = now.higherIsBetter ? was.value - now.value : now.value - was.value;
    if (drop > maxDrop)
      out.push(
        `${cell.id}: ${now.name} went from ${was.value.toPrecision(4)} to ${now.value.toPrecision(4)}, worse by ${drop.toPrecision(3)}: more than the allowed ${maxDrop}`,
      );
  }
  return out;
}
