/**
 * Accuracy against labels (pure): a model's outputs for a dataset's samples, in order, scored
 * against the dataset's labels. Top-k accuracy is a proportion of samples with Wilson's 95%
 * interval; MAE and RMSE average a per-sample error and get Student's t interval over the samples
 * (RMSE: the square root of the interval of the mean squared error, a monotone transform of it).
 */
import { wilsonInterval } from "../stats/binomial.js";
import { tQuantile } from "../stats/distributions.js";
import type { OutputValues } from "./metrics.js";

export type LabelMetric = "top1" | "top5" | "mae" | "rmse";

export interface LabelAccuracy {
  metric: LabelMetric;
  /** The output scored, the label file, and how many samples were. */
  output: string;
  file: string;
  samples: number;
  value: number;
  ci: [number, number] | null;
  /** Higher is better (top-k) or lower is better (errors). */
  higherIsBetter: boolean;
}

/** A cell's accuracy against its target's labels, or why it could not be scored. */
export type CellLabelAccuracy = LabelAccuracy | { metric: LabelMetric; file: string; error: string };

/** The rows of the outputs in order: one per sample, `width` values each. */
function* rowsOf(outputs: readonly OutputValues[]): Generator<number[], void, undefined> {
  for (const o of outputs) {
    const rows = o.dims[0] ?? 1;
    const width = o.data.length / rows;
    for (let r = 0; r < rows; r++) yield Array.prototype.slice.call(o.data, r * width, (r + 1) * width) as number[];
  }
}

/**
 * Scores the first `labels.shape[0]` rows of `outputs` against `labels` (class ids for top-k, one
 * row of values per sample for errors). Throws, naming both, when their shapes cannot be matched.
 */
export function scoreLabels(
  metric: LabelMetric,
  outputs: readonly OutputValues[],
  labels: { values: Float64Array; shape: readonly number[] },
  names: { output: string; file: string },
): LabelAccuracy {
  const n = labels.shape[0] ?? 0;
  const perLabel = labels.shape.slice(1).reduce((a, b) => a * b, 1);
  const rows = rowsOf(outputs);
  const k = metric === "top5" ? 5 : 1;
  let hits = 0;
  const errors: number[] = [];
  for (let i = 0; i < n; i++) {
    const next = rows.next();
    if (next.done === true) throw new RangeError(`${names.output}: ${i} rows of output for ${n} labels in ${names.file}`);
    const row = next.value;
    if (metric === "top1" || metric === "top5") {
      const label = labels.values[i] as number;
      if (perLabel !== 1 || !Number.isInteger(label))
        throw new RangeError(`${names.file}: ${metric} needs one class id per sample, got shape [${labels.shape.join(", ")}]`);
      const score = row[label];
      if (score === undefined) throw new RangeError(`${names.file}: sample ${i}'s class ${label} is not among the ${row.length} scores of ${names.output}`);
      let above = 0;
      for (let j = 0; j < row.length; j++) if ((row[j] as number) > score) above++;
      if (above < k) hits++;
    } else {
      if (row.length !== perLabel)
        throw new RangeError(`${names.file}: labels of ${perLabel} values per sample against ${row.length} in each row of ${names.output}`);
      let sum = 0;
      for (let j = 0; j < perLabel; j++) {
        const e = (row[j] as number) - (labels.values[i * perLabel + j] as number);
        sum += metric === "mae" ? Math.abs(e) : e * e;
      }
      errors.push(sum / perLabel);
    }
  }
  const base = { metric, output: names.output, file: names.file, samples: n };
  if (metric === "top1" || metric === "top5") return { ...base, value: hits / n, ci: wilsonInterval(hits, n), higherIsBetter: true };
  const mean = errors.reduce((a, x) => a + x, 0) / n;
  let ci: [number, number] | null = null;
  if (n >= 2) {
    const sd = Math.sqrt(errors.reduce((a, x) => a + (x - mean) ** 2, 0) / (n - 1));
    const half = tQuantile(0.975, n - 1) * (sd / Math.sqrt(n));
    ci = [Math.max(0, mean - half), mean + half];
  }
  if (metric === "mae") return { ...base, value: mean, ci, higherIsBetter: false };
  return { ...base, value: Math.sqrt(mean), ci: ci ? [Math.sqrt(ci[0]), Math.sqrt(ci[1])] : null, higherIsBetter: false };
}
