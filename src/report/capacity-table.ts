import { Chalk } from "chalk";
import Table from "cli-table3";
import type { CapacityCell, CapacityDocument } from "../capacity/document.js";
import type { CapacityStep } from "../capacity/step.js";
import { num } from "./format.js";

/**
 * The terminal view of `bench capacity`: per cell, the capacity in one line, the steps that
 * bracket it, then the curve (every step: target, achieved, percentiles, SLO and generator
 * verdicts) and the notes. Pure: returns the text.
 */
export function renderCapacity(doc: CapacityDocument, { color }: { color: boolean }): string {
  const c = new Chalk({ level: color ? 1 : 0 });
  const head = `${c.bold(`capacity of suite ${doc.suite}`)}  SLO ${doc.slo.join(", ")}  at ${doc.confidence * 100}% confidence  resolution ${doc.resolution * 100}%`;
  return `${[head, ...doc.cells.map((cell) => renderCell(cell, c))].join("\n\n")}\n`;
}

function headline(cell: CapacityCell): string {
  const u = cell.unit;
  const cap = cell.capacity === null ? null : `${load(cell.capacity, u)} ${u}`;
  switch (cell.state) {
    case "failed":
    case "skipped":
      return `${cell.state}: ${cell.error ?? ""}`;
    case "found":
      return `capacity ${cap ?? "?"}`;
    case "generator-limited": {
      const above = cell.bracket.above;
      return `capacity at least ${cap ?? "?"}: the generator could not drive ${above ? `${load(above.target, u)} ${u}` : "more"}, so the search stopped there`;
    }
    case "at-max":
      return `capacity at least ${cap ?? "?"}: every step met the SLO up to the search's maximum`;
    case "none": {
      const last = cell.steps.at(-1);
      const stopped = cell.notes.find((n) => n.startsWith("the search stopped: "));
      if (stopped !== undefined) return `no capacity found: ${stopped.slice("the search stopped: ".length)}`;
      return last?.verdict === "invalid"
        ? `no capacity found: the generator could not drive ${load(last.target, u)} ${u}, the lowest load tried`
        : "no capacity found: no step met the SLO";
    }
  }
}

/** A load as the user gave it: requests/s to 3 significant digits, requests in flight whole. */
function load(x: number, unit: string): string {
  if (unit === "in flight") return String(x);
  return String(x >= 100 ? Math.round(x) : Number(x.toPrecision(3)));
}

function verdictText(s: CapacityStep | null, unit: string): string {
  return s === null ? "none" : `${load(s.target, unit)} ${unit} (${s.verdict})`;
}

function renderCell(cell: CapacityCell, c: InstanceType<typeof Chalk>): string {
  const lines = [`${c.bold(cell.id)}  ${cell.mode === "open" ? "open loop" : "closed loop"}: ${headline(cell)}`];
  if (cell.steps.length === 0) return lines.join("\n");
  lines.push(`  bracket: highest passing ${verdictText(cell.bracket.below, cell.unit)}, lowest above it ${verdictText(cell.bracket.above, cell.unit)}`);
  const table = new Table({
    head: [
      "step",
      cell.mode === "open" ? "target req/s" : "in flight",
      "sent req/s",
      "secs",
      "ok",
      "failed",
      "p50 ms",
      "p90 ms",
      "p99 ms",
      "goodput/s",
      "SLO",
      "generator",
    ],
    style: { head: [], border: [], compact: true },
    colAligns: ["right", "right", "right", "right", "right", "right", "right", "right", "right", "right", "left", "left"],
  });
  cell.steps.forEach((s, i) => {
    const slo = s.slo.checks.map((k) => `${k.verdict}${k.verdict === "not-measured" ? "" : ` ${k.over}/${k.n}`}`).join(" ");
    table.push([
      String(i + 1),
      load(s.target, cell.unit),
      num(s.achievedRate),
      (s.durationMs / 1000).toFixed(1),
      String(s.ok),
      String(s.errors),
      s.latencyMs ? num(s.latencyMs.p50) : "-",
      s.latencyMs ? num(s.latencyMs.p90) : "-",
      s.latencyMs ? num(s.latencyMs.p99) : "-",
      s.slo.goodput ? num(s.slo.goodput.ratePerS) : "-",
      `${s.slo.verdict}${slo ? ` (${slo})` : ""}`,
      s.generator.verdict === "ok" ? "ok" : "INVALID",
    ]);
  });
  lines.push(table.toString());
  lines.push(
    "  goodput/s: requests per second that met every SLO's threshold. SLO: each SLO's test verdict with requests over its threshold / requests judged (failed requests count as over).",
  );
  for (const n of cell.notes) lines.push(`  note: ${n}`);
  return lines.join("\n");
}
