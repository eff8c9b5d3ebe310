/**
 * Exit codes of DESIGN.md ("Exit codes"); src/cli/outcome.ts is the one place that decides which
 * one a command ends with.
 */
export const ExitCode = {
  ok: 0,
  regression: 1,
  usage: 2,
  benchmarkFailed: 3,
  internal: 4,
  SIGINT: 130,
  SIGTERM: 143,
  SIGHUP: 129,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** Wrong input from the user: bad flag, bad suite, missing file, unknown run. Exit code 2. */
export class UserError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UserError";
  }
}

export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
