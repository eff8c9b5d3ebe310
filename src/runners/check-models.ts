import { existsSync } from "node:fs";
import { namedDims, planInputs, unknownDims } from "../inputs/plan.js";
import { fileProblem } from "../suite/files.js";
import type { ResolvedSuite } from "../suite/resolve.js";
import type { inspectModel } from "./onnx.js";

/**
 * The checks that need the models themselves: each file exists, onnxruntime can load it, and the
 * suite's inputs fit the model at every batch size. Returns problems as `FILE: key.path: message`.
 */
export async function checkModels(suite: ResolvedSuite, displayFile: string): Promise<string[]> {
  const problems: string[] = [];
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
        inputs = await (await import("./onnx.js")).inspectModel(v.modelPath);
      } catch (err) {
        const reason = (err instanceof Error ? err.message : String(err)).split("\n")[0];
        problems.push(`${displayFile}: ${key}: ${v.model} is not a loadable ONNX model (onnxruntime: ${reason})`);
        continue;
      }
      inspected++;
      for (const d of namedDims(inputs, t.inputs)) named.add(d);
      const seen = new Set<string>();
      for (const batch of t.batch) {
        for (const e of planInputs(inputs, t.inputs, t.dims, batch).errors) {
          const line = `${displayFile}: targets.${t.name}.${e} (model ${v.model})`;
          if (!seen.has(line)) problems.push(line);
          seen.add(line);
        }
      }
    }
    // dims is shared by the target's variants: a key is unknown when none of them names it.
    if (inspected === t.variants.length) for (const e of unknownDims(named, t.dims)) problems.push(`${displayFile}: targets.${t.name}.${e}`);
  }
  return problems;
}
