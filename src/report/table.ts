import { Chalk, type ChalkInstance } from "chalk";
import Table from "cli-table3";
import type { CellResult, RunResult } from "../results.js";
import { bytesKb, num, withCI } from "./format.js";

export interface RenderOptions {
  color: boolean;
}

/** The terminal view of a run: one row per cell, then the notes. Pure: returns the text. */
export function renderRunTable(result: RunResult, { color }: RenderOptions): string {
  const c = new Chalk({ level: color ? 1 : 0 });
  const { run } = result;
  const header =
    `${c.bold(`run ${run.id}`)}  suite ${run.suite}  ${statusText(run.status, c)}  ` +
    `started ${run.startedAt}  seed ${run.seed}\n` +
    `${run.fingerprint.host.cpuModel} · ${run.fingerprint.host.logicalCores} cores · ` +
    `onnxruntime ${run.fingerprint.runtime.onnxruntime} · node ${run.fingerprint.runtime.node} · ${run.order}` +
    (run.noise?.noisy ? `\n${c.yellow(`noisy run: ${run.noise.reasons.join("; ")}`)}` : "");

  const table = new Table({
    head: ["cell", "n", "p50 ms (95% CI)", "p90 ms", "p99 ms (95% CI)", "mean ms", "items/s (95% CI)", "cold ms", "peak RSS"],
    style: { head: color ? ["cyan"] : [], border: [], compact: true },
    colAligns: ["left", "right", "right", "right", "right", "right", "right", "right", "right"],
  });
  for (const cell of result.cells) table.push(row(cell, c));

  // Noise is said once in the header; each touched cell is marked '!' in its row.
  // Notes about percentiles the table does not show with an interval stay in the JSON.
  const notes = result.cells.flatMap((cell) => cell.notes.filter((n) => !/^(noisy|p90|p95|p999):/.test(n)).map((n) => `  ${cell.id}: ${n}`));
  const counts = countStatuses(result.cells);
  const footer = [
    `${result.cells.length} cells: ${counts.ok} ok, ${counts.failed} failed, ${counts.skipped} skipped` +
      (counts.unconverged > 0 ? `; ${counts.unconverged} did not reach the target interval (marked ~)` : "") +
      (counts.noisy > 0 ? `; ${counts.noisy} measured while the machine was disturbed (marked !)` : ""),
    "Percentile intervals are distribution-free (order statistics); 'no CI': too few samples for a 95% interval",
    "(p99 needs at least 368). cold ms = session creation + first call. ~ = stopped before the target interval.",
  ];
  return `${[header, table.toString(), ...(notes.length > 0 ? ["notes:", ...notes] : []), ...footer].join("\n")}\n`;
}

function row(cell: CellResult, c: ChalkInstance): Table.HorizontalTableRow {
  if (cell.status !== "ok" || !cell.latencyMs) {
    const label = cell.status === "skipped" ? c.yellow("skipped") : c.red("FAILED");
    return [cell.id, { colSpan: 8, content: `${label}: ${cell.error ?? "no samples"}` }];
  }
  const l = cell.latencyMs;
  const mark = cell.converged ? "" : c.yellow("~");
  return [
    cell.noisy ? `${cell.id} ${c.yellow("!")}` : cell.id,
    String(cell.samples),
    mark + withCI(l.p50),
    num(l.p90.value),
    withCI(l.p99),
    `${num(l.mean.value)} ±${num(l.stddev)}`,
    cell.throughput ? withCI(cell.throughput) : "",
    cell.coldStart ? `${num(cell.coldStart.sessionCreateMs)}+${num(cell.coldStart.firstCallMs)}` : "",
    cell.peakRssKb !== null ? bytesKb(cell.peakRssKb) : "",
  ];
}

function statusText(status: string, c: ChalkInstance): string {
  if (status === "completed") return c.green(status);
  if (status === "failed") return c.red(status);
  return c.yellow(status);
}

export function countStatuses(cells: readonly CellResult[]) {
  return {
    ok: cells.filter((x) => x.status === "ok").length,
    failed: cells.filter((x) => x.status === "failed").length,
    skipped: cells.filter((x) => x.status === "skipped").length,
    unconverged: cells.filter((x) => x.status === "ok" && !x.converged).length,
    noisy: cells.filter((x) => x.noisy).length,
  };
}
