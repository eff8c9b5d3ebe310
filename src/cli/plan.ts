import { ExitCode, UserError } from "../errors.js";
import { expandCells, filterCells, type PlannedCell } from "../suite/expand.js";
import { checkModels } from "../runners/check-models.js";
import { loadSuite, SuiteError } from "../suite/load.js";
import type { ResolvedSuite } from "../suite/resolve.js";

export interface SuitePlan {
  file: string;
  suite: ResolvedSuite;
  cells: PlannedCell[];
}

/**
 * Load and check every suite and its models before anything runs: a typo in the third file should
 * not cost the first two files' measurements. All problems of all files are reported together.
 */
export async function planSuites(files: string[], opts: { seed?: number; filter?: string[] }): Promise<SuitePlan[]> {
  const suites: { file: string; suite: ResolvedSuite }[] = [];
  const problems: string[] = [];
  for (const file of files) {
    try {
      const suite = loadSuite(file);
      if (opts.seed !== undefined) suite.seed = opts.seed;
      problems.push(...(await checkModels(suite, file)));
      suites.push({ file, suite });
    } catch (err) {
      if (err instanceof SuiteError) problems.push(...err.problems);
      else throw err;
    }
  }
  if (problems.length > 0) throw new SuiteError(problems);
  return suites.map(({ file, suite }) => {
    const cells = filterCells(expandCells(suite), opts.filter ?? []);
    if (cells.length === 0) {
      throw new UserError(`${file}: --filter ${(opts.filter ?? []).join(" ")} matches none of the suite's cells`);
    }
    return { file, suite, cells };
  });
}

/**
 * First Ctrl-C: finish storing what is done and stop; second: exit at once. `interrupted()` is
 * what the measurement loops poll between calls.
 */
export function onInterrupt(): { interrupted: () => boolean; dispose: () => void } {
  let count = 0;
  const handler = () => {
    count++;
    if (count > 1) process.exit(ExitCode.interrupted);
    process.stderr.write("\nbench: interrupted; stopping after storing the finished cells (Ctrl-C again to abort)\n");
  };
  process.on("SIGINT", handler);
  return { interrupted: () => count > 0, dispose: () => process.off("SIGINT", handler) };
}
