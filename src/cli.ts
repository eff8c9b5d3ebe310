import { Command, CommanderError, Option } from "commander";
// Types only: erased at build time, so the commands' modules still load lazily.
import type { BaselineListOptions, BaselineSaveOptions, BaselineShowOptions } from "./cli/baseline.js";
import type { CalibrateOptions } from "./cli/calibrate.js";
import type { CapacityOptions } from "./cli/capacity.js";
import type { DiffOptions as DiffCommandOptions } from "./cli/diff.js";
import type { FingerprintOptions } from "./cli/fingerprint.js";
import type { ReproduceOptions } from "./cli/reproduce.js";
import type { InitOptions } from "./cli/init.js";
import type { InspectOptions } from "./cli/inspect.js";
import type { ListOptions } from "./cli/list.js";
import type { ReportOptions } from "./cli/report.js";
import type { MergeCommandOptions } from "./cli/merge.js";
import type { RunOptions } from "./cli/run.js";
import type { ServeOptions } from "./cli/serve.js";
import type { ShowOptions } from "./cli/show.js";
import type { ExportOptions, ImportOptions } from "./cli/transfer.js";
import type { TrialCommandOptions } from "./cli/trial.js";
import type { ValidateOptions } from "./cli/validate.js";
import { ExitCode } from "./errors.js";
import { exitCodeOf, exitCodeOfError, type Outcome } from "./cli/outcome.js";
import { ORDERS } from "./suite/order.js";
import { REPORT_FORMATS } from "./report/format-names.js";
import {
  collectNonEmpty,
  nonEmpty,
  parseConfidence,
  parseFraction,
  parseLimit,
  parseLoad,
  parseMaxSteps,
  parseMs,
  parsePort,
  parseResolution,
  parseRuns,
  parseSeed,
  parseShard,
  parseShare,
  parseSlots,
  parseStepMs,
  parseTokensPerChunk,
  parseTrialNumber,
  parseTrials,
} from "./cli/args.js";

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

Exit codes: 0 ok, 1 regression (when gating), 2 bad input, 3 the benchmark failed (a cell
errored, or nothing could be measured), 4 internal error (a bug in bench), 130/143/129
interrupted by SIGINT/SIGTERM/SIGHUP (finished cells are stored, the run is marked interrupted).`,
  )
  .version(await version(), "-V, --version")
  // One line per usage error, in the form of bench's own: "bench: option '-n, --limit <n>' argument 'abc' is invalid: expected …".
  .configureOutput({ outputError: (text, write) => write(`bench: ${oneLine(text)} (see --help)\n`) })
  .configureHelp({ sortSubcommands: false })
  .exitOverride();

// CI passes an unset variable as an empty one: an empty BENCH_DB or BENCH_BASELINES means the default.
if (process.env.BENCH_DB === "") delete process.env.BENCH_DB;
if (process.env.BENCH_BASELINES === "") delete process.env.BENCH_BASELINES;
const dbOption = () => new Option("--db <path>", "results database (SQLite)").default("results/bench.db").env("BENCH_DB");
const filterOption = () =>
  new Option("-f, --filter <pattern>", "only cells whose id matches (e.g. 'mlp/*/b8', 'cnn'; '*' spans one segment); repeatable").argParser(
    collectNonEmpty("a cell id pattern such as 'mlp/*/b8'"),
  );
const baselinesOption = () =>
  new Option("--baselines <dir>", "directory of baseline files (SUITE/NAME.json)")
    .default("baselines")
    .env("BENCH_BASELINES")
    .argParser(nonEmpty("a directory of baselines such as 'baselines'"));

/** The options every comparison shares: `bench diff` and `bench run --baseline`. */
function gateOptions(cmd: Command): Command {
  return cmd
    .option("--fail-on-regression", "exit 1 when any verdict is a regression")
    .option(
      "--fail-on-inconclusive",
      "exit 1 (a gate failure, like a regression) also when a comparison was inconclusive, had no interval, or ran on a disturbed machine; implies --fail-on-regression",
    )
    .option("--threshold <fraction>", "practical threshold for every metric, e.g. 0.05 for 5% (overrides the suite and baseline)", parseFraction)
    .option(
      "--metric <name>",
      "compare only this metric (p50, p90, p99, mean, throughput); repeatable",
      collectNonEmpty("a metric: p50, p90, p99, mean or throughput"),
    )
    .option("--strict-env", "exit 2 when the runs' environments differ in a field that must match (CPU, cores, onnxruntime, models)")
    .option(
      "--summary <file>",
      "write a Markdown summary for reviewers (also appended to $GITHUB_STEP_SUMMARY when set)",
      nonEmpty("a file name such as summary.md"),
    )
    .option(
      "--junit <file>",
      "write JUnit XML, one test case per cell: failed when it regressed, skipped when inconclusive",
      nonEmpty("a file name such as junit.xml"),
    );
}

gateOptions(
  program
    .command("run")
    .description("run benchmark suites and store the results")
    .argument("[suites...]", "suite YAML files", ["suites/quickstart.yaml"])
    .addOption(dbOption())
    .option("--json", "print the run as one JSON document on stdout (progress stays on stderr)")
    .addOption(filterOption())
    .option("--seed <n>", "override the suite's seed (inputs and the order of the cells in each trial)", parseSeed)
    .addOption(
      new Option(
        "--order <order>",
        "the order of the cells in each trial: interleaved (a new seeded shuffle per trial, so drift and order effects hit all alike) or sequential (the suite's order)",
      ).choices(ORDERS),
    )
    .option("-q, --quiet", "no progress output")
    .option(
      "--trials <n>",
      "how many trials (each a fresh process) measure every cell: N, or MIN-MAX to add trials while the headline interval is wider than the suite's trials.targetRelativeCI (default: the suite's trials, else 5-10)",
      parseTrials,
    )
    .option("--samples", "with --json: include every cell's raw samples (samplesMs), so the file can be diffed later")
    .option("--baseline <name>", "after the run, compare with this baseline of the suite and exit 1 on a regression", nonEmpty("a baseline name such as main"))
    .option("--no-confirm", "with --baseline: fail on the first trials' regressions, without measuring the regressed cells again in new trials to confirm them")
    .option(
      "--profile",
      "after the trials, profile every local cell with onnxruntime's profiler (in a session of its own, outside the timed samples): time per operator and the execution provider of each node, stored with the cell and shown by bench show",
    )
    .addOption(baselinesOption())
    .option(
      "--report <file>",
      "after the run is stored, write its report (bench report) here; format from the extension: .html .md .csv .json",
      nonEmpty("a file name such as report.html"),
    )
    .addOption(new Option("--report-format <format>", "the format of --report when not its extension's: bmf, gab, gab-bigger, …").choices(REPORT_FORMATS))
    .option(
      "--shard <i/n>",
      "run only the I-th of N parts of the matrix (every N-th cell from the I-th), stored as shard I of N; 'bench merge' joins the parts",
      parseShard,
    )
    .option(
      "--load-shard <i/n>",
      "this machine is the I-th of N load generators: each load cell sends rate/N (open loop) or its share of the concurrency; 'bench merge' adds up the loads",
      parseShard,
    )
    // Tests only (as hyperfine's --debug-mode): a deterministic fake runner on a virtual clock.
    .addOption(new Option("--debug-runner <spec>").hideHelp().argParser(nonEmpty("fake[:KEY=VALUE,...]"))),
)
  .addHelpText(
    "after",
    `
Examples:
  bench run                                  run suites/quickstart.yaml
  bench run suites/ocr.yaml --json > r.json  machine-readable result
  bench run -f 'mlp/fp32' -f 'cnn/*/b1'      a slice of the matrix
  bench run --baseline main --summary s.md   CI gate against baselines/quickstart/main.json
  bench run --report report.html             also write the offline HTML report of the run
  bench run --report bmf.json --report-format bmf   Bencher Metric Format for 'bencher run'

Exit codes: 0 all cells measured (and no regression), 1 regression against --baseline,
2 bad input, 3 a cell failed (the others are still stored) or every cell was skipped,
4 internal error, 130/143/129 interrupted by SIGINT/SIGTERM/SIGHUP (finished cells and the
one cut short, marked partial, are stored; the run is marked 'interrupted'). A second signal stops
the trial in progress at once and still marks the run; a third exits at once.`,
  )
  .action(async (suites: string[], opts: RunOptions) => {
    // While this thread loads the command: a worker reads and validates the suites (load-ahead.ts;
    // started first, it takes longest) and the first trial's process starts and loads its modules
    // (spawn-trial.ts). For a suite with ONNX targets, both processes set up onnxruntime meanwhile,
    // which its model check and its trial need (here after the command's own modules, while the
    // worker still validates). Starting the trial after this thread's imports instead, to leave
    // the worker more of two busy cores, made no measurable difference.
    // Suites that loaded before unchanged come from the suite cache at once (suite/cache.ts); then
    // no worker runs, this thread has no wait to fill, and onnxruntime is loaded here only if the
    // model check needs it (its inputs are cached too: runners/model-cache.ts).
    const started = { worker: false };
    const ahead = (await import("./cli/load-ahead.js")).loadSuitesAhead(suites, () => (started.worker = true));
    const { namesOnnxTargets, prestartTrial } = await import("./cli/spawn-trial.js");
    const onnx = namesOnnxTargets(suites);
    const prestarted = prestartTrial({ preloadOnnx: onnx && opts.debugRunner === undefined });
    const { runCommand } = await import("./cli/run.js");
    if (onnx && started.worker) import("./runners/onnx.js").then((m) => m.warmUpRuntime()).catch(() => undefined);
    return done(runCommand(suites, opts, prestarted, ahead));
  });

// One trial of a run, in the fresh process `bench run` starts for it (src/cli/trial.ts).
program
  .command("trial", { hidden: true })
  .argument("<suite>")
  .requiredOption("--db <path>")
  .requiredOption("--run <id>")
  .requiredOption("--trial <n>", "", parseTrialNumber)
  .requiredOption("--trials-max <n>", "", parseTrialNumber)
  .option("--seed <n>", "", parseSeed)
  .addOption(new Option("--order <order>").choices(ORDERS))
  .addOption(filterOption())
  .option("--debug-runner <spec>")
  .option("--plan-stdin")
  .action(async (suite: string, opts: TrialCommandOptions) => done((await import("./cli/trial.js")).trialCommand(suite, opts)));

program
  .command("merge")
  .description("merge runs from several machines into one: shards of the matrix, extra trials (--as-trials), or load shards")
  .argument("<parts...>", "export files (bench export) or results databases (DB for its latest run, DB@RUN for another)")
  .addOption(dbOption())
  .option("-o, --out <file>", "also write the merged run as an export file", nonEmpty("a file name such as merged.json"))
  .option("--as-trials", "the parts measured the same cells on machines of one type: each cell's trials from every part")
  .option("--force", "merge even when the parts' machines differ in a field that must match (CPU model, cores, OS, arch, onnxruntime, bench, suite)")
  .option("--json", "print the merged run as one JSON document")
  .addHelpText(
    "after",
    `
Shards of one suite ('bench run --shard I/N' on N machines) give the union of their cells; a cell in
two parts is an error unless --as-trials. Load shards ('--load-shard I/N') give each load cell the
requests of every part as one load: counts and rates added, percentiles over all the requests (their
latency histograms added), never averaged percentiles. The merged run keeps each part's fingerprint.

Examples:
  bench merge shard-1.json shard-2.json shard-3.json --out merged.json
  bench merge runner-a.db runner-b.db --as-trials
  bench merge results/a.db@latest~1 b.json`,
  )
  .action(async (parts: string[], opts: MergeCommandOptions) => done((await import("./cli/merge.js")).mergeCommand(parts, opts)));

program
  .command("export")
  .description("write a stored run as one self-contained JSON file: run, cells, samples, trials, fingerprint, resolved suite")
  .argument("[run]", "run id or prefix, latest, latest~N", "latest")
  .addOption(dbOption())
  .option("-o, --out <file>", "where to write it (default: stdout)", nonEmpty("a file name such as run.json"))
  .action(async (run: string, opts: ExportOptions) => done((await import("./cli/transfer.js")).exportCommand(run, opts)));

program
  .command("import")
  .description("store runs exported elsewhere (bench export) in this results database, under their own ids")
  .argument("<files...>", "export files")
  .addOption(dbOption())
  .action(async (files: string[], opts: ImportOptions) => done((await import("./cli/transfer.js")).importCommand(files, opts)));

program
  .command("list")
  .description("list stored runs, newest first")
  .addOption(dbOption())
  .option("-n, --limit <n>", "how many runs", parseLimit, 20)
  .option("--json", "print JSON")
  .action(async (opts: ListOptions) => done((await import("./cli/list.js")).listCommand(opts)));

program
  .command("show")
  .description("show a stored run: its cells, statistics and fingerprint")
  .argument("[run]", "run id, unambiguous id prefix, 'latest', 'latest~N' or baseline:NAME", "latest")
  .addOption(dbOption())
  .addOption(baselinesOption())
  .option("--json", "print the run as one JSON document (same shape as 'bench run --json')")
  .option("--samples", "with --json: include every cell's raw samples (samplesMs)")
  .action(async (run: string, opts: ShowOptions & { baselines: string }) => done((await import("./cli/show.js")).showCommand(run, opts)));

gateOptions(
  program
    .command("diff")
    .description("compare two runs cell by cell: change, 95% interval, p-value and verdict per metric")
    .argument("<base>", "run id or prefix, latest, latest~N, baseline:NAME, or a JSON file; RUN:VARIANT for one variant")
    .argument("<head>", "the same kinds of reference")
    .addOption(dbOption())
    .addOption(baselinesOption())
    .option("--json", "print the comparison as one JSON document")
    .option("--seed <n>", "seed of the bootstrap (default 1)", parseSeed),
)
  .addHelpText(
    "after",
    `
Examples:
  bench diff latest~1 latest                       the last two runs
  bench diff baseline:main latest --fail-on-regression
  bench diff latest:fp32 latest:int8               A/B of two variants measured in one run

Cells measured in trials are compared trial by trial: paired inside one run (RUN:A RUN:B), between
the two runs' trials otherwise. A verdict is 'regression' only when the change is significant after
Holm's correction for the number of comparisons AND the estimated change is beyond the threshold;
'unchanged' when the whole 95% interval lies inside ±threshold; otherwise 'inconclusive' (the
summary says how many, and the smallest change the comparison could have detected).
Exit codes: 0 no regression (or not gating), 1 regression with --fail-on-regression (or anything
inconclusive with --fail-on-inconclusive), 2 bad input, 3 nothing could be compared.`,
  )
  .action(async (base: string, head: string, opts: DiffCommandOptions) => done((await import("./cli/diff.js")).diffCommand(base, head, opts)));

program
  .command("report")
  .description("write a report of runs (one, a comparison of two, or several side by side) or of a suite's history: html, md, csv, json, bmf, gab")
  .argument("[runs...]", "run ids or prefixes, latest, latest~N, baseline:NAME, JSON files; RUN:VARIANT for one variant")
  .addOption(
    new Option(
      "--format <format>",
      "html, md (Markdown), csv, json, bmf (Bencher), gab / gab-bigger (github-action-benchmark); default: from --out's extension, else md",
    ).choices(REPORT_FORMATS),
  )
  .option("-o, --out <file>", "write the report here (its directory must exist) instead of stdout", nonEmpty("a file name such as report.html"))
  .option("--history <suite>", "the p50 of every completed run of the suite over time, with its change points", nonEmpty("a suite name such as quickstart"))
  .option(
    "--cell <id>",
    "with --history: only cells matching this id or pattern ('mlp/*/b1'); repeatable",
    collectNonEmpty("a cell id or pattern such as 'mlp/fp32'"),
  )
  .option("--threshold <fraction>", "comparing two runs: practical threshold for every metric, as bench diff", parseFraction)
  .option(
    "--metric <name>",
    "comparing two runs: compare only this metric, as bench diff; repeatable",
    collectNonEmpty("a metric: p50, p90, p99, mean or throughput"),
  )
  .option("--seed <n>", "comparing two runs: seed of the bootstrap (default 1, as bench diff)", parseSeed)
  .addOption(dbOption())
  .addOption(baselinesOption())
  .addHelpText(
    "after",
    `
Examples:
  bench report latest --out report.html              one run, offline HTML with charts
  bench report latest~1 latest --format md           a comparison: bench diff's verdicts, both runs side by side
  bench report baseline:main latest --out diff.csv   one row per cell × metric, plus the changes and verdicts
  bench report latest:fp32 latest:int8 latest:fp16   several variants (or runs) side by side
  bench report latest --format bmf > bmf.json        Bencher Metric Format (docs/CI.md: bencher run)
  bench report latest --format gab > latency.json    github-action-benchmark customSmallerIsBetter (p50, p99 ms)
  bench report latest --format gab-bigger > tp.json  github-action-benchmark customBiggerIsBetter (throughput)
  bench report --history quickstart --cell mlp       p50 of the mlp cells over time, with change points

Two runs are compared exactly as 'bench diff BASE HEAD' compares them (same cells, intervals,
verdicts); the report never gates: use bench diff --fail-on-regression for that. A history lists,
per cell, the p50 of every completed run of the suite (oldest first) with its 95% interval, and the
change points found in it: a shift in level, whether it came at once or crept in over several runs
(binary segmentation with a permutation test, family-wise error 1%, at least 3 runs per level).
Exit codes: 0 written, 2 bad input (unknown run or suite, bad format, --out in a missing directory).`,
  )
  .action(async (runs: string[], opts: ReportOptions) => done((await import("./cli/report.js")).reportCommand(runs, opts)));

const baseline = program.command("baseline").description("save, list and show baselines: portable JSON results to commit and gate on");
baseline
  .command("save")
  .description("save a stored run as baselines/SUITE/NAME.json")
  .argument("[run]", "run id or prefix, latest, latest~N", "latest")
  .requiredOption("-n, --name <name>", "baseline name, e.g. main", nonEmpty("a baseline name such as main"))
  .addOption(dbOption())
  .addOption(baselinesOption())
  .action(async (run: string, opts: BaselineSaveOptions) => done((await import("./cli/baseline.js")).baselineSaveCommand(run, opts)));
baseline
  .command("list")
  .description("list baselines")
  .option("--suite <name>", "only this suite's", nonEmpty("a suite name such as quickstart"))
  .option("--json", "print JSON")
  .addOption(baselinesOption())
  .action(async (opts: BaselineListOptions) => done((await import("./cli/baseline.js")).baselineListCommand(opts)));
baseline
  .command("show")
  .description("show a baseline's cells and statistics")
  .argument("<name>", "NAME or SUITE/NAME")
  .option("--json", "print JSON (samples counted, not listed)")
  .addOption(baselinesOption())
  .action(async (name: string, opts: BaselineShowOptions) => done((await import("./cli/baseline.js")).baselineShowCommand(name, opts)));

program
  .command("calibrate")
  .description("A/A runs of a suite: this machine's run-to-run noise, the verdict's false alarms and smallest detectable change")
  .argument("<suite>", "suite YAML file")
  .option("-r, --runs <n>", "how many runs of the same code (every pair is compared)", parseRuns, 5)
  .option(
    "--baseline <name>",
    "write the measured run-to-run noise into this baseline (made from the last run if it does not exist)",
    nonEmpty("a baseline name such as main"),
  )
  .addOption(filterOption())
  .option("--json", "print the calibration as JSON")
  .option("-q, --quiet", "no progress output")
  .addOption(dbOption())
  .addOption(baselinesOption())
  // Tests only: each run with the fake runner (see bench run --debug-runner).
  .addOption(new Option("--debug-runner <spec>").hideHelp().argParser(nonEmpty("fake[:KEY=VALUE,...]")))
  .addHelpText(
    "after",
    `
Runs the suite --runs times, each in its own process, measures how much a cell's statistics move
from run to run, and compares every pair of runs with and without that noise (nothing changed, so
every 'regression' or 'improvement' is a false alarm). Cells measured in trials need no calibration:
their comparisons use the trials' own spread. The stored noise widens the comparisons of cells
without trials (load cells, older runs) against the baseline. Run it on the machine type CI uses.`,
  )
  .action(async (suite: string, opts: CalibrateOptions) => done((await import("./cli/calibrate.js")).calibrateCommand(suite, opts)));

program
  .command("capacity")
  .description("the highest load each cell takes while its SLOs hold: a ramp, then bisection, each step judged by a binomial test")
  .argument("<suite>", "suite YAML file (its slo: list, or --slo)")
  .option(
    "--slo <slo>",
    "an SLO such as 'p99 <= 80ms' or 'ttft.p99 <= 500ms' (repeatable; replaces the suite's slo:)",
    collectNonEmpty("an SLO such as 'p99 <= 80ms'"),
  )
  .option("--confidence <p>", "confidence of each step's pass/fail test", parseConfidence, 0.95)
  .option("--resolution <fraction>", "open loop: bisect until the bracket is this narrow, relative to its lower end", parseResolution, 0.05)
  .option("--start <load>", "the first step: req/s (open loop) or requests in flight (closed loop); default: the suite's lowest rate or concurrency", parseLoad)
  .option("--max <load>", "the highest step the ramp tries", parseLoad)
  .addOption(
    new Option("--mode <mode>", "search the open loop's rate or the closed loop's concurrency (default: rate when the suite has rates)").choices([
      "open",
      "closed",
    ]),
  )
  .option(
    "--step-ms <ms>",
    "each step's measured duration (default: the suite's load.durationMs); open-loop steps are stretched to hold enough requests",
    parseStepMs,
  )
  .option("--max-step-ms <ms>", "the longest a stretched step may be", parseStepMs, 60_000)
  .option("--max-steps <n>", "the most steps per cell", parseMaxSteps, 30)
  .addOption(filterOption())
  .option("--seed <n>", "override the suite's seed (inputs and the arrival schedule)", parseSeed)
  .option("--json", "print the result as one JSON document on stdout (progress stays on stderr)")
  .option("-q, --quiet", "no progress output")
  .addHelpText(
    "after",
    `
For every cell (the load axis taken out), steps of load go up by doubling from --start until one
does not meet the SLOs, then bisect between the highest passing step and the lowest one above it.
Each step passes or fails by a binomial test on the number of requests over each SLO's threshold
at --confidence (MLPerf LoadGen's early stopping), never by a point estimate; a step with too few
requests to tell is 'undecided', measured again for 4x as long, and then counts as not passing.
Every step also checks the generator (sent vs asked rate, send lag, event-loop delay): a step it
could not drive is 'invalid', never blamed on the server; measured once more and invalid again,
it ends the search (the capacity is then a lower bound). Failed requests count as over the
threshold. Results are printed (see docs/CAPACITY.md), not stored.

Examples:
  bench capacity suites/remote.yaml --slo 'p99 <= 80ms'
  bench capacity suites/llm.yaml --slo 'ttft.p99 <= 500ms' --slo 'tpot.p99 <= 50ms' --json
  bench capacity suites/quickstart.yaml -f 'mlp/fp32/b1' --slo 'p90 <= 2ms' --mode closed

Exit codes: 0 every cell has a capacity (a lower bound counts), 2 bad input, 3 a cell has none
(no step met the SLO, the generator could not drive the first step, or it failed), 130/143/129
interrupted.`,
  )
  .action(async (suite: string, opts: CapacityOptions) => done((await import("./cli/capacity.js")).capacityCommand(suite, opts)));

program
  .command("serve")
  .description(
    "serve ONNX models over KServe v2 REST (suites/remote.yaml), or with --openai an OpenAI-compatible streaming endpoint: a small decoder that computes every token (suites/llm.yaml), or known timing with --ttft-ms/--gap-ms (suites/openai.yaml)",
  )
  .argument("[models...]", "ONNX model files; each is served under its file name without .onnx (none with --openai)")
  .option("-p, --port <port>", "TCP port (0 picks a free one; default 8500, with --openai 8000)", parsePort)
  .option("--host <host>", "interface to bind; 127.0.0.1 keeps it on this machine", nonEmpty("an interface such as 127.0.0.1"), "127.0.0.1")
  .option("--openai", "serve /v1/chat/completions and /v1/completions (streaming, usage) instead of models")
  .option("--model <name>", "--openai: the model name it lists (default: char-rnn, or bench-echo with --ttft-ms/--gap-ms)", nonEmpty("a model name"))
  .option("--decoder <file>", "--openai: the byte-level decoder to run (default: the bundled suites/models/char-rnn-fp32.onnx)", nonEmpty("an .onnx file"))
  .option("--ttft-ms <ms>", "--openai: simulate instead of computing: from a free slot to the first token (default 50 once --gap-ms is given)", parseMs)
  .option("--gap-ms <ms>", "--openai: simulate instead of computing: between tokens (default 10 once --ttft-ms is given)", parseMs)
  .option("--slots <n>", "--openai: generations at once; more wait for a slot (the server's capacity)", parseSlots, 8)
  .option("--tokens-per-chunk <n>", "--openai: tokens in each streamed chunk", parseTokensPerChunk, 1)
  .option("--stall-every-ms <ms>", "--openai fault: freeze the whole server at the end of every this many ms", parseMs)
  .option("--stall-ms <ms>", "--openai fault: for this long", parseMs)
  .option("--error-rate <share>", "--openai fault: share of streams that send an error event halfway", parseShare, 0)
  .option("--cut-rate <share>", "--openai fault: share of streams whose connection is cut halfway", parseShare, 0)
  .option("--hang-rate <share>", "--openai fault: share of streams that stop halfway and never end", parseShare, 0)
  .option("--empty-chunks", "--openai fault: an empty delta between every two chunks")
  .option("--no-usage", "--openai: never send usage, even when asked")
  .addHelpText(
    "after",
    `
KServe v2 endpoints: GET /v2/health/live, /v2/health/ready, /v2, /v2/models/NAME,
/v2/models/NAME/ready, POST /v2/models/NAME/infer.
--openai endpoints: POST /v1/chat/completions, /v1/completions (stream, stream_options.include_usage,
max_tokens), GET /v1/models. By default every token is computed by a byte-level RNN decoder on
onnxruntime (one call per prompt byte, then one per generated byte; one token = one byte), so
the timing is this CPU's. With --ttft-ms or --gap-ms the timing is simulated and known instead:
each token is one word, the first --ttft-ms after a slot is free, then one every --gap-ms.
Either way it generates max_tokens. Stops on Ctrl-C.

Examples:
  bench serve suites/models/mlp-fp32.onnx &
  bench run suites/remote.yaml
  bench serve --openai &
  bench run suites/llm.yaml
  bench serve --openai --ttft-ms 80 --gap-ms 20 --slots 4 &
  bench run suites/openai.yaml`,
  )
  .action(async (models: string[], opts: ServeOptions) => done((await import("./cli/serve.js")).serveCommand(models, opts)));

program
  .command("validate")
  .description("check suite files and their models without running anything")
  .argument("<suites...>", "suite YAML files")
  .option("--inputs", "also print the tensors each variant is fed at each batch size (dtype, shape, fill)")
  .action(async (suites: string[], opts: ValidateOptions) => done((await import("./cli/validate.js")).validateCommand(suites, opts)));

program
  .command("inspect")
  .description("show what an ONNX model declares: inputs, outputs, dtypes, dimensions, opsets, operators")
  .argument("<model>", "an .onnx file")
  .option("--json", "print JSON")
  .addHelpText(
    "after",
    `
Reads the file itself (no inference session), so it also describes a model onnxruntime refuses.
An input's leading dimension tells how to batch it: a name ("batch_size") takes any batch, a fixed
1 only batch 1. Integer and scalar inputs need a fill or a range in the suite.

Example:
  bench inspect suites/models/mlp-fp32.onnx
  bench inspect model.onnx --json | jq '.inputs'`,
  )
  .action(async (model: string, opts: InspectOptions) => done((await import("./cli/inspect.js")).inspectCommand(model, opts)));

program
  .command("init")
  .description("write a commented suite for an ONNX model that validates and runs as written")
  .argument("<model>", "an .onnx file")
  .option("-o, --out <file>", "where to write the suite (default: suites/NAME.yaml)")
  .option("--force", "overwrite the file if it exists")
  .addHelpText(
    "after",
    `
The suite measures the model on the CPU with one thread at batch 1 and 8 (or the batch size the model
fixes), with seeded random inputs. What cannot be read from the model is a guess marked CHOOSE:
sizes for named dimensions other than the batch, and the values of integer inputs.

Example:
  bench init model.onnx --out suites/model.yaml && bench run suites/model.yaml`,
  )
  .action(async (model: string, opts: InitOptions) => done((await import("./cli/init.js")).initCommand(model, opts)));

program
  .command("fingerprint")
  .description("print this machine's fingerprint (hardware, OS, runtimes, env, git state), or with --diff what changed between two runs")
  .argument("[suite-or-runs...]", "a suite whose files to hash too; with --diff: two runs (id, latest~N, baseline:NAME or a JSON file)")
  .option("--diff", "compare the fingerprints of two stored runs: each changed field with its tolerance class (must-match, should-match, informational)")
  .option("--json", "print JSON")
  .addOption(dbOption())
  .addOption(baselinesOption())
  .addHelpText(
    "after",
    `
Examples:
  bench fingerprint suites/quickstart.yaml    this machine, and the suite's model hashes
  bench fingerprint --diff latest~1 latest    what changed between the last two runs`,
  )
  .action(async (args: string[], opts: FingerprintOptions) => done((await import("./cli/fingerprint.js")).fingerprintCommand(args, opts)));

gateOptions(
  program
    .command("reproduce")
    .description("measure a stored run again: its resolved suite, cells, seed and trial plan; then compare with it (bench diff RUN NEW, environment included)")
    .argument("<run>", "run id, unambiguous id prefix, 'latest' or 'latest~N'")
    .addOption(dbOption())
    .addOption(baselinesOption())
    .option("--allow-changed", "measure the model files as they are now even when their hash differs from the run's (otherwise exit 2)")
    .option("--json", "print the comparison as one JSON document (as bench diff --json)")
    .option("-q, --quiet", "no progress output")
    .addOption(new Option("--debug-runner <spec>").hideHelp().argParser(nonEmpty("fake[:KEY=VALUE,...]"))),
)
  .addHelpText(
    "after",
    `
Exit codes: 0 reproduced (and no regression with --fail-on-regression), 1 regression with
--fail-on-regression, 2 bad input or a model file that changed since the run (without
--allow-changed), 3 a cell failed in the reproduction.`,
  )
  .action(async (run: string, opts: ReproduceOptions) => done((await import("./cli/reproduce.js")).reproduceCommand(run, opts)));

let exitCode: number = ExitCode.ok;
/** Commands return their outcome; the last one to finish sets the process's exit code. */
async function done(result: Outcome | Promise<Outcome>): Promise<void> {
  const r = await result;
  // Why a command that did its work still did not succeed, said last on stderr.
  if (r.kind === "failed") process.stderr.write(`bench: ${r.reason}\n`);
  if (r.kind === "bad-input") process.stderr.write(`bench: ${r.message}\n`);
  exitCode = exitCodeOf(r);
}

/** commander's "error: …. expected …\n(Did you mean …?)" as one line. */
function oneLine(text: string): string {
  return text
    .trim()
    .replace(/^error: /, "")
    .replace(/ is invalid\. /, " is invalid: ")
    .replace(/\s*\n\s*/g, " ");
}

/**
 * `bench … --json | head`: the reader has gone, so what is left to print has nowhere to go. That
 * is no error of the command: it still finishes (a run is stored and marked) and exits with its
 * own code, instead of dying on an unhandled 'error' event.
 */
function ignoreClosedPipes(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on("error", (err: NodeJS.ErrnoException) => {
      // EIO: the terminal itself is gone (a hangup).
      if (err.code !== "EPIPE" && err.code !== "EIO") throw err;
    });
  }
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
    // --help and --version exit 0; anything else commander rejects is a usage error it has printed.
    if (err instanceof CommanderError) return err.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
    return exitCodeOfError(err, (text) => process.stderr.write(text));
  }
}

ignoreClosedPipes();
process.exitCode = await main();
