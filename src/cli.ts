import { Command, CommanderError, InvalidArgumentError, Option } from "commander";
import { ExitCode, UserError } from "./errors.js";

/**
 * Every command in one place. Each command's work lives in src/cli/<name>.ts, imported only when
 * that command runs so that `bench --help` does not load onnxruntime or SQLite.
 */
const program = new Command()
  .name("bench")
  .description("Reproducible, statistically honest benchmarks of ML model inference.")
  .addHelpText(
    "after",
    `
bench runs declarative YAML suites against ONNX models, reports latency percentiles with
confidence intervals, throughput and cold-start cost per cell, and records every run with the
fingerprint of the machine in SQLite (results/bench.db).

Start with:
  bench run                      the quickstart suite (suites/quickstart.yaml)
  bench validate my-suite.yaml   check a suite and its models
  bench show latest              the last run again

Exit codes: 0 ok, 1 regression (when gating), 2 bad input, 3 a cell failed, 130 interrupted.`,
  )
  .version(await version(), "-V, --version")
  .showHelpAfterError("(run with --help for usage)")
  .configureHelp({ sortSubcommands: false })
  .exitOverride();

const dbOption = () =>
  new Option("--db <path>", "results database (SQLite)").default("results/bench.db").env("BENCH_DB");

program
  .command("run")
  .description("run benchmark suites and store the results")
  .argument("[suites...]", "suite YAML files", ["suites/quickstart.yaml"])
  .addOption(dbOption())
  .option("--json", "print the run as one JSON document on stdout (progress stays on stderr)")
  .option(
    "-f, --filter <pattern>",
    "only cells whose id matches (e.g. 'mlp/*/b8', 'cnn'; '*' spans one segment); repeatable",
    (v: string, prev: string[] = []) => [...prev, v],
  )
  .option("--seed <n>", "override the suite's seed (inputs and the interleaving order)", parseNonNegativeInt)
  .addOption(
    new Option("--order <order>", "interleaved: cells take turns in shuffled rounds, so drift hits all alike; sequential: one cell after another")
      .choices(["interleaved", "sequential"]),
  )
  .option("-q, --quiet", "no progress output")
  .addHelpText(
    "after",
    `
Examples:
  bench run                                  run suites/quickstart.yaml
  bench run suites/ocr.yaml --json > r.json  machine-readable result
  bench run -f 'mlp/fp32' -f 'cnn/*/b1'      a slice of the matrix

Exit codes: 0 all cells measured, 2 bad input, 3 a cell failed (the others are still stored),
130 interrupted (finished cells are stored, the run is marked 'interrupted').`,
  )
  .action(async (suites: string[], opts) => done((await import("./cli/run.js")).runCommand(suites, opts)));

program
  .command("list")
  .description("list stored runs, newest first")
  .addOption(dbOption())
  .option("-n, --limit <n>", "how many runs", parsePositiveInt, 20)
  .option("--json", "print JSON")
  .action(async (opts) => done((await import("./cli/list.js")).listCommand(opts)));

program
  .command("show")
  .description("show a stored run: its cells, statistics and fingerprint")
  .argument("[run]", "run id, unambiguous id prefix, 'latest' or 'latest~N'", "latest")
  .addOption(dbOption())
  .option("--json", "print the run as one JSON document (same shape as 'bench run --json')")
  .action(async (run: string, opts) => done((await import("./cli/show.js")).showCommand(run, opts)));

program
  .command("validate")
  .description("check suite files and their models without running anything")
  .argument("<suites...>", "suite YAML files")
  .action(async (suites: string[]) => done((await import("./cli/validate.js")).validateCommand(suites)));

program
  .command("fingerprint")
  .description("print this machine's fingerprint (hardware, OS, runtimes, git state)")
  .argument("[suite]", "also hash the model files of this suite")
  .option("--json", "print JSON")
  .action(async (suite: string | undefined, opts) =>
    done((await import("./cli/fingerprint.js")).fingerprintCommand(suite, opts)),
  );

let exitCode: number = ExitCode.ok;
/** Commands return their exit code; the last one to finish sets the process's. */
async function done(code: Promise<number>): Promise<void> {
  exitCode = await code;
}

function parsePositiveInt(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError("expected a positive integer");
  return n;
}

function parseNonNegativeInt(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError("expected a non-negative integer");
  return n;
}

async function version(): Promise<string> {
  const { readFile } = await import("node:fs/promises");
  const pkg = JSON.parse(await readFile(new URL("../package.json", import.meta.url), "utf8")) as { version: string };
  return pkg.version;
}

async function main(): Promise<number> {
  try {
    await program.parseAsync(process.argv);
    return exitCode;
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version exit 0; anything commander rejects is a usage error.
      return err.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
    }
    if (err instanceof UserError) {
      process.stderr.write(`bench: ${err.message.split("\n").join("\nbench: ")}\n`);
      return err.exitCode;
    }
    process.stderr.write(`bench: unexpected error (a bug; please report it):\n${err instanceof Error ? err.stack : String(err)}\n`);
    return ExitCode.benchmarkFailed;
  }
}

process.exitCode = await main();
