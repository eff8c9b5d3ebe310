import { existsSync } from "node:fs";
import { namedDims, planInputs, type TensorPlan, unknownDims } from "../inputs/plan.js";
import { fileProblem } from "../suite/files.js";
import { type ResolvedSuite, variantInputs } from "../suite/resolve.js";
import { errorMessage } from "../errors.js";
import { feedSets, readSamples } from "../inputs/files.js";
import type { inspectModel } from "./onnx.js";
import { inspectModelCached } from "./model-cache.js";

/** The tensors one variant of a target is fed at one batch size. */
export interface ResolvedInputs {
  target: string;
  variant: string;
  batch: number;
  plans: TensorPlan[];
}

export interface ModelCheck {
  /** `FILE: key.path: message`: the suite cannot run as written. */
  problems: string[];
  /** `FILE: key.path: message`: it runs, but on a guess the user should see (an integer input's default fill). */
  warnings: string[];
  /** What every local variant is fed, per batch size. */
  resolved: ResolvedInputs[];
}

/**
 * The checks that need the models themselves: each file exists, onnxruntime can load it, and the
 * suite's inputs fit the model at every batch size; and what each is then fed.
 */
export async function checkModels(suite: ResolvedSuite, displayFile: string): Promise<ModelCheck> {
  const problems: string[] = [];
  const warnings = new Set<string>();
  const resolved: ResolvedInputs[] = [];
  for (const t of suite.targets) {
    // A remote target's inputs come from its server, which need not be up for validation.
    if (t.kind !== "onnx") continue;
    const named = new Set<string>();
    let inspected = 0;
    for (const v of t.variants) {
      const key = `targets.${t.name}.variants.${v.name}`;
      if (!v.modelPath || !existsSync(v.modelPath)) {
        problems.push(`${displayFile}: ${key}: model file not found: ${v.model} (resolved to ${v.modelPath})`);
        continue;
      }
      // A directory or an empty file gets onnxruntime's C++ signature instead of a reason: check it first.
      const fileIssue = fileProblem(v.modelPath, "model (.onnx)");
      if (fileIssue) {
        problems.push(`${displayFile}: ${key}: ${v.model} ${fileIssue}`);
        continue;
      }
      let inputs: Awaited<ReturnType<typeof inspectModel>>;
      try {
        // onnxruntime only for a suite with ONNX targets: a remote-only suite never loads it.
        // From the cache when this very file loaded before (model-cache.ts): then onnxruntime is not loaded here at all.
        inputs = await inspectModelCached(v.modelPath, async (p) => (await import("./onnx.js")).inspectModel(p));
      } catch (err) {
        const reason = (err instanceof Error ? err.message : String(err)).split("\n")[0];
        problems.push(`${displayFile}: ${key}: ${v.model} is not a loadable ONNX model (onnxruntime: ${reason})`);
        continue;
      }
      inspected++;
      // A state fed back must name an output and an input of this model.
      if (t.state.length > 0) {
        // The ONNX file's own reader (protobufjs, ~60 ms to load) only for a suite that feeds a state back.
        const { describeModel } = await import("./model-file.js");
        const outputs = describeModel(v.modelPath).outputs.map((o) => o.name);
        const inputNames = inputs.map((i) => i.name);
        t.state.forEach(({ from, to }, i) => {
          if (!outputs.includes(from))
            problems.push(`${displayFile}: targets.${t.name}.state[${i}].from: ${v.model} has no output '${from}' (its outputs: ${outputs.join(", ")})`);
          if (!inputNames.includes(to))
            problems.push(`${displayFile}: targets.${t.name}.state[${i}].to: ${v.model} has no input '${to}' (its inputs: ${inputNames.join(", ")})`);
        });
      }
      const own = variantInputs(t, v);
      for (const d of namedDims(inputs, own.inputs)) named.add(d);
      const seen = new Set<string>();
      for (const batch of t.batch) {
        const planned = planInputs(inputs, own.inputs, own.dims, batch);
        for (const e of planned.errors) {
          const line = `${displayFile}: targets.${t.name}.${e} (model ${v.model})`;
          if (!seen.has(line)) problems.push(line);
          seen.add(line);
        }
        for (const w of planned.warnings) warnings.add(`${displayFile}: targets.${t.name}.${w}`);
        if (planned.errors.length === 0) {
          resolved.push({ target: t.name, variant: v.name, batch, plans: planned.plans });
          // Data files are read and cut into this batch now: a wrong shape is found before the run.
          for (const p of planned.plans) {
            if (p.file === undefined) continue;
            try {
              feedSets(p, readSamples(p.file, p.dtype, p.shape.slice(1)), p.file);
            } catch (err) {
              const line = `${displayFile}: targets.${t.name}.inputs.${p.name}.file: ${errorMessage(err)}`;
              if (!seen.has(line)) problems.push(line);
              seen.add(line);
            }
          }
        }
      }
    }
    // dims is shared by the target's variants: a key is unknown when none of them names it.
    if (inspected === t.variants.length) for (const e of unknownDims(named, t.dims)) problems.push(`${displayFile}: targets.${t.name}.${e}`);
  }
  return { problems, warnings: [...warnings], resolved };
}
