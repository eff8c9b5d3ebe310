import { ExitCode } from "../errors.js";
import { expandCells } from "../suite/expand.js";
import { checkModels, loadSuite, SuiteError } from "../suite/load.js";

export async function validateCommand(files: string[]): Promise<number> {
  const problems: string[] = [];
  for (const file of files) {
    try {
      const suite = loadSuite(file);
      const found = await checkModels(suite, file);
      problems.push(...found);
      if (found.length === 0) {
        const variants = suite.targets.reduce((n, t) => n + t.variants.length, 0);
        process.stdout.write(
          `${file}: ok (suite '${suite.name}': ${suite.targets.length} targets, ${variants} model variants, ${expandCells(suite).length} cells)\n`,
        );
      }
    } catch (err) {
      if (err instanceof SuiteError) problems.push(...err.problems);
      else throw err;
    }
  }
  if (problems.length > 0) throw new SuiteError(problems);
  return ExitCode.ok;
}
