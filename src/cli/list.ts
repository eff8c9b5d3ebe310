import { ExitCode } from "../errors.js";
import { renderRunsJson, renderRunsTable } from "../report/runs-table.js";
import { Store } from "../store/db.js";

export interface ListOptions {
  db: string;
  limit: number;
  json?: boolean;
}

export function listCommand(opts: ListOptions): number {
  const store = Store.open(opts.db, { create: false });
  try {
    const runs = store.listRuns(opts.limit).map((r) => ({ ...r, cells: store.countCells(r.id) }));
    process.stdout.write(opts.json ? renderRunsJson(runs) : renderRunsTable(runs, { db: opts.db }));
    return ExitCode.ok;
  } finally {
    store.close();
  }
}
