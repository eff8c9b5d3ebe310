import { SuiteError } from "../suite/load.js";
import { planSuites } from "./plan.js";
import { type Outcome, OK } from "./outcome.js";

/** The checks `bench run` makes before it runs anything, file by file, with a line for each good one. */
export async function validateCommand(files: string[]): Promise<Outcome> {
  const problems: string[] = [];
  for (const file of files) {
    try {
      const [plan] = await planSuites([file], {});
      if (!plan) continue;
      const { suite, cells } = plan;
      const variants = suite.targets.reduce((n, t) => n + t.variants.length, 0);
      process.stdout.write(`${file}: ok (suite '${suite.name}': ${suite.targets.length} targets, ${variants} model variants, ${cells.length} cells)\n`);
    } catch (err) {
      if (err instanceof SuiteError) problems.push(...err.problems);
      else throw err;
    }
  }
  if (problems.length > 0) throw new SuiteError(problems);
  return OK;
}
