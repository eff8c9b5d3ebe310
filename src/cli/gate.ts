import { appendFileSync, mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { DiffResult } from "../compare/diff.js";
import { ExitCode, UserError } from "../errors.js";
import { renderDiffJson } from "../report/diff-json.js";
import { renderDiffTable } from "../report/diff-table.js";
import { renderJUnit } from "../report/junit.js";
import { renderDiffMarkdown } from "../report/markdown.js";
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
 * Print comparisons, write the CI files once with all of them, and decide the exit code: 2 when
 * --strict-env and a field that must match differs, or when a gate compared nothing; 1 when a
 * gating comparison found a regression; else 0.
 */
export function reportDiffs(all: readonly Gated[], opts: GateOptions): number {
  for (const { diff } of all) {
    const mustDiffer = diff.environment.filter((e) => e.tolerance === "must");
    if (opts.strictEnv && mustDiffer.length > 0) {
      throw new UserError(
        `the runs were measured in different environments (--strict-env): ${mustDiffer.map((e) => `${e.field} ${e.base} → ${e.head}`).join("; ")}`,
      );
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
  // A gate that compared nothing must not pass: every cell failed, was skipped, or had no samples.
  const empty = all.find((g) => g.gating && g.diff.comparisons.length === 0);
  if (empty) {
    throw new UserError(`${empty.diff.base} vs ${empty.diff.head}: nothing could be compared (${empty.diff.notComparable.map((n) => `${n.cell}: ${n.reason}`).join("; ") || "no samples"})`);
  }
  const regressed = all.some((g) => g.gating && g.diff.comparisons.some((c) => c.verdict === "regression"));
  return regressed ? ExitCode.regression : ExitCode.ok;
}

function writeFileMaking(file: string, text: string): void {
  mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  writeFileSync(file, text);
}
