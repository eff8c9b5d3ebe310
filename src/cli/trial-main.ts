/**
 * The entry of a trial's process when `bench run` starts it (spawn-trial.ts). Everything comes on
 * stdin as one JSON document: the suite file, the trial's options and the run's plan (resolved
 * suite and cells), so the trial loads neither commander nor the command table of cli.ts, and
 * neither parses the YAML nor validates the suite again (part of the run's fixed cost,
 * docs/perf/cli.md). The trial's modules start loading at once: the run may start this process
 * before it has planned (prestartTrial), and the two overlap. An empty stdin means the run did
 * not need this process after all: it exits at once, having measured nothing.
 * `bench trial` (cli.ts) stays for a trial started by hand; both end in trialCommand.
 */
import { exitCodeOf, exitCodeOfError } from "./outcome.js";
import type { TrialInput } from "./trial.js";

/** As spawn-trial.ts passes it (not imported: that module is the run's, not the trial's). */
const PRELOAD_ONNX = "--preload-onnx";

async function main(): Promise<number> {
  const loading = import("./trial.js");
  // Awaited below: a module that fails to load is reported there, not as an unhandled rejection meanwhile.
  loading.catch(() => undefined);
  // The run expects ONNX cells: onnxruntime loads meanwhile too (the trial's runner imports it
  // again when it needs it, and reports a failure then).
  if (process.argv.includes(PRELOAD_ONNX)) import("../runners/onnx.js").catch(() => undefined);
  try {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString("utf8");
    if (text === "") return 0;
    const { file, options, plan } = JSON.parse(text) as TrialInput;
    const { trialCommand } = await loading;
    const r = await trialCommand(file, { ...options, plan: { ...plan, file } });
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
