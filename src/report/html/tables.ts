/** The tables under the charts: the runs, every cell's numbers, N-way side by side, fingerprints, suites, notes. */
import { stringify } from "yaml";
import type { CellResult, RunResult } from "../../results.js";
import { bytesKb, num, percent, withCI } from "../format.js";
import type { ReportInput } from "../model.js";
import { groupNotes } from "../table.js";
import { type ReportCell, runLabel } from "./data.js";
import { esc, folded, list, paragraph, table } from "./page.js";

const ci = (e: { value: number; ci: [number, number] | null } | undefined | null) => (e ? withCI(e) : "");

export function runsTable(input: ReportInput): string {
  const n = input.runs.length;
  return table(
    ["run", "suite", "status", "started", "finished", "seed", "order", "bench", "cells", "trials", "git"],
    input.runs.map((r, i) => {
      const t = r.run.trials;
      const git = r.run.fingerprint.git;
      return [
        runLabel(r, i, n),
        r.run.suite,
        r.run.status,
        r.run.startedAt,
        r.run.finishedAt ?? "",
        r.run.seed,
        r.run.order,
        r.run.benchVersion,
        r.cells.length,
        t ? `${t.trials.length} (min ${t.min}, max ${t.max}, stopped: ${t.stopReason})` : "none",
        git ? `${git.commit.slice(0, 12)}${git.dirty ? " (dirty)" : ""}${git.branch ? ` on ${git.branch}` : ""}` : "",
      ];
    }),
  );
}

/** Every number of every cell: latency percentiles with intervals, throughput, precision, accuracy, cold start, memory. */
export function cellsTable(cells: readonly ReportCell[]): string {
  const headers = [
    "cell",
    "status",
    "samples",
    "dropped",
    "p50 ms",
    "p90 ms",
    "p95 ms",
    "p99 ms",
    "p99.9 ms",
    "mean ms",
    "sd ms",
    "min ms",
    "max ms",
    "throughput items/s",
    "rel. CI",
    "stop",
    "steady",
    "lag-1 autocorr.",
    "ESS",
    "outliers mild/severe",
    "session ms",
    "first call ms",
    "peak RSS",
    "noisy",
    "error",
  ];
  const rows = cells.map(({ cell, label }) => {
    const l = cell.latencyMs;
    return [
      label,
      cell.status,
      cell.samples,
      cell.samplesDropped,
      ci(l?.p50),
      ci(l?.p90),
      ci(l?.p95),
      ci(l?.p99),
      ci(l?.p999),
      ci(l?.mean),
      l ? num(l.stddev) : "",
      l ? num(l.min) : "",
      l ? num(l.max) : "",
      ci(cell.throughput),
      cell.relativeCI === null ? "" : `±${percent(cell.relativeCI)}`,
      cell.stopReason ?? "",
      cell.steadyState ? "yes" : "no",
      cell.dependence ? num(cell.dependence.lag1) : "",
      cell.dependence ? Math.round(cell.dependence.effectiveN) : "",
      cell.outliers ? `${cell.outliers.lowMild + cell.outliers.highMild}/${cell.outliers.lowSevere + cell.outliers.highSevere}` : "",
      cell.coldStart ? num(cell.coldStart.sessionCreateMs) : "",
      cell.coldStart ? num(cell.coldStart.firstCallMs) : "",
      cell.peakRssKb === null ? "" : bytesKb(cell.peakRssKb),
      cell.noisy ? "yes" : "",
      cell.error ?? "",
    ];
  });
  return table(headers, rows, "Latencies in ms with 95% intervals in parentheses; rel. CI is the headline statistic's relative half-width.");
}

/** Several runs: one row per cell id, the headline numbers of each run side by side. */
export function sideBySide(input: ReportInput): string {
  const n = input.runs.length;
  if (n < 2) return "";
  const ids = [...new Set(input.runs.flatMap((r) => r.cells.map((c) => c.id)))];
  const byRun = input.runs.map((r) => new Map(r.cells.map((c) => [c.id, c])));
  const headers = ["cell", ...input.runs.flatMap((r, i) => [`p50 ms ${runLabel(r, i, n)}`, `p99 ms ${runLabel(r, i, n)}`, `items/s ${runLabel(r, i, n)}`])];
  const rows = ids.map((id) => [
    id,
    ...byRun.flatMap((m) => {
      const c: CellResult | undefined = m.get(id);
      if (!c) return ["absent", "", ""];
      if (c.status !== "ok") return [c.status, "", ""];
      return [ci(c.latencyMs?.p50), ci(c.latencyMs?.p99), ci(c.throughput)];
    }),
  ]);
  return table(headers, rows, "The same cell in each run, side by side (95% intervals in parentheses).");
}

/** Leaf values of a JSON document by their dotted path. */
function flatten(doc: unknown, prefix = ""): [string, string][] {
  if (doc === null || typeof doc !== "object") return [[prefix, String(doc)]];
  const entries = Array.isArray(doc) ? doc.map((v, i) => [String(i), v] as const) : Object.entries(doc as Record<string, unknown>);
  if (entries.length === 0) return [[prefix, Array.isArray(doc) ? "[]" : "{}"]];
  return entries.flatMap(([k, v]) => flatten(v, prefix === "" ? k : `${prefix}.${k}`));
}

/** The fingerprints of the runs side by side; a row whose value differs between runs is marked. */
export function fingerprintTable(runs: readonly RunResult[]): string {
  const n = runs.length;
  const flat = runs.map((r) => new Map(flatten(r.run.fingerprint)));
  const keys = [...new Set(flat.flatMap((m) => [...m.keys()]))];
  const rows = keys.map((k) => {
    const values = flat.map((m) => m.get(k) ?? "");
    return [k, ...values, ...(n > 1 ? [new Set(values).size > 1 ? "differs" : ""] : [])];
  });
  return table(["field", ...runs.map((r, i) => runLabel(r, i, n)), ...(n > 1 ? [""] : [])], rows);
}

export function suitesBlock(input: ReportInput): string {
  const n = input.runs.length;
  return input.runs
    .map((r, i) => {
      const suite = input.resolvedSuite?.(r.run.id);
      const body =
        suite === undefined || suite === null
          ? paragraph("The resolved suite of this run is not in the report's input.", "muted")
          : `<pre>${esc(stringify(suite))}</pre>`;
      return folded(`${runLabel(r, i, n)}: ${r.run.suite} (${r.run.suiteFile})`, body);
    })
    .join("\n");
}

/** What a reader should know about each run: its noise check, its trials' notes, its cells' notes and errors. */
export function notesBlock(input: ReportInput): string {
  const n = input.runs.length;
  return input.runs
    .map((r, i) => {
      const lines: string[] = [];
      const details: string[] = [];
      const noise = r.run.noise;
      if (noise) {
        lines.push(
          `noise check: ${noise.noisy ? "noisy" : "quiet"}; calibration workload ${num(noise.calibrationBeforeMs)} ms before, ${num(noise.calibrationAfterMs)} ms after the run`,
        );
        if (noise.reasons.length > 0) details.push(folded(`What the noise check saw (${noise.reasons.length})`, list(noise.reasons)));
      }
      const trials = r.run.trials;

      if (trials) {
        const disturbed = trials.trials.filter((t) => t.disturbed).length;
        lines.push(
          `trials: ${trials.trials.length} (${disturbed} disturbed), stopped: ${trials.stopReason}; machine canary ${trials.canaryMs === null ? "not measured" : `${num(trials.canaryMs)} ms`}`,
        );
        const trialLines = trials.trials.map((t) => {
          const canary = t.canaryMs ? `, canary ${num(t.canaryMs[0])} → ${num(t.canaryMs[1])} ms` : "";
          return `trial ${t.trial}: ${t.status}${t.disturbed ? ", disturbed" : ""}${canary}${t.notes.length > 0 ? `; ${t.notes.join("; ")}` : ""}`;
        });
        details.push(folded(`Each trial's canary and noise notes (${trials.trials.length})`, list(trialLines)));
      }
      lines.push(...r.cells.filter((c) => c.error !== null).map((c) => `${c.id} ${c.status}: ${c.error ?? ""}`));
      // A note's text, then the cells it applies to folded away: some notes name every cell.
      const cellNotes = groupNotes(r.cells.map((c) => ({ cell: c.id, notes: c.notes }))).map((line) => {
        const at = line.lastIndexOf(" — ");
        if (at < 0) return `<li>${esc(line)}</li>`;
        const cells = line.slice(at + 3);
        const members = cells.split(/, (?![^[]*\])/);
        return `<li>${esc(line.slice(0, at))}${members.length === 1 ? ` — ${esc(cells)}` : folded(`${new Set(members.map((m) => m.replace(/ \[.*\]$/, ""))).size} cells`, `<p>${esc(cells)}</p>`)}</li>`;
      });
      const body =
        lines.length + cellNotes.length > 0 ? `${list(lines)}${cellNotes.length > 0 ? `<ul>${cellNotes.join("")}</ul>` : ""}` : paragraph("No notes.", "muted");
      return `<h3>${esc(runLabel(r, i, n))}</h3>${body}${details.join("")}`;
    })
    .join("\n");
}
