import Table from "cli-table3";
import { listBaselines, findBaseline, writeBaseline } from "../baseline/files.js";
import { cellResultOf, createBaseline, toBaselineCell } from "../baseline/format.js";
import { ExitCode, errorMessage } from "../errors.js";
import { renderRunTable } from "../report/table.js";
import { Store } from "../store/db.js";
import { useColor } from "./output.js";

export interface BaselineSaveOptions {
  name: string;
  db: string;
  baselines: string;
}
export interface BaselineListOptions {
  baselines: string;
  suite?: string;
  json?: boolean;
}
export interface BaselineShowOptions {
  baselines: string;
  json?: boolean;
}

export function baselineSaveCommand(ref: string, opts: BaselineSaveOptions): number {
  const store = Store.open(opts.db, { create: false });
  try {
    const id = store.resolveRun(ref);
    const { run, cells, resolvedSuite } = store.loadRun(id);
    const baseline = createBaseline(
      opts.name,
      run,
      resolvedSuite,
      cells.map((c) => toBaselineCell(c, store.loadSamples(id, c.id))),
      new Date(),
    );
    const file = writeBaseline(opts.baselines, baseline);
    if (run.status !== "completed") process.stderr.write(`bench: warning: run ${id} is ${run.status}; its baseline has only the cells it finished\n`);
    process.stdout.write(`saved run ${id} (${cells.length} cells) as baseline '${opts.name}' of suite '${run.suite}': ${file}\n`);
    return ExitCode.ok;
  } finally {
    store.close();
  }
}

export function baselineListCommand(opts: BaselineListOptions): number {
  // One unreadable file is reported in its row; it does not hide the others.
  const entries = listBaselines(opts.baselines, opts.suite).map((e) => {
    try {
      const b = findBaseline(opts.baselines, `${e.suite}/${e.name}`);
      return { ...e, run: b.run.id, createdAt: b.createdAt, cells: b.cells.length, runNoise: b.runNoise ? "calibrated" : "default", error: null };
    } catch (err) {
      return { ...e, run: "", createdAt: "", cells: 0, runNoise: "", error: errorMessage(err) };
    }
  });
  if (opts.json) {
    process.stdout.write(`${JSON.stringify(entries, null, 2)}\n`);
    return ExitCode.ok;
  }
  if (entries.length === 0) {
    process.stdout.write(`no baselines in ${opts.baselines}/ yet; save one with 'bench baseline save RUN --name NAME'\n`);
    return ExitCode.ok;
  }
  const table = new Table({ head: ["suite", "name", "run", "created", "cells", "run-to-run noise"], style: { head: [], border: [], compact: true } });
  for (const e of entries) {
    if (e.error) table.push([e.suite, e.name, { colSpan: 4, content: `unreadable: ${e.error}` }]);
    else table.push([e.suite, e.name, e.run, e.createdAt, String(e.cells), e.runNoise]);
  }
  process.stdout.write(`${table.toString()}\n`);
  return ExitCode.ok;
}

export function baselineShowCommand(ref: string, opts: BaselineShowOptions): number {
  const b = findBaseline(opts.baselines, ref);
  if (opts.json) {
    const { cells, ...rest } = b;
    process.stdout.write(`${JSON.stringify({ ...rest, cells: cells.map(({ samplesMs, ...c }) => ({ ...c, samples: samplesMs.length })) }, null, 2)}\n`);
    return ExitCode.ok;
  }
  const cells = b.cells.map(cellResultOf);
  const percents = (o: Record<string, number>) => Object.entries(o).map(([m, v]) => `${m} ${(v * 100).toFixed(1)}%`).join(", ");
  process.stdout.write(`baseline '${b.name}' of suite '${b.suite}', saved ${b.createdAt}\n`);
  if (b.thresholds) process.stdout.write(`thresholds: ${percents(b.thresholds)}\n`);
  if (b.runNoise) process.stdout.write(`run-to-run noise (calibrated over ${b.runNoise.runs} runs): ${percents(b.runNoise.metrics)}\n`);
  process.stdout.write(renderRunTable({ run: { ...b.run, fingerprint: b.fingerprint }, cells }, { color: useColor(process.stdout) }));
  return ExitCode.ok;
}
