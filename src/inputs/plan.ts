import type { Dtype, FillKind, InputSpec } from "../suite/schema.js";
import { DTYPES } from "../suite/names.js";
import { didYouMean } from "../suite/suggest.js";

/** What the model says about one of its inputs (onnxruntime's input metadata, narrowed). */
export interface ModelInput {
  name: string;
  /** onnxruntime's type name, e.g. "float32"; undefined for a non-tensor input. */
  type: string | undefined;
  /** Numbers for fixed dimensions, strings for symbolic ones; -1 or 0 for unnamed dynamic ones. */
  shape: readonly (number | string)[];
}

/** A fully resolved recipe for one input tensor of one cell. */
export interface TensorPlan {
  name: string;
  dtype: Dtype;
  shape: number[];
  fill: FillKind | number;
  mean: number;
  std: number;
  low: number;
  high: number;
  /** Samples from this file (absolute path) instead of the fill (inputs/files.ts). */
  file?: string;
}

/**
 * Merge the suite's input specs with the model's metadata for one batch size. Whatever the suite
 * leaves out comes from the model; a dimension that neither can resolve is an error naming the
 * input, the dimension and the key that would fix it. Errors are `key.path: message` strings
 * relative to the target (`inputs.x.shape`), collected, not thrown.
 */
export function planInputs(
  modelInputs: readonly ModelInput[],
  specs: Readonly<Record<string, InputSpec>>,
  dims: Readonly<Record<string, number>>,
  batch: number,
): { plans: TensorPlan[]; errors: string[]; warnings: string[] } {
  const errors: string[] = [];
  const warnings: string[] = [];
  let carriesBatch = false;
  const known = new Set(modelInputs.map((m) => m.name));
  for (const name of Object.keys(specs)) {
    if (!known.has(name)) {
      errors.push(`inputs.${name}: the model has no input '${name}' (it has: ${[...known].join(", ") || "none"})`);
    }
  }
  const plans: TensorPlan[] = [];
  for (const input of modelInputs) {
    const spec = specs[input.name] ?? {};
    const modelDtype = toDtype(input.type);
    // onnxruntime refuses a tensor of another type than the input's: say so before the run does.
    if (spec.dtype !== undefined && modelDtype !== undefined && spec.dtype !== modelDtype) {
      errors.push(
        `inputs.${input.name}.dtype: is ${spec.dtype} but the model's input '${input.name}' takes ${modelDtype}; write ${modelDtype}, or leave dtype out`,
      );
      continue;
    }
    const dtype = spec.dtype ?? modelDtype;
    if (dtype === undefined) {
      errors.push(`inputs.${input.name}: model input type '${input.type ?? "non-tensor"}' is not supported; expected one of ${DTYPES.join(", ")}`);
      continue;
    }
    const fromSuite = spec.shape !== undefined;
    const rawShape = spec.shape ?? input.shape;
    const shape: number[] = [];
    if (rawShape.some((d, i) => isBatchDim(d, i, fromSuite, dims))) carriesBatch = true;
    rawShape.forEach((d, i) => {
      const resolved = resolveDim(d, i, fromSuite, dims, batch);
      if (resolved === undefined) {
        const fix = typeof d === "string" ? `set dims.${d} or give` : "give";
        const label = typeof d === "string" ? `'${d}'` : `(unnamed)`;
        errors.push(
          `inputs.${input.name}.shape: dimension ${i} ${label} of input '${input.name}' is dynamic and cannot be resolved; ${fix} an explicit inputs.${input.name}.shape`,
        );
      } else shape.push(resolved);
    });
    if (shape.length !== rawShape.length) continue;
    if (fromSuite && input.shape.length > 0 && input.shape.length !== shape.length) {
      errors.push(`inputs.${input.name}.shape: has ${shape.length} dimensions but the model's input '${input.name}' has ${input.shape.length}`);
      continue;
    }
    if (fromSuite) {
      input.shape.forEach((d, i) => {
        if (typeof d === "number" && d > 0 && shape[i] !== d) {
          errors.push(`inputs.${input.name}.shape[${i}]: is ${shape[i]} but the model fixes it at ${d}`);
        }
      });
    }
    const elements = shape.reduce((a, b) => a * b, 1);
    if (elements > MAX_TENSOR_ELEMENTS) {
      errors.push(
        `inputs.${input.name}.shape: [${shape.join(", ")}] at batch ${batch} is ${elements} elements; at most ${MAX_TENSOR_ELEMENTS} (lower matrix.batch, dims or the shape)`,
      );
      continue;
    }
    const integer = !dtype.startsWith("float");
    // An integer input is a sample rate, a token id, a flag: a value the model means something by.
    // The default fill is only a stand-in, and must never be a silent 0.
    if (integer && spec.fill === undefined && spec.file === undefined) {
      const what = shape.length === 0 ? "a scalar, fed 0" : dtype === "bool" ? "fed all false" : `fed ${spec.low ?? 0}, ${(spec.low ?? 0) + 1}, … in turn`;
      warnings.push(`inputs.${input.name}: ${dtype} input with no fill given (${what}); set inputs.${input.name}.fill (or low/high) to what the model expects`);
    }
    plans.push({
      name: input.name,
      dtype,
      shape,
      fill: spec.fill ?? (dtype === "bool" ? "zeros" : integer ? "range" : "random-normal"),
      mean: spec.mean ?? 0,
      std: spec.std ?? 1,
      low: spec.low ?? 0,
      high: spec.high ?? (integer ? 100 : 1),
      ...(spec.file !== undefined ? { file: spec.file } : {}),
    });
  }
  // A model none of whose inputs has a batch axis is fed the same tensors at every batch size: the
  // cell would claim `batch` items per call and measure one. Batch 1 is what such a model does.
  if (!carriesBatch && batch !== 1 && errors.length === 0 && plans.length > 0) {
    const shapes = plans.map((p) => `${p.name} [${p.shape.join(", ")}]`).join(", ");
    errors.push(
      `matrix.batch: batch ${batch} cannot be fed: no input of the model has a batch axis (${shapes}: every leading dimension is fixed); use batch: [1] for this target, or export the model with a dynamic batch dimension`,
    );
  }
  return { plans, errors, warnings };
}

/** Whether dimension `index` of an input takes the cell's batch size (the same cases resolveDim gives it `batch`). */
function isBatchDim(d: number | string, index: number, fromSuite: boolean, dims: Readonly<Record<string, number>>): boolean {
  if (d === "batch") return true;
  if (index !== 0 || fromSuite) return false;
  return typeof d === "number" ? d <= 0 : dims[d] === undefined;
}

/**
 * The most elements one generated tensor may have: 2^28, 2 GiB while it is drawn in float64
 * (inputs/generate.ts), 1 GiB as float32. A larger one fails at run time with an allocation error.
 */
export const MAX_TENSOR_ELEMENTS = 2 ** 28;

/** The names of the symbolic dimensions an input's shape uses, in the model or in the suite. */
export function namedDims(modelInputs: readonly ModelInput[], specs: Readonly<Record<string, InputSpec>>): Set<string> {
  const named = new Set<string>();
  for (const input of modelInputs) for (const d of input.shape) if (typeof d === "string") named.add(d);
  for (const spec of Object.values(specs)) for (const d of spec.shape ?? []) if (typeof d === "string") named.add(d);
  return named;
}

/**
 * `dims` keys that no shape names (`named`: over every variant of the target, as dims is shared
 * by them): a typo is never silently ignored. Errors are relative to the target, as planInputs's.
 */
export function unknownDims(named: ReadonlySet<string>, dims: Readonly<Record<string, number>>): string[] {
  return Object.keys(dims)
    .filter((d) => d !== "batch" && !named.has(d))
    .map((d) => {
      const hint = didYouMean(d, named);
      return `dims.${d}: no input of the model has a dimension named '${d}'${hint || (named.size > 0 ? ` (named dimensions: ${[...named].join(", ")})` : " (it has none)")}`;
    });
}

function resolveDim(d: number | string, index: number, fromSuite: boolean, dims: Readonly<Record<string, number>>, batch: number): number | undefined {
  if (typeof d === "number") return d > 0 ? d : index === 0 && !fromSuite ? batch : undefined;
  if (d === "batch") return batch;
  const named = dims[d];
  if (named !== undefined) return named;
  // Exporters name the leading dynamic dimension anything ("N", "batch_size", "p2o.DynamicDimension.0"):
  // by convention it is the batch.
  if (index === 0 && !fromSuite) return batch;
  return undefined;
}

function toDtype(type: string | undefined): Dtype | undefined {
  return (DTYPES as readonly string[]).includes(type ?? "") ? (type as Dtype) : undefined;
}
