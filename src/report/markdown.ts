import type { DiffResult } from "../compare/diff.js";
import type { Comparison } from "../stats/compare.js";
import { METRICS } from "../stats/metrics.js";
import {
  blindSpots,
  byVerdict,
  canaryText,
  cellList,
  changeWithCI,
  gateState,
  headline,
  methodText,
  pValue,
  thresholdText,
  unit,
  VERDICT_RULE,
} from "./diff-common.js";
import { num, percent } from "./format.js";

const ICON = { regression: "❌", blind: "⚠️", pass: "✅" } as const;

/**
 * A CI summary a reviewer understands in ten seconds: the verdict first (❌ a regression or
 * nothing compared, ⚠️ no regression found but the gate was partly blind, ✅ every comparison
 * unchanged or improved on an undisturbed machine), then the regressions, then everything else
 * folded away.
 */
export function renderDiffMarkdown(d: DiffResult, title = "bench"): string {
  const regressions = byVerdict(d, "regression");
  const out: string[] = [`## ${ICON[gateState(d)]} ${title}: ${headline(d)}`, ""];
  const how = [thresholdText(d), `${d.comparisons.length} comparisons, Holm-corrected`, methodText(d), d.canary.disturbed ? "" : canaryText(d)];
  out.push(`Base \`${d.base}\` (run \`${d.baseRun}\`) → head \`${d.head}\` (run \`${d.headRun}\`); ${how.filter(Boolean).join("; ")}.`, "");
  const warnings = [
    ...(d.canary.disturbed ? [`> ⚠️ The machine was disturbed (${canaryText(d)}); the verdicts cannot pass as clean.`] : []),
    ...d.environment.map((e) => `> ⚠️ Environment differs: **${e.field}** \`${e.base}\` → \`${e.head}\`${e.tolerance === "must" ? " (matters)" : ""}`),
    ...(d.noisy.base || d.noisy.head ? ["> ⚠️ A run was measured while the machine was disturbed; verdicts are less reliable."] : []),
  ];
  if (warnings.length > 0) out.push(...warnings, "");
  if (regressions.length > 0) {
    out.push("### Regressions", "", ...table(regressions), "");
  }
  const improvements = byVerdict(d, "improvement");
  if (improvements.length > 0) out.push("### Improvements", "", ...table(improvements), "");
  if (blindSpots(d) > 0) out.push(...sensitivity(d), "");
  out.push(`<details><summary>All ${d.comparisons.length} comparisons</summary>`, "", ...table(d.comparisons), "", "</details>", "");
  const code = (cells: readonly string[]) => cells.map((c) => `\`${c}\``);
  const notes = [
    ...d.notes.map((n) => `- ${n.text}: ${cellList(code(n.cells), 10)}`),
    ...d.notComparable.map((n) => `- not compared: \`${n.cell}\`: ${n.reason}`),
    ...(d.onlyInBase.length ? [`- only in base: ${code(d.onlyInBase).join(", ")}`] : []),
    ...(d.onlyInHead.length ? [`- only in head: ${code(d.onlyInHead).join(", ")}`] : []),
  ];
  if (notes.length > 0) out.push(...notes, "");
  out.push(`<sub>change = head/base − 1 with its 95% interval; ${VERDICT_RULE}.</sub>`, "");
  return out.join("\n");
}

/** What the comparison could have seen: per metric, the smallest change flagged with 80% power. */
function sensitivity(d: DiffResult): string[] {
  const rows = METRICS.flatMap((m) => {
    const s = d.sensitivity[m];
    if (!s) return [];
    const inconclusive = d.comparisons.filter((c) => c.metric === m && c.verdict === "inconclusive").length;
    return [`| ${m} | ${percent(s.median)} | ${percent(s.worst)} | ${inconclusive} of ${s.rows} |`];
  });
  return [
    "### Inconclusive",
    "",
    `${[d.inconclusive > 0 ? `${d.inconclusive} inconclusive` : "", d.unavailable.length > 0 ? `${d.unavailable.length} without an interval` : ""].filter(Boolean).join(" and ")}: ` +
      "these rows could not tell a change within the threshold from a regression. The smallest change this comparison would have flagged (80% power):",
    "",
    "| metric | median cell | worst cell | inconclusive |",
    "|---|---:|---:|---:|",
    ...rows,
    "",
    "More trials narrow this; `--fail-on-inconclusive` fails the gate instead of passing it blind.",
  ];
}

function table(rows: readonly Comparison[]): string[] {
  return [
    "| cell | metric | base | head | change (95% CI) | p (Holm) | verdict |",
    "|---|---|---:|---:|---:|---:|---|",
    ...rows.map(
      (c) =>
        `| \`${c.cell}\` | ${c.metric} | ${num(c.base)} ${unit(c.metric)} | ${num(c.head)} | ${changeWithCI(c)} | ${pValue(c.pAdjusted)} | ${c.verdict === "regression" ? "**regression**" : c.verdict} |`,
    ),
  ];
}
