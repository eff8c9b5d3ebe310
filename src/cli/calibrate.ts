import { existsSync } from "node:fs";
import Table from "cli-table3";
import { baselinePath, readBaselineFile, writeBaseline } from "../baseline/files.js";
import { createBaseline, toBaselineCell } from "../baseline/format.js";
import { type Calibration, summarizeCalibration } from "../compare/calibrate.js";
import { type DiffResult, diffSides } from "../compare/diff.js";
import { environmentTolerances, resolvePolicy } from "../compare/policy.js";
import { loadSide } from "../compare/source.js";
import { ExitCode, UserError } from "../errors.js";
import { executeSuite } from "../measure/execute.js";
import type { RunResult } from "../results.js";
import { defaultRunner } from "../runners/index.js";
import { Store } from "../store/db.js";
import { onInterrupt, planSuites } from "./plan.js";
import { createProgress } from "./progress.js";

export interface CalibrateOptions {
  db: string;
  baselines: string;
  runs: number;
  baseline?: string;
  filter?: string[];
  json?: boolean;
  quiet?: boolean;
}

/**
 * A/A calibration: run the same suite several times, compare every pair of runs with the verdict
 * rule users get from `bench diff`, and report how often it cries wolf and what it can detect.
 */
export async function calibrateCommand(file: string, opts: CalibrateOptions): Promise<number> {
  if (opts.runs < 2) throw new UserError(`--runs ${opts.runs}: calibration compares pairs of runs; give at least 2`);
  const [plan] = await planSuites([file], opts);
  if (!plan) return ExitCode.usage;
  const { suite, cells } = plan;
  const store = Store.open(opts.db);
  const { interrupted, dispose } = onInterrupt();
  const runs: RunResult[] = [];
  try {
    for (let i = 0; i < opts.runs && !interrupted(); i++) {
      if (!opts.quiet) process.stderr.write(`calibration run ${i + 1}/${opts.runs}\n`);
      const progress = createProgress({ quiet: opts.quiet === true || !process.stderr.isTTY, suite: suite.name });
      try {
        runs.push(await executeSuite(suite, { store, runner: defaultRunner, cells, order: suite.order, onProgress: progress.onProgress, interrupted }));
      } finally {
        progress.stop();
      }
    }
    if (interrupted()) return ExitCode.interrupted;

    const ctx = { store: () => store, baselinesDir: opts.baselines };
    const diffs: DiffResult[] = [];
    for (let i = 0; i < runs.length; i++) {
      for (let j = i + 1; j < runs.length; j++) {
        const base = loadSide((runs[i] as RunResult).run.id, ctx);
        const head = loadSide((runs[j] as RunResult).run.id, ctx);
        const policy = resolvePolicy(base, head, {});
        diffs.push(diffSides(base, head, { policy, environment: environmentTolerances(base, head), seed: suite.seed + i * 1000 + j }));
      }
    }
    const calibration = summarizeCalibration(runs.map((r) => r.run.id), diffs);
    if (opts.json) process.stdout.write(`${JSON.stringify(calibration, null, 2)}\n`);
    else process.stdout.write(renderCalibration(calibration));

    if (opts.baseline) {
      const file = saveThresholds(opts, store, runs.at(-1) as RunResult, calibration);
      process.stderr.write(`wrote the suggested thresholds into ${file}\n`);
    }
    return runs.some((r) => r.cells.some((c) => c.status === "failed")) ? ExitCode.benchmarkFailed : ExitCode.ok;
  } finally {
    dispose();
    store.close();
  }
}

/** Into an existing baseline of the suite, or a new one made from the last calibration run. */
function saveThresholds(opts: CalibrateOptions, store: Store, last: RunResult, c: Calibration): string {
  const name = opts.baseline as string;
  const file = baselinePath(opts.baselines, last.run.suite, name);
  if (existsSync(file)) {
    const b = readBaselineFile(file);
    return writeBaseline(opts.baselines, { ...b, thresholds: c.suggested });
  }
  const { run, cells, resolvedSuite } = store.loadRun(last.run.id);
  const b = createBaseline(name, run, resolvedSuite, cells.map((x) => toBaselineCell(x, store.loadSamples(run.id, x.id))), new Date(), c.suggested);
  return writeBaseline(opts.baselines, b);
}

export function renderCalibration(c: Calibration): string {
  const metrics = [...new Set(c.cells.map((x) => x.metric))];
  const cells = [...new Set(c.cells.map((x) => x.cell))];
  const table = new Table({
    head: ["cell", "false alarms", ...metrics.map((m) => `${m}: A/A change · MDE`)],
    style: { head: [], border: [], compact: true },
  });
  for (const cell of cells) {
    const rows = c.cells.filter((x) => x.cell === cell);
    const alarms = rows.reduce((s, x) => s + x.falseAlarms, 0);
    const pairs = rows.reduce((s, x) => s + x.pairs, 0);
    table.push([
      cell,
      `${alarms}/${pairs}`,
      ...metrics.map((m) => {
        const x = rows.find((r) => r.metric === m);
        return x ? `${pct(x.typicalChange)} · ${pct(x.minimumDetectableEffect)}` : "";
      }),
    ]);
  }
  return [
    `A/A calibration: ${c.runs.length} runs (${c.runs.join(", ")}), ${c.pairs} pairs compared`,
    table.toString(),
    `false-alarm rate of the verdict rule: ${(c.falseAlarmRate * 100).toFixed(2)}% of ${c.cells.reduce((s, x) => s + x.pairs, 0)} comparisons`,
    `suggested thresholds: ${Object.entries(c.suggested).map(([m, v]) => `${m} ${pct(v)}`).join(", ")}`,
    "A/A change = median |change| between runs of the same code; MDE = the smallest regression the verdict",
    "catches reliably at the current threshold. Suggested = the smallest threshold no A/A interval cleared, ×1.25.",
    "",
  ].join("\n");
}

function pct(x: number): string {
  return `${(x * 100).toFixed(1)}%`;
}
