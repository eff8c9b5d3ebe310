import { measureTrial } from "../measure/trial.js";
import type { Order } from "../results.js";
import { selectRunner } from "../runners/index.js";
import { Store } from "../store/db.js";
import { type Outcome, OK } from "./outcome.js";
import { interruptedBy, onInterrupt, planSuites, type SuitePlan } from "./plan.js";
import { cellDone } from "./progress.js";

export interface TrialCommandOptions {
  db: string;
  run: string;
  trial: number;
  trialsMax: number;
  seed?: number;
  order?: Order;
  filter?: string[];
  debugRunner?: string;
  /** The plan (resolved suite and cells) from the run that started the trial (trial-main.ts): no YAML, no validation again. */
  plan?: Pick<SuitePlan, "file" | "suite" | "cells">;
}

/** What `bench run` writes on a trial's stdin (spawn-trial.ts, trial-main.ts). */
export interface TrialInput {
  file: string;
  options: Omit<TrialCommandOptions, "plan">;
  plan: Pick<SuitePlan, "suite" | "cells">;
}

/**
 * `bench trial` (hidden): one trial of a run, in the fresh process `bench run` started for it.
 * Its results go to the run's store; each finished cell is reported as a JSON line on stdout
 * (progress.ts's CellDone) for the run's progress display.
 */
export async function trialCommand(file: string, opts: TrialCommandOptions): Promise<Outcome> {
  const plan =
    opts.plan ?? (await planSuites([file], { ...(opts.seed !== undefined ? { seed: opts.seed } : {}), filter: opts.filter ?? [], checkModels: false }))[0];
  if (!plan) return OK;
  const store = Store.open(opts.db, { mode: "write" });
  const { signal, dispose } = onInterrupt({ quiet: true, exitOnSecond: true });
  try {
    await measureTrial(plan.cells, {
      runId: opts.run,
      trial: opts.trial,
      seed: plan.suite.seed,
      order: opts.order ?? plan.suite.order,
      plan: { ...plan.suite.trials, max: opts.trialsMax },
      slo: plan.suite.slo ?? [],
      sink: store,
      runner: await selectRunner(opts.debugRunner, plan.cells, opts.trial),
      signal,
      onProgress: (e) => {
        const done = cellDone(opts.trial, e);
        if (done) process.stdout.write(`${JSON.stringify(done)}\n`);
      },
    });
  } finally {
    dispose();
    store.close();
  }
  const interrupted = interruptedBy(signal);
  return interrupted ? { kind: "interrupted", signal: interrupted } : OK;
}
