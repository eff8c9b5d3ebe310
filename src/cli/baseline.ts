import Table from "cli-table3";
import { listBaselines, findBaseline, writeBaseline } from "../baseline/files.js";
import { createBaseline, toBaselineCell } from "../baseline/format.js";
import { ExitCode } from "../errors.js";
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
  const entries = listBaselines(opts.baselines, opts.suite).map((e) => {
    const b = findBaseline(opts.baselines, `${e.suite}/${e.name}`);
    return { suite: e.suite, name: e.name, file: e.file, run: b.run.id, createdAt: b.createdAt, cells: b.cells.length, calibrated: b.thresholds !== null };
  });
  if (opts.json) {
    process.stdout.write(`${JSON.stringify(entries, null, 2)}\n`);
    return ExitCode.ok;
  }
  if (entries.length === 0) {
    process.stdout.write(`no baselines in ${opts.baselines}/ yet; save one with 'bench baseline save RUN --name NAME'\n`);
    return ExitCode.ok;
  }
  const table = new Table({ head: ["suite", "name", "run", "created", "cells", "thresholds"], style: { head: [], border: [], compact: true } });
  for (const e of entries) table.push([e.suite, e.name, e.run, e.createdAt, String(e.cells), e.calibrated ? "calibrated" : "suite"]);
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
  const cells = b.cells.map(({ samplesMs: _s, samplesThinning: _t, summary, ...key }) => ({ ...summary, ...key }));
  process.stdout.write(`baseline '${b.name}' of suite '${b.suite}', saved ${b.createdAt}\n`);
  if (b.thresholds) process.stdout.write(`calibrated thresholds: ${Object.entries(b.thresholds).map(([m, v]) => `${m} ${(v * 100).toFixed(1)}%`).join(", ")}\n`);
  process.stdout.write(renderRunTable({ run: { ...b.run, fingerprint: b.fingerprint }, cells }, { color: useColor(process.stdout) }));
  return ExitCode.ok;
}
