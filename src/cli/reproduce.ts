import { existsSync } from "node:fs";
import { compareSides } from "../compare/index.js";
import { UserError } from "../errors.js";
import { sha256File } from "../fingerprint/index.js";
import { executeSuite } from "../measure/execute.js";
import type { RunResult } from "../results.js";
import { checkDebugRunner } from "../runners/index.js";
import { Store } from "../store/db.js";
import { expandCells } from "../suite/expand.js";
import { dataFiles, modelFiles, type ResolvedSuite } from "../suite/resolve.js";
import { checkOutputFiles, type GateOptions, reportDiffs } from "./gate.js";
import { type Outcome, OK, worst } from "./outcome.js";
import { interruptedBy, onInterrupt } from "./plan.js";
import { createProgress } from "./progress.js";
import { resolveRun } from "./run-ref.js";
import { loadSide } from "./sides.js";
import { spawnTrials } from "./spawn-trial.js";

export interface ReproduceOptions extends GateOptions {
  db: string;
  baselines: string;
  /** Run even when a model file's content is not what the run measured. */
  allowChanged?: boolean;
  threshold?: number;
  metric?: string[];
  quiet?: boolean;
  /** Hidden: the deterministic fake runner of the tests (src/runners/fake.ts). */
  debugRunner?: string;
}

/**
 * The model or data files of a stored run, checked against the hashes its fingerprint recorded:
 * one line per file that is gone or changed. A reproduction on other models or data is not a
 * reproduction. Data files a run stored before they were hashed have nothing to check against.
 */
async function changedFiles(
  kind: "model" | "data file",
  files: Readonly<Record<string, string>>,
  recorded: Readonly<Record<string, { sha256: string }>> | undefined,
): Promise<string[]> {
  if (recorded === undefined) return [];
  const problems: string[] = [];
  for (const [name, file] of Object.entries(files)) {
    if (!existsSync(file)) {
      problems.push(`${kind} ${name} is gone (${file})`);
      continue;
    }
    const then = recorded[name]?.sha256;
    const now = (await sha256File(file)).sha256;
    if (then === undefined) problems.push(`${kind} ${name} has no recorded hash to check`);
    else if (then !== now) problems.push(`${kind} ${name} changed (sha256 ${then.slice(0, 12)} then, ${now.slice(0, 12)} now)`);
  }
  return problems;
}

/**
 * `bench reproduce RUN`: the stored resolved suite measured again, the same cells with the same
 * seed, order and trial plan, as a new run; then `bench diff RUN NEW` with the environment
 * differences. Models and data files are checked by hash first: a changed one refuses the reproduction
 * (exit 2) unless --allow-changed.
 */
export async function reproduceCommand(ref: string, opts: ReproduceOptions): Promise<Outcome> {
  checkOutputFiles(opts);
  checkDebugRunner(opts.debugRunner);
  const interrupt = onInterrupt();
  const store = Store.open(opts.db);
  try {
    const id = resolveRun(store, ref);
    const stored = store.loadRun(id);
    const suite = stored.resolvedSuite as ResolvedSuite | null;
    if (!suite) throw new UserError(`run ${id}: its resolved suite is not stored, so it cannot be reproduced`);
    if (suite.targets.some((t) => t.kind === "http" && Object.keys(t.headers).length > 0))
      throw new UserError(`run ${id}: its remote targets' headers were redacted when stored; run the suite file again with bench run instead`);
    const { fingerprint } = stored.run;
    const problems = [
      ...(await changedFiles("model", modelFiles(suite), fingerprint.models)),
      ...(await changedFiles("data file", dataFiles(suite), fingerprint.data)),
    ];
    if (problems.length > 0 && !opts.allowChanged)
      throw new UserError(`run ${id}: cannot reproduce: ${problems.join("; ")} (--allow-changed to measure the files as they are now)`);
    for (const p of problems) process.stderr.write(`bench: warning: ${p}; measuring it as it is now (--allow-changed)\n`);

    const ids = new Set(stored.cells.map((c) => c.id));
    const cells = expandCells(suite).filter((c) => ids.has(c.id));
    if (cells.length === 0) throw new UserError(`run ${id}: none of its cells is in its stored suite any more`);
    const trials = stored.run.trials
      ? { min: stored.run.trials.min, max: stored.run.trials.max, targetRelativeCI: stored.run.trials.targetRelativeCI }
      : suite.trials;
    if (!opts.quiet) process.stderr.write(`bench: reproducing run ${id} (${suite.name}, seed ${suite.seed}, ${cells.length} cells)\n`);

    const progress = createProgress({ quiet: opts.quiet === true, suite: suite.name });
    let again: RunResult;
    try {
      again = await executeSuite(suite, {
        outputs: opts.debugRunner === undefined,
        store,
        cells,
        trials,
        order: stored.run.order,
        launch: spawnTrials({
          file: suite.file,
          db: opts.db,
          trialsMax: trials.max,
          order: stored.run.order,
          debugRunner: opts.debugRunner,
          plan: { suite, cells },
          interrupt,
          onCell: (e) => progress.cell(e),
        }),
        onTrial: (e) => {
          if (e.phase === "start") progress.trialStart(e.trial, e.plan);
        },
        signal: interrupt.signal,
      });
    } finally {
      progress.stop();
    }
    process.stderr.write(`stored run ${again.run.id} in ${opts.db} (a reproduction of ${id})\n`);
    const signal = interruptedBy(interrupt.signal);
    if (again.run.status === "interrupted" && signal) return { kind: "interrupted", signal };

    const ctx = { store: () => store, baselinesDir: opts.baselines };
    const diff = compareSides(loadSide(id, ctx), loadSide(again.run.id, ctx), opts, suite.seed);
    const failed = again.cells.filter((c) => c.status === "failed" || c.status === "invalid").length;
    const ran: Outcome = failed > 0 ? { kind: "failed", reason: `${suite.name}: ${failed} of ${again.cells.length} cells failed in the reproduction` } : OK;
    return worst([reportDiffs([{ diff, title: `${suite.name}: reproduction of ${id}`, gating: opts.failOnRegression === true }], opts), ran]);
  } finally {
    store.close();
    interrupt.dispose();
  }
}
