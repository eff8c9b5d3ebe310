/**
 * The entry of a trial's process when `bench run` gives it its plan (spawn-trial.ts): the run
 * passes the trial's options as one JSON argument and the plan on stdin, so the trial loads
 * neither commander nor the command table of cli.ts (part of the run's fixed cost, docs/perf/cli.md).
 * `bench trial` (cli.ts) stays for a trial started by hand; both end in trialCommand.
 */
import { exitCodeOf, exitCodeOfError } from "./outcome.js";
import type { TrialCommandOptions } from "./trial.js";

async function main(): Promise<number> {
  try {
    const [file, options] = process.argv.slice(2);
    if (file === undefined || options === undefined) throw new Error("trial-main: expected SUITE_FILE OPTIONS_JSON");
    const { trialCommand } = await import("./trial.js");
    const r = await trialCommand(file, { ...(JSON.parse(options) as TrialCommandOptions), planStdin: true });
    if (r.kind === "failed") process.stderr.write(`bench: ${r.reason}\n`);
    if (r.kind === "bad-input") process.stderr.write(`bench: ${r.message}\n`);
    return exitCodeOf(r);
  } catch (err) {
    return exitCodeOfError(err, (text) => process.stderr.write(text));
  }
}

// The run may stop reading (it was interrupted): what is left to print has nowhere to go, and that is no error.
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (err: NodeJS.ErrnoException) => {
    if (err.code !== "EPIPE" && err.code !== "EIO") throw err;
  });
}
process.exitCode = await main();
