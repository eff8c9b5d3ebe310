import type { RunResult } from "../results.js";
import type { Metric } from "../stats/metrics.js";
import { num, percent } from "./format.js";
import { renderDiffMarkdown } from "./markdown.js";
import type { HistorySeries, ReportInput } from "./model.js";
import { estimateOf, metricUnit } from "./report-rows.js";

/** The statistics a Markdown report tabulates per cell; the CSV and JSON forms have all of them. */
const SHOWN: readonly Metric[] = ["p50", "p99", "throughput"];

/**
 * `bench report --format md`: the runs, then one run's cells, or several runs side by side
 * (N-way: one table per statistic, a column per run), or for two runs the comparison exactly as
 * `bench diff --summary` writes it followed by both runs side by side; or a history with its
 * change points. Every cell appears, a failed or skipped one with its status and error.
 */
export function renderReportMarkdown(input: ReportInput): string {
  if (input.history) return historyMarkdown(input.history);
  const out: string[] = [`# bench report: ${[...new Set(input.runs.map((r) => r.run.suite))].join(", ")}`, "", ...runsTable(input.runs), ""];
  if (input.diff) out.push(renderDiffMarkdown(input.diff, input.runs[input.runs.length - 1]?.run.suite ?? "bench"));
  if (input.runs.length === 1 && input.runs[0]) out.push(...oneRun(input.runs[0]));
  else out.push(...sideBySide(input.runs));
  return `${out.join("\n").trimEnd()}\n`;
}

function runsTable(runs: readonly RunResult[]): string[] {
  return [
    "| # | run | suite | status | started | git | cells |",
    "|---:|---|---|---|---|---|---|",
    ...runs.map(({ run, cells }, i) => {
      const git = run.fingerprint.git ? `\`${run.fingerprint.git.commit.slice(0, 10)}\`${run.fingerprint.git.dirty ? " (dirty)" : ""}` : "—";
      const byStatus = new Map<string, number>();
      for (const c of cells) byStatus.set(c.status, (byStatus.get(c.status) ?? 0) + 1);
      const counts = [...byStatus].map(([s, n]) => `${n} ${s}`).join(", ");
      return `| ${i + 1} | \`${run.id}\` | ${run.suite} | ${run.status} | ${run.startedAt || "—"} | ${git} | ${counts || "none"} |`;
    }),
  ];
}

/** "4.10 (4.05–4.16)"; "4.10 (no CI)"; "—" when the cell has no such number. */
function cellText(run: RunResult, cellId: string, metric: Metric): string {
  const cell = run.cells.find((c) => c.id === cellId);
  if (!cell) return "—";
  if (cell.status !== "ok" && !cell.latencyMs) return `*${cell.status}*`;
  const e = estimateOf(cell, metric);
  if (!e) return "—";
  return e.ci ? `${num(e.value)} (${num(e.ci[0])}–${num(e.ci[1])})` : `${num(e.value)} (no CI)`;
}

function oneRun(run: RunResult): string[] {
  const out = [
    "## Cells",
    "",
    `| cell | status | ${SHOWN.map((m) => `${m} ${metricUnit(m)} (95% CI)`).join(" | ")} |`,
    `|---|---|${SHOWN.map(() => "---:").join("|")}|`,
    ...run.cells.map((c) => `| \`${c.id}\` | ${c.status} | ${SHOWN.map((m) => cellText(run, c.id, m)).join(" | ")} |`),
    "",
  ];
  return [...out, ...errors([run])];
}

function sideBySide(runs: readonly RunResult[]): string[] {
  const ids = [...new Set(runs.flatMap((r) => r.cells.map((c) => c.id)))];
  const out: string[] = [];
  for (const m of SHOWN) {
    out.push(
      `## ${m} (${metricUnit(m)}, 95% CI)`,
      "",
      `| cell | ${runs.map((_, i) => `#${i + 1}`).join(" | ")} |`,
      `|---|${runs.map(() => "---:").join("|")}|`,
      ...ids.map((id) => `| \`${id}\` | ${runs.map((r) => cellText(r, id, m)).join(" | ")} |`),
      "",
    );
  }
  return [...out, ...errors(runs)];
}

function errors(runs: readonly RunResult[]): string[] {
  const lines = runs.flatMap(({ run, cells }) =>
    cells.filter((c) => c.error).map((c) => `- \`${c.id}\`${runs.length > 1 ? ` (run \`${run.id}\`)` : ""}: ${c.status}: ${c.error}`),
  );
  return lines.length > 0 ? ["### Cells without numbers", "", ...lines, ""] : [];
}

function historyMarkdown(history: readonly HistorySeries[]): string {
  const suites = [...new Set(history.map((s) => s.suite))];
  const out = [`# bench history: ${suites.join(", ")}`, ""];
  const shifts = history.reduce((n, s) => n + s.changePoints.length, 0);
  out.push(
    shifts === 0
      ? `No change point in ${history.length} series.`
      : `${shifts} change point(s) in ${history.filter((s) => s.changePoints.length > 0).length} of ${history.length} series.`,
    "",
  );
  for (const s of history) {
    out.push(`## \`${s.cellId}\`: ${s.metric} (${s.unit}), ${s.points.length} runs`, "");
    out.push(
      ...(s.changePoints.length === 0
        ? [s.points.length < 6 ? `Too few runs to find a change point (${s.points.length}; it takes at least 3 on each side).` : "No change point."]
        : s.changePoints.map(
            (c) =>
              `- **change point** at #${c.index + 1} (run \`${c.runId}\`): ${num(c.before)} → ${num(c.after)} ${s.unit} (${c.change >= 0 ? "+" : "−"}${percent(Math.abs(c.change))}), p = ${c.pValue.toFixed(4)}`,
          )),
      "",
    );
    const starts = new Set(s.changePoints.map((c) => c.index));
    out.push(
      `| # | run | started | ${s.metric} ${s.unit} (95% CI) | |`,
      "|---:|---|---|---:|---|",
      ...s.points.map(
        (p, i) =>
          `| ${i + 1} | \`${p.runId}\` | ${p.startedAt} | ${p.lo !== null && p.hi !== null ? `${num(p.value)} (${num(p.lo)}–${num(p.hi)})` : `${num(p.value)} (no CI)`} | ${starts.has(i) ? "◀ change point" : ""} |`,
      ),
      "",
    );
  }
  out.push(
    "<sub>Change points: binary segmentation with a permutation test of the largest standardized rank-sum split, family-wise error 1%, at least 3 runs per level.</sub>",
    "",
  );
  return out.join("\n");
}
