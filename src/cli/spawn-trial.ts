import { type ChildProcessByStdio, spawn } from "node:child_process";
import type { Readable, Writable } from "node:stream";
import { readFileSync, statSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { createInterface } from "node:readline";
import type { TrialLauncher } from "../measure/execute.js";
import type { Order } from "../results.js";
import type { CellDone } from "./progress.js";
import { ExitCode, UserError } from "../errors.js";
import { endedByInterrupt, forwardInterrupt } from "./child.js";
import type { Interrupt, SuitePlan } from "./plan.js";
import type { TrialCommandOptions, TrialInput } from "./trial.js";

/** trial-main.js beside this module (both compiled to dist/cli/). */
const TRIAL_MAIN = fileURLToPath(new URL("./trial-main.js", import.meta.url));

export interface SpawnOptions {
  file: string;
  db: string;
  trialsMax: number;
  seed?: number | undefined;
  order?: Order | undefined;
  filter?: string[] | undefined;
  debugRunner?: string | undefined;
  interrupt: Pick<Interrupt, "signal" | "force">;
  onCell: (e: CellDone) => void;
  /**
   * The suite and cells the run planned: given to each trial on its stdin (as JSON), so that a
   * trial's process neither parses the YAML nor validates the suite again (the run's fixed cost,
   * docs/PERFORMANCE.md). Without it a trial plans from the file and the options above.
   */
  plan?: Pick<SuitePlan, "suite" | "cells">;
  /** A trial's process started before the run was planned (prestartTrial): the first trial with a plan runs in it. */
  prestarted?: PrestartedTrial;
}

/** A trial's process started ahead of its plan: taken by the first trial, or ended by dispose. */
export interface PrestartedTrial {
  /** The process, once, if it is still waiting for its plan; undefined after that (the trial then starts its own). */
  take(): TrialProcess | undefined;
  /** Ends the process if no trial took it (the run failed before its first trial, or planned none). */
  dispose(): void;
}

type TrialProcess = ChildProcessByStdio<Writable, Readable, Readable>;

function startTrialMain(preloadOnnx = false): TrialProcess {
  return spawn(process.execPath, [TRIAL_MAIN, ...(preloadOnnx ? [PRELOAD_ONNX] : [])], { stdio: ["pipe", "pipe", "pipe"], detached: true });
}

/** trial-main's flag: load onnxruntime while waiting for the plan (the suite names ONNX targets). */
const PRELOAD_ONNX = "--preload-onnx";

/**
 * Whether the suite files name a local ONNX target (`kind: onnx`), from their text alone, before
 * they are parsed: a hint for what to load ahead (onnxruntime, ~150 ms with its first session),
 * never a decision. A file that cannot be read says no.
 */
export function namesOnnxTargets(files: readonly string[]): boolean {
  return files.some((file) => {
    try {
      // 1 MiB: a suite's limit (suite/load.ts); a larger file is refused anyway.
      return statSync(file).size <= 1024 * 1024 && /\bkind\s*:\s*["']?onnx\b/.test(readFileSync(file, "utf8"));
    } catch {
      return false;
    }
  });
}

/**
 * Starts the process of a run's first trial now, before the run has planned its suite, checked
 * its models and stored the run: Node's start and the trial's imports (~250 ms) overlap that work
 * instead of following it (the run's fixed cost, docs/perf/cli.md). The process is as fresh as
 * one started later: it measures nothing until it has its plan, and each later trial still gets
 * a process of its own.
 */
export function prestartTrial({ preloadOnnx = false } = {}): PrestartedTrial {
  let child: TrialProcess | undefined = startTrialMain(preloadOnnx);
  let ended = false;
  child.once("exit", () => (ended = true));
  child.once("error", () => (ended = true));
  // Until a trial takes it, it is this process's to end, also when this process exits on its own.
  const orphaned = () => child?.kill("SIGKILL");
  process.once("exit", orphaned);
  const release = () => {
    const c = child;
    child = undefined;
    process.off("exit", orphaned);
    return c;
  };
  return {
    take() {
      const c = release();
      if (c && !ended) return c;
      c?.kill("SIGKILL");
      return undefined;
    },
    dispose() {
      const c = release();
      if (!c) return;
      // It has not been given anything to do: nothing of it is worth waiting for.
      c.kill("SIGKILL");
      c.unref();
      for (const s of [c.stdin, c.stdout, c.stderr]) (s as unknown as { unref?: () => void }).unref?.();
    },
  };
}

/** How much of a trial's stderr is kept for the message when it dies. */
const STDERR_TAIL = 4000;

/**
 * Each trial in a fresh process (`bench trial`): a new address-space layout, allocator state and
 * thread placement, which is what the next run will get too (Mytkowicz et al., ASPLOS 2009). The
 * child is its own process group, so a Ctrl-C at the terminal reaches only this process, which
 * passes it on (child.ts); the child then stores what it measured and exits with the signal's
 * code. A trial that dies otherwise rejects with the end of its stderr.
 */
export function spawnTrials(o: SpawnOptions): TrialLauncher {
  return (runId, trial) =>
    new Promise<void>((resolve, reject) => {
      const options: TrialCommandOptions = {
        db: o.db,
        run: runId,
        trial,
        trialsMax: o.trialsMax,
        ...(o.seed !== undefined ? { seed: o.seed } : {}),
        ...(o.order ? { order: o.order } : {}),
        ...(o.filter ? { filter: o.filter } : {}),
        ...(o.debugRunner !== undefined ? { debugRunner: o.debugRunner } : {}),
      };
      // With a plan, the trial's own entry (no commander, no command table), prestarted or not; without, `bench trial`.
      const child = o.plan
        ? (o.prestarted?.take() ?? startTrialMain())
        : spawn(
            process.execPath,
            [
              process.argv[1] as string,
              "trial",
              o.file,
              ...["--db", o.db, "--run", runId, "--trial", String(trial), "--trials-max", String(o.trialsMax)],
              ...(o.seed !== undefined ? ["--seed", String(o.seed)] : []),
              ...(o.order ? ["--order", o.order] : []),
              ...(o.filter ?? []).flatMap((f) => ["-f", f]),
              ...(o.debugRunner !== undefined ? ["--debug-runner", o.debugRunner] : []),
            ],
            { stdio: ["pipe", "pipe", "pipe"], detached: true },
          );
      // A trial that dies before reading its plan closes the pipe: its exit says why, not this EPIPE.
      child.stdin.on("error", () => undefined);
      const input: TrialInput | undefined = o.plan ? { file: o.file, options, plan: o.plan } : undefined;
      child.stdin.end(input ? JSON.stringify(input) : undefined);
      const stopForwarding = forwardInterrupt(child, o.interrupt);
      let stderr = "";
      child.stderr.on("data", (d: Buffer) => (stderr = (stderr + d.toString()).slice(-STDERR_TAIL)));
      createInterface({ input: child.stdout }).on("line", (line) => {
        try {
          o.onCell(JSON.parse(line) as CellDone);
        } catch {
          // not a progress line: ignore
        }
      });
      child.on("error", (err) => {
        stopForwarding();
        reject(err);
      });
      child.on("close", (code, signal) => {
        stopForwarding();
        // Interrupted, even before it could install its own handler: what it stored is kept.
        if (code === 0 || (o.interrupt.signal.aborted && endedByInterrupt(code, signal))) resolve();
        // The trial's own one-line message (bad input, a full disk, a locked database) stays one line.
        else if (code === ExitCode.usage)
          reject(
            new UserError(
              `trial ${trial}: ${
                stderr
                  .trim()
                  .split("\n")
                  .pop()
                  ?.replace(/^bench: /, "") ?? ""
              }`,
            ),
          );
        else reject(new Error(`trial ${trial} ended with ${code !== null ? `exit code ${code}` : `signal ${signal ?? "?"}`}:\n${stderr.trim()}`));
      });
    });
}
