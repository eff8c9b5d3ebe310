import { renderRunsJson, renderRunsTable } from "../report/runs-table.js";
import { Store } from "../store/db.js";
import { type Outcome, OK } from "./outcome.js";

export interface ListOptions {
  db: string;
  limit: number;
  json?: boolean;
}

export function listCommand(opts: ListOptions): Outcome {
  const store = Store.open(opts.db, { mode: "read" });
  try {
    const runs = store.listRunEntries(opts.limit);
    process.stdout.write(opts.json ? renderRunsJson(runs) : renderRunsTable(runs, { db: opts.db }));
    return OK;
  } finally {
    store.close();
  }
}
