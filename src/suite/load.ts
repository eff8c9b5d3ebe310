import { existsSync, readFileSync, statSync } from "node:fs";
import { parseDocument } from "yaml";
import { UserError } from "../errors.js";
import { planInputs } from "../inputs/plan.js";
import { inspectModel } from "../runners/onnx.js";
import { type ResolvedSuite, resolveSuite } from "./resolve.js";
import { validateSuiteDocument } from "./validate.js";

/** Problems found in a suite, each already formatted as `FILE: key.path: message`. */
export class SuiteError extends UserError {
  constructor(readonly problems: string[]) {
    super(problems.join("\n"));
    this.name = "SuiteError";
  }
}

/** Read, parse and validate a suite file; every problem is reported, not just the first. */
export function loadSuite(file: string): ResolvedSuite {
  if (!existsSync(file)) throw new SuiteError([`${file}: no such suite file`]);
  if (statSync(file).isDirectory()) throw new SuiteError([`${file}: is a directory; expected a suite .yaml file`]);
  const doc = parseDocument(readFileSync(file, "utf8"));
  if (doc.errors.length > 0) {
    throw new SuiteError(
      doc.errors.map((e) => {
        const pos = e.linePos?.[0];
        const where = pos ? `line ${pos.line}, column ${pos.col}` : "YAML";
        const message = (e.message.split("\n")[0] ?? "").replace(/ at line \d+, column \d+:?$/, "");
        return `${file}: ${where}: invalid YAML: ${message}`;
      }),
    );
  }
  const raw: unknown = doc.toJS();
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
    throw new SuiteError([`${file}: expected a YAML mapping with at least 'name' and 'targets'`]);
  }
  const { suite, errors } = validateSuiteDocument(raw, process.env);
  if (!suite) throw new SuiteError(errors.map((e) => `${file}: ${e}`));
  return resolveSuite(suite, file);
}

/**
 * The checks that need the models themselves: each file exists, onnxruntime can load it, and the
 * suite's inputs fit the model at every batch size. Returns problems as `FILE: key.path: message`.
 */
export async function checkModels(suite: ResolvedSuite, displayFile: string): Promise<string[]> {
  const problems: string[] = [];
  for (const t of suite.targets) {
    // A remote target's inputs come from its server, which need not be up for validation.
    if (t.kind !== "onnx") continue;
    for (const v of t.variants) {
      const key = `targets.${t.name}.variants.${v.name}`;
      if (!v.modelPath || !existsSync(v.modelPath)) {
        problems.push(`${displayFile}: ${key}: model file not found: ${v.model} (resolved to ${v.modelPath})`);
        continue;
      }
      let inputs: Awaited<ReturnType<typeof inspectModel>>;
      try {
        inputs = await inspectModel(v.modelPath);
      } catch (err) {
        const reason = (err instanceof Error ? err.message : String(err)).split("\n")[0];
        problems.push(`${displayFile}: ${key}: ${v.model} is not a loadable ONNX model (onnxruntime: ${reason})`);
        continue;
      }
      const seen = new Set<string>();
      for (const batch of t.batch) {
        for (const e of planInputs(inputs, t.inputs, t.dims, batch).errors) {
          const line = `${displayFile}: targets.${t.name}.${e} (model ${v.model})`;
          if (!seen.has(line)) problems.push(line);
          seen.add(line);
        }
      }
    }
  }
  return problems;
}
