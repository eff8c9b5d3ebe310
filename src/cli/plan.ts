import { ExitCode, UserError } from "../errors.js";
import { INTERRUPT_SIGNALS, type InterruptSignal } from "./outcome.js";
import { expandCells, filterCells, type PlannedCell } from "../suite/expand.js";
import type { ModelCheck, ResolvedInputs } from "../runners/check-models.js";
import type { ResolvedSuite } from "../suite/resolve.js";
import type { LoadedAhead } from "../suite/load-worker.js";

export interface SuitePlan {
  file: string;
  suite: ResolvedSuite;
  cells: PlannedCell[];
  /** What the models are fed and the guesses behind it (empty when the models were not checked). */
  warnings: string[];
  resolved: ResolvedInputs[];
}

/**
 * Load and check every suite and its models before anything runs: a typo in the third file should
 * not cost the first two files' measurements. All problems of all files are reported together.
 */
export async function planSuites(
  files: string[],
  opts: { seed?: number; filter?: string[]; checkModels?: boolean; ahead?: Promise<LoadedAhead[] | undefined> },
): Promise<SuitePlan[]> {
  const checking = opts.checkModels !== false ? import("../runners/check-models.js") : null;
  const ahead = await opts.ahead;
  // Imported here, not above: a trial's process gets its plan from the run and never parses YAML or
  // loads zod; nor does a run whose suites were loaded ahead, in a worker (loadSuitesAhead).
  const load = async (file: string, i: number): Promise<ResolvedSuite> => {
    const loaded = ahead?.[i];
    return loaded?.file === file && loaded.suite ? loaded.suite : (await import("../suite/load.js")).loadSuite(file);
  };
  const checkModels = checking ? (await checking).checkModels : null;
  const suites: { file: string; suite: ResolvedSuite; warnings: string[]; resolved: ResolvedInputs[] }[] = [];
  const problems: string[] = [];
  for (const [i, file] of files.entries()) {
    try {
      const suite = await load(file, i);
      if (opts.seed !== undefined) suite.seed = opts.seed;
      // A trial process skips loading every model once more: the run that started it has checked them.
      const checked: ModelCheck = checkModels ? await checkModels(suite, file) : { problems: [], warnings: [], resolved: [] };
      problems.push(...checked.problems);
      suites.push({ file, suite, warnings: checked.warnings, resolved: checked.resolved });
    } catch (err) {
      const { SuiteError } = await import("../suite/load.js");
      if (err instanceof SuiteError) problems.push(...err.problems);
      else throw err;
    }
  }
  if (problems.length > 0) throw new (await import("../suite/load.js")).SuiteError(problems);
  return suites.map(({ file, suite, warnings, resolved }) => {
    const cells = filterCells(expandCells(suite), opts.filter ?? []);
    if (cells.length === 0) {
      throw new UserError(`${file}: --filter ${(opts.filter ?? []).join(" ")} matches none of the suite's cells`);
    }
    return { file, suite, cells, warnings, resolved };
  });
}

export interface Interrupt {
  /** Aborted by the first SIGINT, SIGTERM or SIGHUP (its reason is the signal's name): stop, store what is finished. */
  signal: AbortSignal;
  /** Aborted by the second: stop the work in progress now (a trial's process) and store what is already stored. */
  force: AbortSignal;
  dispose: () => void;
}

/**
 * The command's cancellation. The first SIGINT, SIGTERM or SIGHUP aborts `signal`: the
 * measurement stops, what is finished is stored and the run is marked interrupted. The second
 * aborts `force`: a command that waits on other processes stops them now, but still marks the
 * run and exits with the signal's code. With `exitOnSecond` (a trial's process, whose parent
 * does that) or at the third, the process exits at once.
 */
export function onInterrupt({ quiet = false, exitOnSecond = false }: { quiet?: boolean; exitOnSecond?: boolean } = {}): Interrupt {
  const controller = new AbortController();
  const forced = new AbortController();
  const say = (text: string) => {
    if (!quiet) process.stderr.write(text);
  };
  const handler = (name: InterruptSignal) => {
    const first = (controller.signal.reason as InterruptSignal | undefined) ?? name;
    if (forced.signal.aborted || (controller.signal.aborted && exitOnSecond)) process.exit(ExitCode[first]);
    if (controller.signal.aborted) {
      say(`bench: ${name} again: stopping the trial in progress now; marking the run interrupted (a third time exits at once)\n`);
      forced.abort(first);
      return;
    }
    say(`\nbench: ${name === "SIGINT" ? "interrupted" : `got ${name}`}; stopping after storing the finished cells (again to stop at once)\n`);
    controller.abort(name);
  };
  for (const name of INTERRUPT_SIGNALS) process.on(name, handler);
  return { signal: controller.signal, force: forced.signal, dispose: () => INTERRUPT_SIGNALS.forEach((name) => process.off(name, handler)) };
}

/** The signal that aborted `signal`, if one did. */
export function interruptedBy(signal: AbortSignal): InterruptSignal | undefined {
  return signal.aborted ? ((INTERRUPT_SIGNALS as readonly unknown[]).includes(signal.reason) ? (signal.reason as InterruptSignal) : "SIGINT") : undefined;
}
