import { ExitCode, UserError } from "../errors.js";

/** The signals that interrupt a run; each ends it with its own exit code (128 + the signal number). */
export const INTERRUPT_SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP"] as const;
export type InterruptSignal = (typeof INTERRUPT_SIGNALS)[number];

/**
 * What a command achieved. Commands return outcomes and throw UserError for bad input; this
 * module alone turns either, or any other error (a bug), into the process's exit code.
 */
export type Outcome =
  | { kind: "ok" }
  | { kind: "regression" }
  /** Bad input found after work was done and kept (a comparison that could not be made). */
  | { kind: "bad-input"; message: string }
  /** A cell errored, or nothing could be measured. */
  | { kind: "failed"; reason: string }
  | { kind: "interrupted"; signal: InterruptSignal };

export const OK: Outcome = { kind: "ok" };

/** Which outcome wins when a command has several (suites, comparisons): the first kind listed. */
const PRECEDENCE: readonly Outcome["kind"][] = ["interrupted", "failed", "bad-input", "regression", "ok"];

export function worst(outcomes: readonly Outcome[]): Outcome {
  let worstSoFar = OK;
  for (const o of outcomes) if (PRECEDENCE.indexOf(o.kind) < PRECEDENCE.indexOf(worstSoFar.kind)) worstSoFar = o;
  return worstSoFar;
}

export function exitCodeOf(outcome: Outcome): ExitCode {
  switch (outcome.kind) {
    case "ok":
      return ExitCode.ok;
    case "regression":
      return ExitCode.regression;
    case "bad-input":
      return ExitCode.usage;
    case "failed":
      return ExitCode.benchmarkFailed;
    case "interrupted":
      return ExitCode[outcome.signal];
  }
}

/** A thrown error: the user's mistake is one message line per problem (exit 2); anything else is a bug (exit 4). */
export function exitCodeOfError(err: unknown, write: (text: string) => void): ExitCode {
  if (err instanceof UserError) {
    write(`bench: ${err.message.split("\n").join("\nbench: ")}\n`);
    return ExitCode.usage;
  }
  write(
    `bench: internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n` +
      "bench: this is a bug in bench, not in your suite; please report it with the command you ran and the lines above\n",
  );
  return ExitCode.internal;
}
