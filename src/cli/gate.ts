import { appendFileSync, existsSync, mkdirSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { DiffResult } from "../compare/diff.js";
import { renderDiffJson } from "../report/diff-json.js";
import { renderDiffTable } from "../report/diff-table.js";
import { renderJUnit } from "../report/junit.js";
import { blindSpots, sensitivityText } from "../report/diff-common.js";
import { renderDiffMarkdown } from "../report/markdown.js";
import { UserError } from "../errors.js";
import { type Outcome, OK, worst } from "./outcome.js";
import { useColor } from "./output.js";

export interface GateOptions {
  json?: boolean;
  summary?: string;
  junit?: string;
  failOnRegression?: boolean;
  /** Exit 1 also when a gating comparison was blind: an inconclusive row, a row without an interval, a disturbed machine. Implies gating. */
  failOnInconclusive?: boolean;
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
 * cell in common); a regression when a gating comparison found one, or with --fail-on-inconclusive
 * (which makes every comparison gating) when one could not see: it had inconclusive rows or rows
 * without an interval, or the machine was disturbed.
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
    if (opts.summary) writeFileMaking(opts.summary, markdown, "--summary");
    const stepSummary = process.env.GITHUB_STEP_SUMMARY;
    try {
      if (stepSummary) appendFileSync(stepSummary, `${markdown}\n`);
    } catch (err) {
      // The CI's file, not the user's: the gate's result still counts.
      process.stderr.write(`bench: warning: cannot append to $GITHUB_STEP_SUMMARY (${stepSummary}): ${(err as NodeJS.ErrnoException).code ?? String(err)}\n`);
    }
    if (opts.junit) writeFileMaking(opts.junit, renderJUnit(all.map(({ diff, title }) => ({ diff, name: title }))), "--junit");
  }
  const failOnInconclusive = opts.failOnInconclusive === true;
  return worst(all.filter((g) => g.gating || failOnInconclusive).map((g) => gateOutcome(g, failOnInconclusive)));
}

/** A gate that compared nothing must not pass; one that found a regression fails, and with --fail-on-inconclusive one that was blind. */
function gateOutcome({ diff }: Gated, failOnInconclusive: boolean): Outcome {
  if (diff.comparisons.length === 0) {
    const unavailable = [...new Set(diff.unavailable.map((u) => `${u.cell}: no interval (${u.reason})`))];
    const reasons = [...diff.notComparable.map((n) => `${n.cell}: ${n.reason}`), ...unavailable].join("; ") || "no samples";
    const message = `${diff.base} vs ${diff.head}: nothing could be compared (${reasons})`;
    const measuredNothing = diff.notComparable.length > 0 && diff.notComparable.every((n) => /is (failed|skipped|invalid)$/.test(n.reason));
    return measuredNothing ? { kind: "failed", reason: message } : { kind: "bad-input", message };
  }
  const regressed = diff.comparisons.some((c) => c.verdict === "regression");
  // Between two runs on a machine that changed (the canary moved), a slowdown is the machine's as
  // much as the code's: said loudly, never a pass, but not a failure unless asked for.
  const machineChanged = diff.baseRun !== diff.headRun && diff.canary.disturbed;
  if (regressed && machineChanged && !failOnInconclusive) {
    process.stderr.write(
      `bench: ${diff.base} vs ${diff.head}: regressions found, but the machine changed between the runs (canary ${diff.canary.change !== null ? `${diff.canary.change > 0 ? "+" : ""}${(diff.canary.change * 100).toFixed(0)}%` : "moved"}): not failing; rerun on a quiet machine, or gate with --fail-on-inconclusive\n`,
    );
    return OK;
  }
  if (regressed) return { kind: "regression" };
  if (failOnInconclusive && (blindSpots(diff) > 0 || diff.canary.disturbed)) {
    const why = [
      blindSpots(diff) > 0
        ? `${blindSpots(diff)} of ${diff.comparisons.length + diff.unavailable.length} comparisons could not tell (${sensitivityText(diff)})`
        : "",
      diff.canary.disturbed ? "the machine was disturbed" : "",
    ];
    process.stderr.write(`bench: ${diff.base} vs ${diff.head}: blind gate (--fail-on-inconclusive): ${why.filter(Boolean).join("; ")}\n`);
    return { kind: "regression" };
  }
  return OK;
}

/**
 * --summary and --junit are checked before a run, not after it: the file is not a directory, and
 * the directories it needs are made now (a path where none can be made is found before the work).
 */
export function checkOutputFiles(opts: Pick<GateOptions, "summary" | "junit">): void {
  for (const [option, file] of [
    ["--summary", opts.summary],
    ["--junit", opts.junit],
  ] as const) {
    if (file === undefined) continue;
    const full = path.resolve(file);
    if (existsSync(full) && statSync(full).isDirectory()) {
      throw new UserError(`${option} ${file}: is a directory; give a file name such as ${path.join(file, option === "--junit" ? "junit.xml" : "summary.md")}`);
    }
    let dir = path.dirname(full);
    while (!existsSync(dir) && path.dirname(dir) !== dir) dir = path.dirname(dir);
    if (!statSync(dir).isDirectory()) throw new UserError(`${option} ${file}: ${dir} is a file, not a directory; give a path in a directory`);
    writing(file, option, () => makeParents(file));
  }
}

/**
 * The directories `file` needs, made one level at a time: mkdirSync's recursive mode never
 * returns on some paths (under /proc).
 */
function makeParents(file: string): void {
  const missing: string[] = [];
  for (let dir = path.dirname(path.resolve(file)); !existsSync(dir) && path.dirname(dir) !== dir; dir = path.dirname(dir)) missing.unshift(dir);
  for (const dir of missing) mkdirSync(dir);
}

function writeFileMaking(file: string, text: string, option: string): void {
  writing(file, option, () => {
    makeParents(file);
    writeFileSync(file, text);
  });
}

/** A file-system error on a path the user gave, as their problem. */
function writing(file: string, option: string, work: () => void): void {
  try {
    work();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === undefined) throw err;
    const why: Record<string, string> = {
      EISDIR: "it is a directory; give a file name",
      ENOTDIR: "a part of its path is a file, not a directory",
      ENOENT: "its directory cannot be made there",
      EACCES: "permission denied",
      EPERM: "permission denied",
      EROFS: "the file system is read-only",
      ENOSPC: "the disk is full",
    };
    throw new UserError(`${option} ${file}: cannot write it: ${why[code] ?? code}`);
  }
}
