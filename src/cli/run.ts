import { ExitCode, UserError } from "../errors.js";
import { executeSuite, type Order } from "../measure/execute.js";
import { runDocument, withSamples } from "../report/json.js";
import { renderRunTable } from "../report/table.js";
import type { RunResult } from "../results.js";
import { defaultRunner } from "../runners/index.js";
import { Store } from "../store/db.js";
import type { ResolvedSuite } from "../suite/resolve.js";
import { diffSides, type DiffResult } from "../compare/diff.js";
import { environmentTolerances, resolvePolicy } from "../compare/policy.js";
import { loadSide, type Side } from "../compare/source.js";
import { diffDocument } from "../report/diff-json.js";
import { type GateOptions, reportDiff } from "./gate.js";
import { useColor } from "./output.js";
import { onInterrupt, planSuites } from "./plan.js";
import { createProgress } from "./progress.js";

export interface RunOptions extends GateOptions {
  db: string;
  baselines: string;
  baseline?: string;
  samples?: boolean;
  threshold?: number;
  metric?: string[];
  json?: boolean;
  filter?: string[];
  seed?: number;
  order?: Order;
  quiet?: boolean;
}

export async function runCommand(files: string[], opts: RunOptions): Promise<number> {
  const plans = await planSuites(files, opts);

  // A baseline that is missing, corrupted or of another suite is found out before the run, not after.
  const baselines = new Map<string, Side>();
  if (opts.baseline) {
    for (const { suite } of plans) {
      const ref = opts.baseline.includes("/") ? opts.baseline : `${suite.name}/${opts.baseline}`;
      const side = loadSide(`baseline:${ref}`, { baselinesDir: opts.baselines });
      if (side.suite !== suite.name) {
        throw new UserError(`--baseline ${opts.baseline}: it is a baseline of suite '${side.suite}', not of '${suite.name}'`);
      }
      baselines.set(suite.name, side);
    }
  }

  const store = Store.open(opts.db);
  const { interrupted, dispose } = onInterrupt();
  const outcomes: { result: RunResult; diffs: DiffResult[] }[] = [];
  try {
    for (const { suite, cells } of plans) {
      const progress = createProgress({ quiet: opts.quiet === true, suite: suite.name });
      let result: RunResult;
      try {
        result = await executeSuite(suite, {
          store,
          runner: defaultRunner,
          cells,
          order: opts.order ?? suite.order,
          onProgress: progress.onProgress,
          interrupted,
        });
      } finally {
        progress.stop();
      }
      outcomes.push({ result, diffs: interrupted() ? [] : comparisons(result, suite, store, baselines.get(suite.name), opts) });
      if (interrupted()) break;
    }

    if (opts.json) {
      // One document per run; several suites give a JSON array of such documents.
      const docs = outcomes.map(({ result, diffs }) => jsonDocument(result, diffs, opts.samples ? store : undefined));
      process.stdout.write(`${JSON.stringify(docs.length === 1 ? docs[0] : docs, null, 2)}\n`);
    } else {
      const color = useColor(process.stdout);
      for (const { result } of outcomes) {
        process.stdout.write(renderRunTable(result, { color }));
        process.stderr.write(`stored run ${result.run.id} in ${opts.db}\n`);
      }
    }
  } finally {
    dispose();
    store.close();
  }

  if (interrupted()) return ExitCode.interrupted;
  let code: number = ExitCode.ok;
  for (const { result, diffs } of outcomes) {
    for (const d of diffs) {
      const gating = opts.failOnRegression === true || d.base.startsWith("baseline:");
      // With --json the comparison is inside the run document; only the exit code and files remain.
      const exit = reportDiff(d, { ...opts, json: undefined, quietStdout: opts.json === true, failOnRegression: gating, title: result.run.suite });
      if (exit !== ExitCode.ok) code = exit;
    }
  }
  if (outcomes.some(({ result }) => result.cells.some((c) => c.status === "failed"))) return ExitCode.benchmarkFailed;
  return code;
}

/** The comparisons a run asks for: against --baseline, and the suite's own `compare: {base, head}`. */
function comparisons(result: RunResult, suite: ResolvedSuite, store: Store, baseline: Side | undefined, opts: RunOptions): DiffResult[] {
  const ctx = { store: () => store, baselinesDir: opts.baselines };
  const out: DiffResult[] = [];
  const compare = (base: Side, head: Side) => {
    const policy = resolvePolicy(base, head, opts);
    out.push(diffSides(base, head, { policy, environment: environmentTolerances(base, head), seed: suite.seed }));
  };
  if (suite.compare) {
    compare(loadSide(`${result.run.id}:${suite.compare.base}`, ctx), loadSide(`${result.run.id}:${suite.compare.head}`, ctx));
  }
  if (baseline) compare(baseline, loadSide(result.run.id, ctx));
  return out;
}

function jsonDocument(result: RunResult, diffs: DiffResult[], samplesFrom: Store | undefined): unknown {
  const doc = runDocument(result);
  const cells = samplesFrom ? withSamples(doc.cells, result.run.id, samplesFrom) : doc.cells;
  return diffs.length > 0 ? { ...doc, cells, comparisons: diffs.map(diffDocument) } : { ...doc, cells };
}
