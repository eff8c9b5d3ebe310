import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { baselinePath, readBaselineFile, writeBaseline } from "../baseline/files.js";
import { createBaseline, type RunNoise, toBaselineCell } from "../baseline/format.js";
import { measureRunNoise, summarizeCalibration } from "../compare/calibrate.js";
import type { DiffResult } from "../compare/diff.js";
import { compareSides } from "../compare/index.js";
import { resolvePolicy } from "../compare/policy.js";
import type { Side } from "../compare/side.js";
import { loadSide } from "./sides.js";
import { ExitCode, UserError } from "../errors.js";
import type { CellResult } from "../results.js";
import { renderCalibration } from "../report/calibration-table.js";
import { jsonText } from "../report/format.js";
import { Store } from "../store/db.js";
import { type Interrupt, interruptedBy, onInterrupt, planSuites } from "./plan.js";
import { INTERRUPT_SIGNALS, type InterruptSignal, type Outcome, OK } from "./outcome.js";
import { endedByInterrupt, forwardInterrupt } from "./child.js";

export interface CalibrateOptions {
  db: string;
  baselines: string;
  runs: number;
  baseline?: string;
  filter?: string[];
  json?: boolean;
  quiet?: boolean;
  /** Hidden: each run with the fake runner (src/runners/fake.ts). */
  debugRunner?: string;
}

/**
 * A/A calibration: run the same suite several times, each run in its own process as CI would,
 * measure the run-to-run noise of every cell and metric, and check the verdict rule against it:
 * every pair of runs is compared, and since nothing changed, every regression or improvement is
 * a false alarm.
 */
export async function calibrateCommand(file: string, opts: CalibrateOptions): Promise<Outcome> {
  if (opts.runs < 2) throw new UserError(`--runs ${opts.runs}: calibration compares pairs of runs; give at least 2`);
  const runIds: string[] = [];
  // A signal is passed on to the run in progress (child.ts): it stores what it finished and marks
  // itself interrupted; then this command ends with the signal's code.
  const interrupt = onInterrupt();
  let seed: number;
  try {
    const [plan] = await planSuites([file], opts);
    if (!plan) throw new UserError(`${file}: no suite to calibrate`);
    seed = plan.suite.seed;
    for (let i = 0; i < opts.runs; i++) {
      if (interrupt.signal.aborted) return { kind: "interrupted", signal: interruptedBy(interrupt.signal) ?? "SIGINT" };
      if (!opts.quiet) process.stderr.write(`calibration run ${i + 1}/${opts.runs}\n`);
      const ended = await runInChild(file, opts, interrupt);
      if (ended.kind === "interrupted") return { kind: "interrupted", signal: interruptedBy(interrupt.signal) ?? ended.signal };
      runIds.push(ended.id);
    }
  } finally {
    interrupt.dispose();
  }

  const store = Store.open(opts.db, { mode: "read" });
  try {
    const ctx = { store: () => store, baselinesDir: opts.baselines };
    const sides = runIds.map((id) => loadSide(id, ctx));
    const runNoise = measureRunNoise(
      sides.map((s) => s.cells),
      resolvePolicy(sides[0] as Side, sides[0] as Side, {}).metrics,
    );
    const pairs = (noise: RunNoise | null): DiffResult[] => {
      const out: DiffResult[] = [];
      for (let i = 0; i < sides.length; i++) {
        for (let j = i + 1; j < sides.length; j++) {
          out.push(compareSides({ ...(sides[i] as Side), runNoise: noise }, sides[j] as Side, {}, seed + i * 1000 + j));
        }
      }
      return out;
    };
    // "Raw": as if the runs' own samples told the whole story (no run-to-run noise at all).
    const raw = pairs({ runs: 0, metrics: {}, cells: {} });
    const calibration = summarizeCalibration(runIds, runNoise, raw, pairs(runNoise));
    if (opts.json) process.stdout.write(jsonText(calibration));
    else process.stdout.write(renderCalibration(calibration));

    if (opts.baseline) {
      const out = saveRunNoise(opts, store, runIds.at(-1) as string, runNoise);
      process.stderr.write(`wrote the measured run-to-run noise into ${out}\n`);
    }
    const failed = sides.some((s) => s.cells.some((c: CellResult) => c.status === "failed"));
    return failed ? { kind: "failed", reason: "a cell failed in a calibration run (see the table)" } : OK;
  } finally {
    store.close();
  }
}

/**
 * `bench run` in a fresh process, as CI would run it, in its own process group so that a signal
 * reaches it once, passed on by this process. Resolves to the run id, or to how it was interrupted.
 */
function runInChild(
  file: string,
  opts: CalibrateOptions,
  interrupt: Interrupt,
): Promise<{ kind: "ok"; id: string } | { kind: "interrupted"; signal: InterruptSignal }> {
  const args = [
    process.argv[1] as string,
    "run",
    file,
    "--db",
    opts.db,
    "--json",
    "-q",
    ...(opts.filter ?? []).flatMap((f) => ["-f", f]),
    ...(opts.debugRunner !== undefined ? ["--debug-runner", opts.debugRunner] : []),
  ];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "inherit"], detached: true });
    const stopForwarding = forwardInterrupt(child, interrupt);
    let stdout = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.on("error", (err) => {
      stopForwarding();
      reject(err);
    });
    child.on("close", (code, signal) => {
      stopForwarding();
      const by = INTERRUPT_SIGNALS.find((name) => ExitCode[name] === code || name === signal);
      if (by !== undefined || (interrupt.signal.aborted && endedByInterrupt(code, signal))) {
        resolve({ kind: "interrupted", signal: by ?? interruptedBy(interrupt.signal) ?? "SIGINT" });
        return;
      }
      try {
        resolve({ kind: "ok", id: (JSON.parse(stdout) as { run: { id: string } }).run.id });
      } catch {
        // Its own message is above (its stderr is ours).
        if (code === ExitCode.usage) reject(new UserError(`the calibration run exited ${code} (bad input, see above)`));
        else reject(new Error(`the calibration run exited ${code ?? signal} without a result`));
      }
    });
  });
}

/** Into an existing baseline of the suite, or a new one made from the last calibration run. */
function saveRunNoise(opts: CalibrateOptions, store: Store, lastRun: string, runNoise: RunNoise): string {
  const { run, cells, resolvedSuite } = store.loadRun(lastRun);
  const name = opts.baseline as string;
  const file = baselinePath(opts.baselines, run.suite, name);
  if (existsSync(file)) return writeBaseline(opts.baselines, { ...readBaselineFile(file), runNoise });
  const b = createBaseline(
    name,
    run,
    resolvedSuite,
    cells.map((x) => toBaselineCell(x, store.loadSamples(run.id, x.id))),
    new Date(),
    runNoise,
  );
  return writeBaseline(opts.baselines, b);
}
