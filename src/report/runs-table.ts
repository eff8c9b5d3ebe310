import Table from "cli-table3";
import type { CellStatus, RunInfo } from "../results.js";
import { jsonText } from "./format.js";

/** A stored run as `bench list` shows it: its info and how many of its cells ended in each status. */
export interface RunListEntry extends Pick<RunInfo, "id" | "suite" | "status" | "startedAt" | "finishedAt" | "fingerprint"> {
  /** Cells by status; a status no cell has may be absent. */
  cells: Partial<Record<CellStatus, number>>;
}

/** `bench list`: one row per run, newest first as given; `db` names the database when it has none. */
export function renderRunsTable(runs: readonly RunListEntry[], { db }: { db: string }): string {
  if (runs.length === 0) return `no runs in ${db} yet; start one with 'bench run'\n`;
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
  return `${table.toString()}\n`;
}

/** `bench list --json`: the runs without their fingerprints. */
export function renderRunsJson(runs: readonly RunListEntry[]): string {
  return jsonText(runs.map(({ id, suite, status, startedAt, finishedAt, cells }) => ({ id, suite, status, startedAt, finishedAt, cells })));
}
