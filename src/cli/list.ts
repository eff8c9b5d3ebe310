import Table from "cli-table3";
import { ExitCode } from "../errors.js";
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
    if (opts.json) {
      const rows = runs.map(({ id, suite, status, startedAt, finishedAt, cells }) => ({ id, suite, status, startedAt, finishedAt, cells }));
      process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
      return ExitCode.ok;
    }
    if (runs.length === 0) {
      process.stdout.write(`no runs in ${opts.db} yet; start one with 'bench run'\n`);
      return ExitCode.ok;
    }
    const table = new Table({
      head: ["run", "suite", "status", "started", "cells ok/failed/skipped", "commit"],
      style: { head: [], border: [], compact: true },
    });
    for (const r of runs) {
      const git = r.fingerprint.git;
      table.push([
        r.id,
        r.suite,
        r.status,
        r.startedAt,
        `${r.cells.ok ?? 0}/${r.cells.failed ?? 0}/${r.cells.skipped ?? 0}`,
        git ? `${git.commit.slice(0, 8)}${git.dirty ? "+dirty" : ""}` : "",
      ]);
    }
    process.stdout.write(`${table.toString()}\n`);
    return ExitCode.ok;
  } finally {
    store.close();
  }
}
