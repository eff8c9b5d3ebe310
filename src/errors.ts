/**
 * The one place where failures become exit codes (DESIGN.md, "Exit codes"). A UserError prints
 * its message only; anything else is a bug and prints its stack.
 */
export const ExitCode = {
  ok: 0,
  regression: 1,
  usage: 2,
  benchmarkFailed: 3,
  interrupted: 130,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** Wrong input from the user: bad flag, bad suite, missing file, unknown run. Exit code 2. */
export class UserError extends Error {
  readonly exitCode: ExitCode = ExitCode.usage;
  constructor(message: string) {
    super(message);
    this.name = "UserError";
  }
}

export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
