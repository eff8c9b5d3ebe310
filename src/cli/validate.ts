import type { TensorPlan } from "../inputs/plan.js";
import { SuiteError } from "../suite/load.js";
import { planSuites } from "./plan.js";
import { type Outcome, OK } from "./outcome.js";

export interface ValidateOptions {
  inputs?: boolean;
}

/** "float32 [8, 256] random-normal(mean 0, std 1)": one tensor as the run will feed it. */
export function describeTensor(p: TensorPlan): string {
  const fill =
    typeof p.fill === "number"
      ? `constant ${p.fill}`
      : p.fill === "random-normal"
        ? `random-normal(mean ${p.mean}, std ${p.std})`
        : p.fill === "random-uniform" || p.fill === "range"
          ? `${p.fill}(low ${p.low}, high ${p.high})`
          : p.fill;
  return `${p.dtype} [${p.shape.join(", ")}] ${p.file !== undefined ? `samples from ${p.file}` : fill}`;
}

/**
 * The checks `bench run` makes before it runs anything, file by file, with a line for each good
 * one, then its warnings; with `--inputs`, the tensors each variant is fed at each batch size.
 */
export async function validateCommand(files: string[], opts: ValidateOptions = {}): Promise<Outcome> {
  const problems: string[] = [];
  for (const file of files) {
    try {
      const [plan] = await planSuites([file], {});
      if (!plan) continue;
      const { suite, cells } = plan;
      const variants = suite.targets.reduce((n, t) => n + t.variants.length, 0);
      process.stdout.write(`${file}: ok (suite '${suite.name}': ${suite.targets.length} targets, ${variants} model variants, ${cells.length} cells)\n`);
      for (const w of plan.warnings) process.stderr.write(`bench: warning: ${w}\n`);
      if (opts.inputs) {
        for (const r of plan.resolved) {
          process.stdout.write(`  ${r.target}/${r.variant}/b${r.batch}\n`);
          for (const p of r.plans) process.stdout.write(`    ${p.name}: ${describeTensor(p)}\n`);
        }
      }
    } catch (err) {
      if (err instanceof SuiteError) problems.push(...err.problems);
      else throw err;
    }
  }
  if (problems.length > 0) throw new SuiteError(problems);
  return OK;
}
