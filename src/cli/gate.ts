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
  /** Title of the Markdown summary and JUnit suite (the suite name). */
  title?: string;
  /** Print nothing on stdout (its JSON document is printed elsewhere). */
  quietStdout?: boolean;
}

/**
 * Print a comparison, write the CI files, and decide the exit code: 2 when --strict-env and a
 * field that must match differs, 1 when gating and any verdict is a regression, else 0.
 */
export function reportDiff(d: DiffResult, opts: GateOptions): number {
  const mustDiffer = d.environment.filter((e) => e.tolerance === "must");
  if (opts.strictEnv && mustDiffer.length > 0) {
    throw new UserError(
      `the runs were measured in different environments (--strict-env): ${mustDiffer.map((e) => `${e.field} ${e.base} → ${e.head}`).join("; ")}`,
    );
  }
  if (opts.quietStdout) {
    // the caller prints the comparison inside its own JSON document
  } else if (opts.json) process.stdout.write(renderDiffJson(d));
  else process.stdout.write(renderDiffTable(d, { color: useColor(process.stdout) }));

  const markdown = renderDiffMarkdown(d, opts.title);
  if (opts.summary) writeFileMaking(opts.summary, markdown);
  const stepSummary = process.env.GITHUB_STEP_SUMMARY;
  if (stepSummary) appendFileSync(stepSummary, `${markdown}\n`);
  if (opts.junit) writeFileMaking(opts.junit, renderJUnit(d, opts.title));

  const regressed = d.comparisons.some((c) => c.verdict === "regression");
  return regressed && opts.failOnRegression ? ExitCode.regression : ExitCode.ok;
}

function writeFileMaking(file: string, text: string): void {
  mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  writeFileSync(file, text);
}
