import { UserError } from "../errors.js";
import { executeSuite } from "../measure/execute.js";
import { runDocument } from "../report/json.js";
import { renderRunTable } from "../report/table.js";
import type { Order, RunResult, ShardOf } from "../results.js";
import { checkDebugRunner } from "../runners/index.js";
import { Store } from "../store/db.js";
import type { PlannedCell } from "../suite/expand.js";
import type { ResolvedSuite } from "../suite/resolve.js";
import type { LoadedAhead } from "../suite/load-worker.js";
import { compareSides } from "../compare/index.js";
import { checkMetricNames } from "../compare/policy.js";
import type { Side } from "../compare/side.js";
import { digestChanges } from "../accuracy/digest.js";
import { accuracyBreaches, accuracyDrops } from "../accuracy/limits.js";
import { checkOutputFiles, type GateOptions, type Gated, reportDiffs } from "./gate.js";
import { type Outcome, OK, worst } from "./outcome.js";
import { useColor } from "./output.js";
import { type Interrupt, interruptedBy, onInterrupt, planSuites, type SuitePlan } from "./plan.js";
import { selectShard, splitLoad } from "../scale/shard.js";
import { createProgress } from "./progress.js";
import { type PrestartedTrial, spawnTrials } from "./spawn-trial.js";

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
  /** With --baseline: measure the cells found regressed again in new trials, and gate on those alone (default on; --no-confirm). */
  confirm?: boolean;
  /** The trial plan from the command line: `N` or `MIN-MAX` trials. */
  trials?: { min: number; max: number };
  /** Hidden: a deterministic fake runner for tests (src/runners/fake.ts). */
  debugRunner?: string;
  /** `--report FILE`: a report of the stored runs (src/cli/report.ts), in the format of its extension or `--report-format`. */
  report?: string;
  reportFormat?: string;
  /** onnxruntime's profiler on every local cell after the trials: operators and execution providers, stored with the cell. */
  profile?: boolean;
  /** `--shard I/N`: only the I-th of N parts of the matrix (src/scale/shard.ts). */
  shard?: ShardOf;
  /** `--load-shard I/N`: every load cell sends 1/N of its load from this machine. */
  loadShard?: ShardOf;
}

/** `prestarted`: the first trial's process, started by the caller before this command loaded (spawn-trial.ts); ended here if unused. */
export async function runCommand(
  files: string[],
  opts: RunOptions,
  prestarted?: PrestartedTrial,
  ahead?: Promise<LoadedAhead[] | undefined>,
): Promise<Outcome> {
  // From the start: a signal while the suites and models are checked ends the command with the
  // signal's code before anything is created.
  const interrupt = onInterrupt();
  try {
    return await runSuites(files, opts, interrupt, prestarted, ahead);
  } finally {
    prestarted?.dispose();
    interrupt.dispose();
  }
}

async function runSuites(
  files: string[],
  opts: RunOptions,
  interrupt: Interrupt,
  prestarted: PrestartedTrial | undefined,
  ahead: Promise<LoadedAhead[] | undefined> | undefined,
): Promise<Outcome> {
  const { signal } = interrupt;
  checkMetricNames(opts.metric);
  checkOutputFiles(opts);
  checkDebugRunner(opts.debugRunner); // a bad --debug-runner is bad input before anything runs
  // Loaded only when asked for: the HTML renderer brings its charting library.
  const reporting = opts.report !== undefined ? await import("./report.js") : undefined;
  const report = reporting && opts.report !== undefined ? { file: opts.report, format: reporting.prepareRunReport(opts.report, opts.reportFormat) } : undefined;
  if (opts.loadShard && opts.shard) {
    throw new UserError("--shard with --load-shard: a run is either a part of the matrix or one of the load generators of every load cell; give one of them");
  }
  if (opts.loadShard && opts.baseline) {
    throw new UserError(
      `--baseline with --load-shard: a load shard sends 1/${opts.loadShard.count} of each load, the baseline all of it; gate on the merged run (bench merge, then bench diff baseline:${opts.baseline} latest)`,
    );
  }
  const plans = shardPlans(await planSuites(files, { ...opts, ...(ahead ? { ahead } : {}) }), opts);
  // Guesses the run rests on (an integer input's default fill) are said before it starts, even with -q.
  for (const w of plans.flatMap((p) => p.warnings)) process.stderr.write(`bench: warning: ${w}\n`);

  // A baseline that is missing, corrupted or of another suite is found out before the run, not after.
  const baselines = new Map<string, Side>();
  // The reader of baselines and stored runs (it loads zod) only for a run that compares.
  const sides = opts.baseline || plans.some((p) => p.suite.compare) ? await import("./sides.js") : undefined;
  if (opts.baseline && sides) {
    for (const { suite } of plans) {
      const ref = opts.baseline.includes("/") ? opts.baseline : `${suite.name}/${opts.baseline}`;
      const side = sides.loadSide(`baseline:${ref}`, { baselinesDir: opts.baselines });
      if (side.suite !== suite.name) {
        throw new UserError(`--baseline ${opts.baseline}: it is a baseline of suite '${side.suite}', not of '${suite.name}'`);
      }
      baselines.set(suite.name, side);
    }
  }

  const before = interruptedBy(signal);
  if (before) return { kind: "interrupted", signal: before };
  const store = Store.open(opts.db);
  const outcomes: { result: RunResult; gated: Gated[]; failures: string[] }[] = [];
  const accuracyBreached: string[] = [];
  /**
   * A signal cut the work short: a run was interrupted, or a suite or a confirmation was not run.
   * One that arrives after the last run was stored as completed cuts nothing: the command ends as
   * it would have, with the code its results give.
   */
  let cut = false;
  const stopped = () => signal.aborted;
  try {
    /** One run of `cells` of the suite in trials, each a fresh process given the same cell filter. */
    const measure = async (suite: ResolvedSuite, cells: PlannedCell[], filter: string[] | undefined): Promise<RunResult> => {
      const progress = createProgress({ quiet: opts.quiet === true, suite: suite.name });
      const trials = opts.trials ? { ...suite.trials, ...opts.trials } : suite.trials;
      const origin = { ...(opts.shard ? { shard: opts.shard } : {}), ...(opts.loadShard ? { loadShard: opts.loadShard } : {}) };
      try {
        return await executeSuite(suite, {
          outputs: opts.debugRunner === undefined,
          profile: opts.profile === true,
          store,
          cells,
          ...(opts.shard || opts.loadShard ? { origin } : {}),
          trials,
          order: opts.order ?? suite.order,
          launch: spawnTrials({
            file: suite.file,
            db: opts.db,
            trialsMax: trials.max,
            seed: opts.seed,
            order: opts.order,
            filter,
            debugRunner: opts.debugRunner,
            plan: { suite, cells },
            ...(prestarted ? { prestarted } : {}),
            interrupt,
            onCell: (e) => progress.cell(e),
          }),
          onTrial: (e) => {
            if (e.phase === "start") progress.trialStart(e.trial, e.plan);
          },
          signal,
        });
      } finally {
        progress.stop();
      }
    };
    for (const { suite, cells } of plans) {
      if (stopped()) {
        cut = true; // a suite not measured at all
        break;
      }
      const result = await measure(suite, cells, opts.filter);
      const baseline = baselines.get(suite.name);
      const interrupted = result.run.status === "interrupted";
      cut ||= interrupted;
      const made = interrupted ? { gated: [], failures: [] } : comparisons(result, suite, store, baseline, opts, sides);
      outcomes.push({ result, ...made });
      if (!interrupted) accuracyBreached.push(...outputGate(result, suite, baseline, opts.failOnRegression === true));
      const gate = made.gated.find((g) => g.gating && g.diff.base.startsWith("baseline:"));
      const flagged = [...new Set(gate?.diff.comparisons.filter((c) => c.verdict === "regression").map((c) => c.cell) ?? [])];
      if (baseline && gate && flagged.length > 0 && opts.confirm !== false) {
        // Interrupted before the gate could confirm: the gate has not decided.
        if (stopped()) {
          cut = true;
          break;
        }
        // Confirm before failing: the flagged cells again, in new trials; only these decide the gate.
        if (!opts.quiet)
          process.stderr.write(`bench: ${suite.name}: regression in ${flagged.length} cell(s); confirming in new trials (--no-confirm to skip)\n`);
        const [again] = await planSuites([suite.file], { ...opts, filter: flagged, checkModels: false });
        if (!again) continue;
        const confirmation = await measure(again.suite, opts.loadShard ? splitLoad(again.cells, opts.loadShard) : again.cells, flagged);
        gate.gating = false;
        gate.title = `${suite.name} (first trials)`;
        if (confirmation.run.status === "interrupted") {
          cut = true;
          outcomes.push({ result: confirmation, gated: [], failures: [] });
          break;
        }
        const confirmed = comparisons(confirmation, again.suite, store, baseline, { ...opts, failOnRegression: false }, sides).gated.find((g) => g.gating);
        if (confirmed) confirmed.title = `${suite.name}: confirmation of ${flagged.length} cell(s)`;
        outcomes.push({ result: confirmation, gated: confirmed ? [confirmed] : [], failures: [] });
      }
    }

    if (opts.json) {
      // One document per run; several suites give a JSON array of such documents.
      const docs = outcomes.map(({ result, gated }) =>
        runDocument(result, {
          comparisons: gated.map((g) => g.diff),
          ...(opts.samples ? { samplesNs: (cellId: string) => store.loadSamples(result.run.id, cellId) } : {}),
        }),
      );
      process.stdout.write(`${JSON.stringify(docs.length === 1 ? docs[0] : docs, null, 2)}\n`);
    } else {
      const color = useColor(process.stdout);
      for (const { result } of outcomes) {
        process.stdout.write(renderRunTable(result, { color }));
        process.stderr.write(`stored run ${result.run.id} in ${opts.db}\n`);
      }
    }
    // After the runs are stored, whatever their cells did.
    if (reporting && report)
      await reporting.writeRunReport(
        outcomes.map((o) => o.result),
        store,
        report.file,
        report.format,
      );
  } finally {
    store.close();
  }

  const interrupted = interruptedBy(signal);
  if (cut && interrupted) return { kind: "interrupted", signal: interrupted };
  // The runs are stored and printed; a comparison that could not be made is said last.
  const failures = outcomes.flatMap((o) => o.failures);
  for (const f of failures) process.stderr.write(`bench: ${f}\n`);
  // With --json the comparisons are inside the run documents; only the exit code and files remain.
  const gate = reportDiffs(
    outcomes.flatMap((o) => o.gated),
    { ...opts, json: undefined, quietStdout: opts.json === true },
  );
  const notMade: Outcome[] = failures.length > 0 ? [{ kind: "bad-input", message: `${failures.length} comparison(s) could not be made (see above)` }] : [];
  for (const b of accuracyBreached) process.stderr.write(`bench: ${b}\n`);
  const accuracyGate: Outcome[] = accuracyBreached.length > 0 ? [{ kind: "regression" }] : [];
  return worst([...outcomes.map(({ result }) => runOutcome(result)), ...notMade, gate, ...accuracyGate]);
}

/**
 * `--shard I/N`: each suite's I-th of N parts of its (filtered) matrix; `--load-shard I/N`: its
 * load cells at 1/N of their load. A shard left without a cell (more shards than cells) is bad input.
 */
function shardPlans(plans: SuitePlan[], opts: RunOptions): SuitePlan[] {
  const { shard, loadShard } = opts;
  if (!shard && !loadShard) return plans;
  return plans.flatMap((p) => {
    const cells = shard ? selectShard(p.cells, shard) : p.cells;
    if (cells.length === 0) {
      throw new UserError(
        `${p.file}: --shard ${shard?.index}/${shard?.count} has no cells: the suite has ${p.cells.length}; use at most ${p.cells.length} shards`,
      );
    }
    return [{ ...p, cells: loadShard ? splitLoad(cells, loadShard) : cells }];
  });
}

/**
 * What a gated run's outputs say, a line each: `regression.accuracy` limits (with --baseline or
 * --fail-on-regression), and against a baseline its output digests and `maxDrop`. Any line fails
 * the gate, whatever the latency did.
 */
function outputGate(result: RunResult, suite: ResolvedSuite, baseline: Side | undefined, failOnRegression: boolean): string[] {
  const limits = suite.regression.accuracy;
  const lines = baseline || failOnRegression ? accuracyBreaches(result.cells, limits).map((b) => `accuracy limit: ${suite.name}: ${b}`) : [];
  if (!baseline) return lines;
  const against = `${suite.name} vs ${baseline.label}`;
  lines.push(...digestChanges(baseline.cells, result.cells).map((b) => `outputs changed: ${against}: ${b}`));
  if (limits.maxDrop !== undefined) lines.push(...accuracyDrops(baseline.cells, result.cells, limits.maxDrop).map((b) => `accuracy fell: ${against}: ${b}`));
  return lines;
}

/**
 * A run fails when a cell errored or was invalid (its load generator could not drive the load: its
 * numbers are not the system's), or when it measured nothing (every cell skipped).
 */
function runOutcome({ run, cells }: RunResult): Outcome {
  const failed = cells.filter((c) => c.status === "failed");
  const invalid = cells.filter((c) => c.status === "invalid");
  if (failed.length > 0 || invalid.length > 0) {
    const parts = [
      ...(failed.length > 0 ? [`${failed.length} of ${cells.length} cells failed`] : []),
      ...(invalid.length > 0 ? [`${invalid.length} of ${cells.length} cells invalid`] : []),
    ];
    return { kind: "failed", reason: `${run.suite}: ${parts.join(", ")} (their errors are in the table)` };
  }
  if (!cells.some((c) => c.status === "ok")) return { kind: "failed", reason: `${run.suite}: nothing was measured: every cell was skipped` };
  return OK;
}

/**
 * The comparisons a run asks for: the suite's own `compare: {base, head}` (gating only with
 * --fail-on-regression) and --baseline (always gating). One that cannot be made (a --filter left
 * one side empty, the baseline shares no cell) becomes a message, not a lost run.
 */
function comparisons(
  result: RunResult,
  suite: ResolvedSuite,
  store: Store,
  baseline: Side | undefined,
  opts: RunOptions,
  sides: typeof import("./sides.js") | undefined,
): { gated: Gated[]; failures: string[] } {
  if (!sides) return { gated: [], failures: [] }; // neither a baseline nor the suite's own comparison
  const { loadSide } = sides;
  const ctx = { store: () => store, baselinesDir: opts.baselines };
  const gated: Gated[] = [];
  const failures: string[] = [];
  const compare = (base: () => Side, head: () => Side, gating: boolean) => {
    try {
      gated.push({ diff: compareSides(base(), head(), opts, suite.seed), title: suite.name, gating });
    } catch (err) {
      if (!(err instanceof UserError)) throw err;
      failures.push(`comparison not made: ${err.message}`);
    }
  };
  // A shard may lack one side's cells: the suite's comparison is made on the merged run.
  if (suite.compare && !opts.shard) {
    const { base, head } = suite.compare;
    compare(
      () => loadSide(`${result.run.id}:${base}`, ctx),
      () => loadSide(`${result.run.id}:${head}`, ctx),
      opts.failOnRegression === true,
    );
  }
  if (baseline)
    compare(
      () => baseline,
      () => loadSide(result.run.id, ctx),
      true,
    );
  return { gated, failures };
}
