import { Chalk, type ChalkInstance } from "chalk";
import Table from "cli-table3";
import type { DiffResult } from "../compare/diff.js";
import {
  canaryText,
  changeWithCI,
  gateState,
  headline,
  methodText,
  noteLines,
  pValue,
  thresholdText,
  unit,
  VERDICT_RULE,
  type Verdict,
} from "./diff-common.js";
import { num } from "./format.js";

/** The terminal view of a comparison: what to worry about first, then every cell × metric. */
export function renderDiffTable(d: DiffResult, { color }: { color: boolean }): string {
  const c = new Chalk({ level: color ? 1 : 0 });
  const lines: string[] = [];
  lines.push(`${c.bold(`base ${d.base}`)} (${d.baseRun}) → ${c.bold(`head ${d.head}`)} (${d.headRun}); ${thresholdText(d)}`);
  const state = gateState(d);
  lines.push(state === "pass" ? c.green.bold(headline(d)) : state === "blind" ? c.yellow.bold(headline(d)) : c.red.bold(headline(d)));
  const method = methodText(d);
  if (method) lines.push(c.dim(method));
  const canary = canaryText(d);
  if (canary) lines.push(d.canary.disturbed ? c.yellow(canary) : c.dim(canary));
  for (const e of d.environment) {
    const tag = e.tolerance === "must" ? c.red("environment differs") : c.yellow("environment differs");
    lines.push(`${tag}: ${e.field}: ${e.base} → ${e.head}${e.tolerance === "must" ? " (matters: --strict-env refuses this)" : ""}`);
  }
  if (d.noisy.base || d.noisy.head) {
    const which = [d.noisy.base ? "base" : "", d.noisy.head ? "head" : ""].filter(Boolean).join(" and ");
    lines.push(
      c.yellow(
        `noisy: the ${which} ${d.noisy.base && d.noisy.head ? "runs were" : "run was"} measured while the machine was disturbed; verdicts are less reliable`,
      ),
    );
  }
  const table = new Table({
    head: ["cell", "metric", "base", "head", "change (95% CI)", "p (Holm)", "verdict"],
    style: { head: color ? ["cyan"] : [], border: [], compact: true },
    colAligns: ["left", "left", "right", "right", "right", "right", "left"],
  });
  let last = "";
  for (const x of d.comparisons) {
    table.push([
      x.cell === last ? "" : x.cell,
      x.metric,
      `${num(x.base)} ${unit(x.metric)}`,
      num(x.head),
      changeWithCI(x),
      pValue(x.pAdjusted),
      paint(x.verdict, c),
    ]);
    last = x.cell;
  }
  if (d.comparisons.length > 0) lines.push(table.toString());
  for (const n of noteLines(d)) lines.push(`note: ${n}`);
  for (const n of d.notComparable) lines.push(`not compared: ${n.cell}: ${n.reason}`);
  if (d.onlyInBase.length > 0) lines.push(`only in base: ${d.onlyInBase.join(", ")}`);
  if (d.onlyInHead.length > 0) lines.push(`only in head: ${d.onlyInHead.join(", ")}`);
  lines.push(`change = head/base − 1 (for throughput a drop is negative); ${VERDICT_RULE}.`);
  return `${lines.join("\n")}\n`;
}

function paint(v: Verdict, c: ChalkInstance): string {
  switch (v) {
    case "regression":
      return c.red.bold(v);
    case "improvement":
      return c.green(v);
    case "unchanged":
      return c.dim(v);
    case "inconclusive":
      return c.yellow(v);
  }
}
