import { appendFileSync, mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { DiffResult } from "../compare/diff.js";
import { renderDiffJson } from "../report/diff-json.js";
import { renderDiffTable } from "../report/diff-table.js";
import { renderJUnit } from "../report/junit.js";
import { renderDiffMarkdown } from "../report/markdown.js";
import { type Outcome, OK, worst } from "./outcome.js";
import { useColor } from "./output.js";

export interface GateOptions {
  json?: boolean;
  summary?: string;
  junit?: string;
  failOnRegression?: boolean;
  strictEnv?: boolean;
  /** Print nothing on stdout (the comparisons are inside the caller's own JSON document). */
  quietStdout?: boolean;
}

export interface Gated {
  diff: DiffResult;
  /** Title of its Markdown section and JUnit suite (the suite's name). */
  title: string;
  /** A regression here fails the process (--fail-on-regression, or --baseline). */
  gating: boolean;
}

/**
 * Print comparisons, write the CI files once with all of them, and say how the gate came out:
 * bad input when --strict-env and a field that must match differs; a failure when a gate compared
 * nothing because the cells failed or were skipped (bad input when for another reason, e.g. no
 * cell in common); a regression when a gating comparison found one.
 */
export function reportDiffs(all: readonly Gated[], opts: GateOptions): Outcome {
  if (opts.strictEnv) {
    for (const { diff } of all) {
      const mustDiffer = diff.environment.filter((e) => e.tolerance === "must");
      if (mustDiffer.length > 0) {
        return {
          kind: "bad-input",
          message: `the runs were measured in different environments (--strict-env): ${mustDiffer.map((e) => `${e.field} ${e.base} → ${e.head}`).join("; ")}`,
        };
      }
    }
  }
  if (!opts.quietStdout) {
    for (const { diff } of all) {
      process.stdout.write(opts.json ? renderDiffJson(diff) : renderDiffTable(diff, { color: useColor(process.stdout) }));
    }
  }
  if (all.length > 0) {
    const markdown = all.map(({ diff, title }) => renderDiffMarkdown(diff, title)).join("\n");
    if (opts.summary) writeFileMaking(opts.summary, markdown);
    const stepSummary = process.env.GITHUB_STEP_SUMMARY;
    if (stepSummary) appendFileSync(stepSummary, `${markdown}\n`);
    if (opts.junit) writeFileMaking(opts.junit, renderJUnit(all.map(({ diff, title }) => ({ diff, name: title }))));
  }
  return worst(all.filter((g) => g.gating).map(gateOutcome));
}

/** A gate that compared nothing must not pass; one that found a regression fails. */
function gateOutcome({ diff }: Gated): Outcome {
  if (diff.comparisons.length === 0) {
    const reasons = diff.notComparable.map((n) => `${n.cell}: ${n.reason}`).join("; ") || "no samples";
    const message = `${diff.base} vs ${diff.head}: nothing could be compared (${reasons})`;
    const measuredNothing = diff.notComparable.length > 0 && diff.notComparable.every((n) => /is (failed|skipped)$/.test(n.reason));
    return measuredNothing ? { kind: "failed", reason: message } : { kind: "bad-input", message };
  }
  return diff.comparisons.some((c) => c.verdict === "regression") ? { kind: "regression" } : OK;
}

function writeFileMaking(file: string, text: string): void {
  mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  writeFileSync(file, text);
}
