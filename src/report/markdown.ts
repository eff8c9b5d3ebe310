import type { DiffResult } from "../compare/diff.js";
import type { Comparison } from "../stats/compare.js";
import { byVerdict, changeWithCI, headline, passed, pValue, runNoiseText, thresholdText, unit } from "./diff-common.js";
import { num } from "./format.js";

/**
 * A CI summary a reviewer understands in ten seconds: the verdict first, then the regressions,
 * then everything else folded away.
 */
export function renderDiffMarkdown(d: DiffResult, title = "bench"): string {
  const regressions = byVerdict(d, "regression");
  const icon = passed(d) ? "✅" : "❌";
  const out: string[] = [`## ${icon} ${title}: ${headline(d)}`, ""];
  out.push(
    `Base \`${d.base}\` (run \`${d.baseRun}\`) → head \`${d.head}\` (run \`${d.headRun}\`); ${thresholdText(d)}; ${d.comparisons.length} comparisons, Holm-corrected; ${runNoiseText(d)}.`,
    "",
  );
  for (const e of d.environment)
    out.push(`> ⚠️ Environment differs: **${e.field}** \`${e.base}\` → \`${e.head}\`${e.tolerance === "must" ? " (matters)" : ""}`);
  if (d.noisy.base || d.noisy.head) out.push("> ⚠️ A run was measured while the machine was disturbed; verdicts are less reliable.");
  if (d.environment.length > 0 || d.noisy.base || d.noisy.head) out.push("");
  if (regressions.length > 0) {
    out.push("### Regressions", "", ...table(regressions), "");
  }
  const improvements = byVerdict(d, "improvement");
  if (improvements.length > 0) out.push("### Improvements", "", ...table(improvements), "");
  out.push(`<details><summary>All ${d.comparisons.length} comparisons</summary>`, "", ...table(d.comparisons), "", "</details>", "");
  const notes = [
    ...d.notComparable.map((n) => `- not compared: \`${n.cell}\`: ${n.reason}`),
    ...(d.onlyInBase.length ? [`- only in base: ${d.onlyInBase.map((c) => `\`${c}\``).join(", ")}`] : []),
    ...(d.onlyInHead.length ? [`- only in head: ${d.onlyInHead.map((c) => `\`${c}\``).join(", ")}`] : []),
  ];
  if (notes.length > 0) out.push(...notes, "");
  out.push("<sub>change = head/base − 1 with its 95% interval; a regression is significant after Holm's correction and wholly beyond the threshold.</sub>", "");
  return out.join("\n");
}

function table(rows: Comparison[]): string[] {
  return [
    "| cell | metric | base | head | change (95% CI) | p (Holm) | verdict |",
    "|---|---|---:|---:|---:|---:|---|",
    ...rows.map(
      (c) =>
        `| \`${c.cell}\` | ${c.metric} | ${num(c.base)} ${unit(c.metric)} | ${num(c.head)} | ${changeWithCI(c)} | ${pValue(c.pAdjusted)} | ${c.verdict === "regression" ? "**regression**" : c.verdict} |`,
    ),
  ];
}
