import { listBaselines, findBaseline, writeBaseline } from "../baseline/files.js";
import { createBaseline, toBaselineCell } from "../baseline/format.js";
import { errorMessage } from "../errors.js";
import { type BaselineListEntry, renderBaseline, renderBaselineJson, renderBaselineList } from "../report/baseline-table.js";
import { jsonText } from "../report/format.js";
import { Store } from "../store/db.js";
import { useColor } from "./output.js";
import { checkRunRef, resolveRun } from "./run-ref.js";
import { type Outcome, OK } from "./outcome.js";

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

export function baselineSaveCommand(ref: string, opts: BaselineSaveOptions): Outcome {
  checkRunRef(ref);
  const store = Store.open(opts.db, { mode: "read" });
  try {
    const id = resolveRun(store, ref);
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
    return OK;
  } finally {
    store.close();
  }
}

export function baselineListCommand(opts: BaselineListOptions): Outcome {
  // One unreadable file is reported in its row; it does not hide the others.
  const entries = listBaselines(opts.baselines, opts.suite).map((e): BaselineListEntry => {
    try {
      const b = findBaseline(opts.baselines, `${e.suite}/${e.name}`);
      return { ...e, run: b.run.id, createdAt: b.createdAt, cells: b.cells.length, runNoise: b.runNoise ? "calibrated" : "none", error: null };
    } catch (err) {
      return { ...e, run: "", createdAt: "", cells: 0, runNoise: "", error: errorMessage(err) };
    }
  });
  process.stdout.write(opts.json ? jsonText(entries) : renderBaselineList(entries, { dir: opts.baselines }));
  return OK;
}

export function baselineShowCommand(ref: string, opts: BaselineShowOptions): Outcome {
  const b = findBaseline(opts.baselines, ref);
  process.stdout.write(opts.json ? renderBaselineJson(b) : renderBaseline(b, { color: useColor(process.stdout) }));
  return OK;
}
