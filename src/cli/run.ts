import { ExitCode, UserError } from "../errors.js";
import { executeSuite, type Order } from "../measure/execute.js";
import { renderRunJson } from "../report/json.js";
import { renderRunTable } from "../report/table.js";
import type { RunResult } from "../results.js";
import { onnxRunner } from "../runners/onnx.js";
import { Store } from "../store/db.js";
import { expandCells, filterCells } from "../suite/expand.js";
import { checkModels, loadSuite, SuiteError } from "../suite/load.js";
import type { ResolvedSuite } from "../suite/resolve.js";
import { useColor } from "./output.js";
import { createProgress } from "./progress.js";

export interface RunOptions {
  db: string;
  json?: boolean;
  filter?: string[];
  seed?: number;
  order?: Order;
  quiet?: boolean;
}

export async function runCommand(files: string[], opts: RunOptions): Promise<number> {
  // Every suite is checked before anything runs: a typo in the third file should not cost the
  // first two files' measurements.
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

  const plans = suites.map(({ file, suite }) => {
    const cells = filterCells(expandCells(suite), opts.filter ?? []);
    if (cells.length === 0) {
      throw new UserError(`${file}: --filter ${(opts.filter ?? []).join(" ")} matches none of the suite's cells`);
    }
    return { suite, cells };
  });

  const store = Store.open(opts.db);
  let interrupts = 0;
  const onSigint = () => {
    interrupts++;
    if (interrupts > 1) process.exit(ExitCode.interrupted);
    process.stderr.write("\nbench: interrupted; stopping after storing the finished cells (Ctrl-C again to abort)\n");
  };
  process.on("SIGINT", onSigint);
  const results: RunResult[] = [];
  try {
    for (const { suite, cells } of plans) {
      const progress = createProgress({ quiet: opts.quiet === true, suite: suite.name });
      try {
        results.push(
          await executeSuite(suite, {
            store,
            runner: onnxRunner,
            cells,
            order: opts.order ?? suite.order,
            onProgress: progress.onProgress,
            interrupted: () => interrupts > 0,
          }),
        );
      } finally {
        progress.stop();
      }
      if (interrupts > 0) break;
    }
  } finally {
    process.off("SIGINT", onSigint);
    store.close();
  }

  if (opts.json) {
    // One document per run; several suites give a JSON array of such documents.
    const docs = results.map((r) => renderRunJson(r).trimEnd());
    process.stdout.write(docs.length === 1 ? `${docs[0]}\n` : `[\n${docs.join(",\n")}\n]\n`);
  } else {
    const color = useColor(process.stdout);
    process.stdout.write(results.map((r) => renderRunTable(r, { color })).join("\n"));
    for (const r of results) process.stderr.write(`stored run ${r.run.id} in ${opts.db}\n`);
  }
  if (interrupts > 0) return ExitCode.interrupted;
  if (results.some((r) => r.cells.some((c) => c.status === "failed"))) return ExitCode.benchmarkFailed;
  return ExitCode.ok;
}
