import { newRunId } from "../measure/execute.js";
import { renderRunJson } from "../report/json.js";
import { renderRunTable } from "../report/table.js";
import { mergeRuns } from "../scale/merge.js";
import { exportText, importRun } from "../scale/transfer.js";
import { Store } from "../store/db.js";
import { type Outcome, OK } from "./outcome.js";
import { useColor } from "./output.js";
import { readPart, writeOut } from "./transfer.js";

export interface MergeCommandOptions {
  db: string;
  out?: string;
  asTrials?: boolean;
  force?: boolean;
  json?: boolean;
}

/** `bench merge PART...`: shards, a fleet's runs or load shards into one run, stored in --db (and written to --out). */
export function mergeCommand(args: string[], opts: MergeCommandOptions): Outcome {
  const parts = args.map(readPart);
  const { data, warnings } = mergeRuns(parts, { id: newRunId(), asTrials: opts.asTrials === true, force: opts.force === true });
  for (const w of warnings) process.stderr.write(`bench: warning: ${w}\n`);
  const store = Store.open(opts.db);
  try {
    importRun(store, data);
    const stored = store.loadRun(data.run.id);
    if (opts.json) process.stdout.write(renderRunJson(stored));
    else process.stdout.write(renderRunTable(stored, { color: useColor(process.stdout) }));
  } finally {
    store.close();
  }
  if (opts.out !== undefined) writeOut(opts.out, exportText(data));
  const mode = data.run.origin?.merged?.mode ?? "shards";
  process.stderr.write(`merged ${parts.length} parts (${mode}) into run ${data.run.id} in ${opts.db}${opts.out !== undefined ? ` and ${opts.out}` : ""}\n`);
  const failed = data.cells.filter((c) => c.result.status === "failed" || c.result.status === "invalid").length;
  return failed > 0
    ? { kind: "failed", reason: `${data.run.suite}: ${failed} of ${data.cells.length} merged cells failed (their errors are in the table)` }
    : OK;
}
