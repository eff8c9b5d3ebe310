/**
 * Accuracy against a reference variant, measured outside every timed loop: for a target that
 * names `reference: VARIANT`, each other variant's cells (per batch size and provider) are fed the
 * same seeded input sets as the reference, and every output is compared (metrics.ts). The inputs
 * are planned from each model's own metadata, so an fp16 model that takes float16 gets the same
 * values in its own type.
 */
import { float16ToFloat32 } from "npyjs";
import * as ort from "onnxruntime-node";
import { errorMessage } from "../errors.js";
import { type GeneratedTensor, generateTensor } from "../inputs/generate.js";
import { planInputs, type TensorPlan } from "../inputs/plan.js";
import { feedSetsOf, inputMetadata, sessionOptions, toOrtTensor } from "../runners/onnx.js";
import type { PlannedCell } from "../suite/expand.js";
import { type ResolvedOnnxTarget, type ResolvedTarget, variantInputs } from "../suite/resolve.js";
import { deriveSeed } from "../util/rng.js";
import { DIGEST_VALUES, type OutputDigest } from "../accuracy/digest.js";
import { type CellLabelAccuracy, type LabelAccuracy, scoreLabels } from "../accuracy/labels.js";
import { type CellAccuracy, compareOutput, type OutputAccuracy, type OutputValues } from "../accuracy/metrics.js";
import { readSamples } from "../inputs/files.js";

function valuesOf(t: ort.Tensor): OutputValues {
  const dims = [...t.dims];
  if (t.type === "float16" && t.data instanceof Uint16Array) return { data: Float64Array.from(t.data, float16ToFloat32), dims };
  if (t.data instanceof BigInt64Array || t.data instanceof BigUint64Array) return { data: Float64Array.from(t.data, Number), dims };
  if (typeof t.data[0] === "string") throw new Error(`output of type ${t.type} cannot be compared numerically`);
  return { data: t.data as ArrayLike<number>, dims };
}

/** One call's outputs appended to each output's list. */
function collect(out: Map<string, OutputValues[]>, result: Record<string, ort.Tensor>): void {
  for (const [name, tensor] of Object.entries(result)) {
    const list = out.get(name) ?? [];
    list.push(valuesOf(tensor));
    out.set(name, list);
  }
}

/** Every output of `modelPath` for each input set, in the session options of `cell`. */
async function outputsOf(modelPath: string, cell: PlannedCell, target: ResolvedOnnxTarget, seeds: readonly number[]): Promise<Map<string, OutputValues[]>> {
  const session = await ort.InferenceSession.create(modelPath, sessionOptions(cell, target));
  try {
    const own = variantInputs(target, cell.variantSpec);
    const { plans, errors } = planInputs(inputMetadata(session), own.inputs, own.dims, cell.batch);
    if (errors.length > 0) throw new Error(errors.join("; "));
    const out = new Map<string, OutputValues[]>();
    // A recurrent model: the input sets are one sequence, the state carried from each to the next.
    let carried: Record<string, ort.Tensor> = {};
    // Data from files: input set i is the file's i-th batch of samples, for the variant and the reference alike.
    const fromFiles = feedSetsOf(
      plans.filter((p) => p.file !== undefined),
      0,
    );
    for (const [i, seed] of seeds.entries()) {
      const generated = Object.fromEntries(plans.filter((p) => p.file === undefined).map((p) => [p.name, toOrtTensor(generateTensor(p, seed))]));
      const feeds = { ...generated, ...fromFiles[i % fromFiles.length], ...carried };
      const result = await session.run(feeds);
      carried = Object.fromEntries(target.state.map(({ from, to }) => [to, result[from] as ort.Tensor]));
      collect(out, result);
    }
    return out;
  } finally {
    await session.release();
  }
}

/**
 * The accuracy of every cell whose target names a reference, by cell index; the reference's own
 * cells are left out. One measurement per variant × batch × provider, shared by its thread counts
 * (and, for a served target, by its load levels). Two local models of one target are fed input
 * sets planned from each model's metadata; when a server is on either side (a served model
 * against its local twin) or the reference is in another target, the measured side's input sets
 * are fed to both as they are.
 */
export async function measureAccuracy(
  cells: readonly PlannedCell[],
  targets: readonly ResolvedTarget[],
  seed: number,
  signal?: AbortSignal,
): Promise<Map<number, CellAccuracy>> {
  const result = new Map<number, CellAccuracy>();
  const computed = new Map<string, CellAccuracy>();
  const referenceOutputs = new Map<string, Promise<Map<string, OutputValues[]>>>();
  for (const [index, cell] of cells.entries()) {
    const target = cell.targetSpec;
    if (signal?.aborted) break;
    const { reference } = target;
    if (reference === null || (target.kind === "onnx" && cell.load.mode !== "single")) continue;
    const refTarget = target.referenceTarget === null ? target : targets.find((t) => t.name === target.referenceTarget);
    if (refTarget === target && cell.variant === reference) continue;
    const label = refTarget === target || !refTarget ? reference : `${refTarget.name}/${reference}`;
    const key = JSON.stringify([cell.target, cell.variant, cell.batch, cell.provider]);
    let accuracy = computed.get(key);
    if (!accuracy) {
      const seeds = Array.from({ length: target.accuracySamples }, (_, i) => deriveSeed(seed, `accuracy ${i}`));
      try {
        const referenceVariant = refTarget?.variants.find((v) => v.name === reference);
        if (!refTarget || !referenceVariant) throw new Error(`no reference '${label}' in this suite`);
        // The reference always on the CPU provider: the answer the others are held to.
        const refCell: PlannedCell = {
          ...cell,
          target: refTarget.name,
          targetSpec: refTarget,
          provider: "cpu",
          variant: reference,
          variantSpec: referenceVariant,
        };
        let ref: Map<string, OutputValues[]>;
        let own: Map<string, OutputValues[]>;
        if (target.kind === "onnx" && refTarget.kind === "onnx") {
          if (!referenceVariant.modelPath || !cell.variantSpec.modelPath) throw new Error(`no model file for the reference '${label}'`);
          const refKey = JSON.stringify([refTarget.name, reference, cell.batch]);
          let refOut = referenceOutputs.get(refKey);
          if (!refOut) {
            refOut = outputsOf(referenceVariant.modelPath, refCell, target, seeds);
            referenceOutputs.set(refKey, refOut);
          }
          [ref, own] = await Promise.all([refOut, outputsOf(cell.variantSpec.modelPath, cell, target, seeds)]);
        } else {
          const sets = await inputSets(cell, seeds);
          own = await answersTo(cell, sets);
          ref = await answersTo(refCell, sets);
        }
        accuracy = { reference: label, inputs: seeds.length, outputs: compareOutputs(ref, own) };
      } catch (err) {
        accuracy = { reference: label, inputs: seeds.length, outputs: {}, error: errorMessage(err).split("\n")[0] ?? "" };
      }
      computed.set(key, accuracy);
    }
    result.set(index, accuracy);
  }
  return result;
}

/**
 * Each of the reference's outputs against the variant's of the same name; when the names differ
 * and each side has one output (TF Serving's unnamed `predictions`), those two.
 */
function compareOutputs(ref: Map<string, OutputValues[]>, own: Map<string, OutputValues[]>): Record<string, OutputAccuracy> {
  const outputs: Record<string, OutputAccuracy> = {};
  const single = ref.size === 1 && own.size === 1 ? [...own.values()][0] : undefined;
  for (const [name, values] of ref) {
    const mine = own.get(name) ?? single;
    if (!mine) throw new Error(`the variant has no output '${name}' (the reference has; the variant's: ${[...own.keys()].join(", ")})`);
    outputs[name] = compareOutput(values, mine);
  }
  return outputs;
}

/** The seeded input sets of a cell, planned from its model's (or server's) inputs, one per seed. */
async function inputSets(cell: PlannedCell, seeds: readonly number[]): Promise<GeneratedTensor[][]> {
  const target = cell.targetSpec;
  let plans: TensorPlan[];
  if (target.kind === "http") plans = await (await import("../runners/http/outputs.js")).servedPlans(cell, target);
  else {
    if (!cell.variantSpec.modelPath) throw new Error(`no model file for ${cell.variant}`);
    const session = await ort.InferenceSession.create(cell.variantSpec.modelPath, sessionOptions(cell, target));
    try {
      const own = variantInputs(target, cell.variantSpec);
      const planned = planInputs(inputMetadata(session), own.inputs, own.dims, cell.batch);
      if (planned.errors.length > 0) throw new Error(planned.errors.join("; "));
      plans = planned.plans;
    } finally {
      await session.release();
    }
  }
  if (plans.some((p) => p.file !== undefined)) throw new Error("inputs from data files are not compared across a server yet; use generated inputs");
  return seeds.map((s) => plans.map((p) => generateTensor(p, s)));
}

/** A cell's outputs for the given input sets, from its server or its local model. */
async function answersTo(cell: PlannedCell, sets: readonly GeneratedTensor[][]): Promise<Map<string, OutputValues[]>> {
  const target = cell.targetSpec;
  if (target.kind === "http") return (await import("../runners/http/outputs.js")).servedOutputs(cell, target, sets);
  if (!cell.variantSpec.modelPath) throw new Error(`no model file for ${cell.variant}`);
  const session = await ort.InferenceSession.create(cell.variantSpec.modelPath, sessionOptions(cell, target));
  try {
    const out = new Map<string, OutputValues[]>();
    for (const tensors of sets) {
      collect(out, await session.run(Object.fromEntries(tensors.map((t) => [t.name, toOrtTensor(t)]))));
    }
    return out;
  } finally {
    await session.release();
  }
}

/**
 * Accuracy against labels for every cell of a target that names them (every variant, the
 * reference too): the inputs' data files fed in order, `batch` samples per call, once through;
 * one measurement per variant × batch × provider, shared by its thread counts.
 */
export async function measureLabels(cells: readonly PlannedCell[], seed: number, signal?: AbortSignal): Promise<Map<number, CellLabelAccuracy>> {
  const result = new Map<number, CellLabelAccuracy>();
  const computed = new Map<string, CellLabelAccuracy>();
  for (const [index, cell] of cells.entries()) {
    const target = cell.targetSpec;
    if (signal?.aborted) break;
    if (target.kind !== "onnx" || target.labels === null || cell.load.mode !== "single" || !cell.variantSpec.modelPath) continue;
    const { labels } = target;
    const key = JSON.stringify([cell.target, cell.variant, cell.batch, cell.provider]);
    let scored = computed.get(key);
    if (!scored) {
      try {
        scored = await scoreCell(cell.variantSpec.modelPath, cell, target, labels, seed);
      } catch (err) {
        scored = { metric: labels.metric, file: labels.file, error: errorMessage(err).split("\n")[0] ?? "" };
      }
      computed.set(key, scored);
    }
    result.set(index, scored);
  }
  return result;
}

async function scoreCell(
  modelPath: string,
  cell: PlannedCell,
  target: ResolvedOnnxTarget,
  labels: NonNullable<ResolvedOnnxTarget["labels"]>,
  seed: number,
): Promise<LabelAccuracy> {
  const session = await ort.InferenceSession.create(modelPath, sessionOptions(cell, target));
  try {
    const own = variantInputs(target, cell.variantSpec);
    const { plans, errors } = planInputs(inputMetadata(session), own.inputs, own.dims, cell.batch);
    if (errors.length > 0) throw new Error(errors.join("; "));
    if (!plans.some((p) => p.file !== undefined)) throw new Error("labels need the inputs' samples from files (inputs.NAME.file)");
    const output = labels.output ?? session.outputNames[0] ?? "";
    if (!session.outputNames.includes(output)) throw new Error(`the model has no output '${output}' (its outputs: ${session.outputNames.join(", ")})`);
    const truth = readSamples(labels.file, "float64", []);
    const sets = feedSetsOf(plans, seed);
    const scoredSamples = Math.min(truth.shape[0] ?? 0, sets.length * cell.batch);
    const outputs: OutputValues[] = [];
    let carried: Record<string, ort.Tensor> = {};
    for (let k = 0; k * cell.batch < scoredSamples; k++) {
      const out = await session.run({ ...(sets[k] as Record<string, ort.Tensor>), ...carried });
      carried = Object.fromEntries(target.state.map(({ from, to }) => [to, out[from] as ort.Tensor]));
      outputs.push(valuesOf(out[output] as ort.Tensor));
    }
    const per = truth.shape.slice(1).reduce((a, b) => a * b, 1);
    const shape = [scoredSamples, ...truth.shape.slice(1)];
    return scoreLabels(labels.metric, outputs, { values: truth.values.subarray(0, scoredSamples * per), shape }, { output, file: labels.file });
  } finally {
    await session.release();
  }
}

/**
 * Each local cell's output digest (accuracy/digest.ts): its model run once on one seeded input
 * set, the first values of every output kept. One per variant × batch × provider, shared by its
 * thread counts; a cell whose model fails here has none (its timing says why).
 */
export async function measureDigests(cells: readonly PlannedCell[], seed: number, signal?: AbortSignal): Promise<Map<number, OutputDigest>> {
  const result = new Map<number, OutputDigest>();
  const computed = new Map<string, OutputDigest | null>();
  const digestSeed = deriveSeed(seed, "output digest");
  for (const [index, cell] of cells.entries()) {
    const target = cell.targetSpec;
    if (signal?.aborted) break;
    if (target.kind !== "onnx" || cell.load.mode !== "single" || !cell.variantSpec.modelPath) continue;
    const key = JSON.stringify([cell.target, cell.variant, cell.batch, cell.provider]);
    if (!computed.has(key)) {
      try {
        const outputs = await outputsOf(cell.variantSpec.modelPath, cell, target, [digestSeed]);
        const digest: OutputDigest = { seed: digestSeed, outputs: {} };
        for (const [name, [values]] of outputs) {
          if (values) digest.outputs[name] = { dims: [...values.dims], values: Array.from(values.data).slice(0, DIGEST_VALUES) };
        }
        computed.set(key, digest);
      } catch {
        computed.set(key, null);
      }
    }
    const digest = computed.get(key);
    if (digest) result.set(index, digest);
  }
  return result;
}
