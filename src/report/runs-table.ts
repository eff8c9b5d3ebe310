import type { RunListEntry } from "../results.js";
import { jsonText } from "./format.js";

export type { RunListEntry } from "../results.js";

const HEAD = ["run", "suite", "status", "started", "cells ok/failed/skipped", "commit"] as const;

/**
 * `bench list`: one row per run, newest first as given; `db` names the database when it has none.
 * Drawn here rather than with cli-table3 (the other tables' renderer), whose layout takes time
 * superlinear in the rows (9 s for 10,000 runs): these cells are one line each and left-aligned,
 * so one pass for the widths and one for the lines draw the same box in linear time.
 */
export function renderRunsTable(runs: readonly RunListEntry[], { db }: { db: string }): string {
  if (runs.length === 0) return `no runs in ${db} yet; start one with 'bench run'\n`;
  const rows = runs.map((r) => [
    r.id,
    r.suite,
    r.status,
    r.startedAt,
    `${r.cells.ok ?? 0}/${r.cells.failed ?? 0}/${r.cells.skipped ?? 0}`,
    r.git ? `${r.git.commit.slice(0, 8)}${r.git.dirty ? "+dirty" : ""}` : "",
  ]);
  return boxTable(HEAD, rows);
}

/** A terminal's columns for a text: code points, a wide (East Asian, emoji) one counting two. */
function width(text: string): number {
  let n = 0;
  for (const ch of text)
    n += /[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6\u{1f300}-\u{1faff}\u{20000}-\u{3fffd}]/u.test(ch)
      ? 2
      : 1;
  return n;
}

/** A table in cli-table3's box characters (its `compact` style: no rule between rows), each cell one line, left-aligned. */
function boxTable(head: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = head.map((h, c) => rows.reduce((w, row) => Math.max(w, width(row[c] ?? "")), width(h)));
  const rule = (left: string, mid: string, right: string) => `${left}${widths.map((w) => "─".repeat(w + 2)).join(mid)}${right}\n`;
  const line = (cells: readonly string[]) => `│${widths.map((w, c) => ` ${cells[c] ?? ""}${" ".repeat(w - width(cells[c] ?? ""))} `).join("│")}│\n`;
  const out = [rule("┌", "┬", "┐"), line(head), rule("├", "┼", "┤")];
  for (const row of rows) out.push(line(row));
  out.push(rule("└", "┴", "┘"));
  return out.join("");
}

/** `bench list --json`: the runs without their fingerprints. */
export function renderRunsJson(runs: readonly RunListEntry[]): string {
  return jsonText(runs.map(({ id, suite, status, startedAt, finishedAt, cells }) => ({ id, suite, status, startedAt, finishedAt, cells })));
}
