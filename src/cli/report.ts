import { existsSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { compareSides } from "../compare/index.js";
import { checkMetricNames } from "../compare/policy.js";
import type { Side } from "../compare/side.js";
import { UserError } from "../errors.js";
import { formatOfFile, REPORT_FORMATS, type ReportFormat } from "../report/format-names.js";
import { renderReport } from "../report/formats.js";
import { buildHistory } from "../report/history.js";
import type { ReportInput } from "../report/model.js";
import type { RunInfo, RunResult } from "../results.js";
import { msToNs } from "../stats/metrics.js";
import { Store } from "../store/db.js";
import { matchesCellId } from "../suite/expand.js";
import { type Outcome, OK } from "./outcome.js";
import { loadSide } from "./sides.js";

export interface ReportOptions {
  db: string;
  baselines: string;
  format?: ReportFormat;
  out?: string;
  history?: string;
  cell?: string[];
  threshold?: number;
  metric?: string[];
  seed?: number;
}

/**
 * `bench report RUN [RUN…]` and `bench report --history SUITE`: build the report's input from the
 * store (and baselines or JSON files), render it in one format, and write it to --out or stdout.
 */
export async function reportCommand(refs: string[], opts: ReportOptions): Promise<Outcome> {
  const format = opts.format ?? (opts.out ? formatOfFile(opts.out) : undefined) ?? "md";
  if (opts.out !== undefined) checkReportFile(opts.out, "--out");
  checkMetricNames(opts.metric);
  if (opts.history !== undefined && refs.length > 0) throw new UserError(`--history ${opts.history}: give either runs or --history SUITE, not both`);
  if (opts.history === undefined && opts.cell !== undefined) throw new UserError("--cell: only with --history SUITE (to pick cells of runs, use RUN:VARIANT)");
  if (opts.history === undefined && refs.length === 0) throw new UserError("give the runs to report (e.g. 'bench report latest') or --history SUITE");

  let store: Store | undefined;
  const openStore = () => (store ??= Store.open(opts.db, { mode: "read" }));
  try {
    const input = opts.history !== undefined ? historyInput(openStore(), opts.history, opts.cell) : runsInput(refs, opts, openStore);
    const text = await renderReport(input, format);
    if (opts.out === undefined) process.stdout.write(text);
    else {
      writeReportFile(opts.out, "--out", text);
      process.stderr.write(`wrote ${format} report to ${opts.out}\n`);
    }
    return OK;
  } finally {
    store?.close();
  }
}

/**
 * The runs named on the command line, resolved as `bench diff` resolves them; two of them compared
 * by the same code path and options as `bench diff` (its verdicts, its seed).
 */
export function runsInput(
  refs: readonly string[],
  opts: Pick<ReportOptions, "baselines" | "threshold" | "metric" | "seed">,
  openStore: () => Store,
): ReportInput {
  const loaded = new Map<string, { side: Side; stored: boolean }>();
  const load = (ref: string, suiteHint?: string) => {
    let stored = false;
    const side = loadSide(ref, {
      store: () => {
        stored = true;
        return openStore();
      },
      baselinesDir: opts.baselines,
      ...(suiteHint !== undefined ? { suiteHint } : {}),
    });
    loaded.set(ref, { side, stored });
  };
  // As `bench diff`: a baseline:NAME is looked up in the suite of the runs named beside it.
  for (const ref of refs) if (!ref.startsWith("baseline:")) load(ref);
  const hint = [...loaded.values()][0]?.side.suite;
  for (const ref of refs) if (ref.startsWith("baseline:")) load(ref, hint);
  const sides = refs.map((ref) => loaded.get(ref) as { side: Side; stored: boolean });

  const runs: RunResult[] = sides.map(({ side, stored }) => ({ run: stored ? openStore().loadRun(side.runId).run : runInfoOf(side), cells: side.cells }));
  const lookups = new Map<string, (cellId: string) => Float64Array | undefined>();
  for (const { side, stored } of sides) {
    if (lookups.has(side.runId)) continue;
    lookups.set(side.runId, stored ? (cellId) => openStore().loadSamples(side.runId, cellId) : (cellId) => samplesOfSide(side, cellId));
  }
  const [base, head] = sides;
  const diff = sides.length === 2 && base && head ? compareSides(base.side, head.side, opts, opts.seed ?? 1) : undefined;
  const stored = new Set(sides.filter((s) => s.stored).map((s) => s.side.runId));
  return {
    runs,
    samples: (runId, cellId) => lookups.get(runId)?.(cellId),
    resolvedSuite: (runId) => (stored.has(runId) ? openStore().loadRun(runId).resolvedSuite : undefined),
    ...(diff ? { diff } : {}),
  };
}

/** A baseline's or a JSON file's run, as far as the side tells it (no suite file, seed or noise report). */
function runInfoOf(side: Side): RunInfo {
  return {
    id: side.runId,
    suite: side.suite,
    suiteFile: "",
    status: side.status,
    startedAt: "",
    finishedAt: null,
    seed: 0,
    order: "interleaved",
    benchVersion: "",
    fingerprint: side.fingerprint,
    noise: null,
    trials: side.trials ?? null,
  };
}

/** A baseline or file keeps the steady samples only, in ms. */
function samplesOfSide(side: Side, cellId: string): Float64Array | undefined {
  try {
    const ms = side.steadySamplesMs(cellId);
    return ms ? Float64Array.from(ms, msToNs) : undefined;
  } catch (err) {
    if (err instanceof UserError) return undefined; // a file written without --samples
    throw err;
  }
}

/** Every completed run of the suite, oldest first; the report's `runs` holds the latest of them. */
function historyInput(store: Store, suite: string, cells: readonly string[] | undefined): ReportInput {
  const entries = store
    .listRuns(Number.MAX_SAFE_INTEGER)
    .filter((r) => r.suite === suite && r.status === "completed")
    .reverse();
  if (entries.length === 0) {
    const suites = [...new Set(store.listRuns(Number.MAX_SAFE_INTEGER).map((r) => r.suite))];
    throw new UserError(
      `--history ${suite}: no completed run of suite '${suite}' in ${store.file}${suites.length > 0 ? ` (suites there: ${suites.join(", ")})` : ""}`,
    );
  }
  const runs = entries.map((r) => store.loadRun(r.id)).map(({ run, cells }) => ({ run, cells }));
  const history = buildHistory(runs, cells ? (id) => matchesCellId(id, cells) : undefined);
  if (history.length === 0) {
    throw new UserError(
      `--cell ${(cells ?? []).join(" --cell ")}: no measured cell of suite '${suite}' matches (see 'bench show ${entries.at(-1)?.id ?? "latest"}')`,
    );
  }
  const latest = runs.at(-1) as RunResult;
  return {
    runs: [latest],
    samples: (runId, cellId) => store.loadSamples(runId, cellId),
    resolvedSuite: (runId) => store.loadRun(runId).resolvedSuite,
    history,
  };
}

/**
 * A report file's path is checked before any work: its directory must exist (a report is not
 * where bench makes directories: a typo in the path is more likely than a wish for a new tree),
 * and it must not be a directory itself.
 */
export function checkReportFile(file: string, option: string): void {
  if (file === "") throw new UserError(`${option}: an empty file name; give one such as report.html`);
  const full = path.resolve(file);
  if (existsSync(full) && statSync(full).isDirectory())
    throw new UserError(`${option} ${file}: is a directory; give a file name such as ${path.join(file, "report.html")}`);
  const dir = path.dirname(full);
  if (!existsSync(dir)) throw new UserError(`${option} ${file}: directory ${path.dirname(file)} does not exist; make it first or write elsewhere`);
  if (!statSync(dir).isDirectory()) throw new UserError(`${option} ${file}: ${path.dirname(file)} is a file, not a directory`);
}

export function writeReportFile(file: string, option: string, text: string): void {
  try {
    writeFileSync(file, text);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === undefined) throw err;
    throw new UserError(`${option} ${file}: cannot write it (${code})`);
  }
}

/** `bench run --report FILE [--report-format F]`, checked before the run: the format asked for, or the one the extension names. */
export function prepareRunReport(file: string, override: string | undefined): ReportFormat {
  checkReportFile(file, "--report");
  if (override !== undefined) {
    if (!(REPORT_FORMATS as readonly string[]).includes(override))
      throw new UserError(`--report-format ${override}: expected one of ${REPORT_FORMATS.join(", ")}`);
    return override as ReportFormat;
  }
  const format = formatOfFile(file);
  if (!format) throw new UserError(`--report ${file}: cannot tell the format from its extension; name it .html, .md, .csv or .json, or give --report-format`);
  return format;
}

/**
 * Write the report of the runs `bench run` just stored (called before it closes the store): each
 * suite's run, without the runs that confirmed a baseline's regressions (a second run of the same
 * suite, of the flagged cells only: a BMF or GAB file holds one result per benchmark).
 */
export async function writeRunReport(results: readonly RunResult[], store: Store, file: string, format: ReportFormat): Promise<void> {
  const runs = results.filter((r, i) => results.findIndex((o) => o.run.suite === r.run.suite) === i);
  if (runs.length === 0) return;
  const input: ReportInput = {
    runs,
    samples: (runId, cellId) => store.loadSamples(runId, cellId),
    resolvedSuite: (runId) => store.loadRun(runId).resolvedSuite,
  };
  writeReportFile(file, "--report", await renderReport(input, format));
}
