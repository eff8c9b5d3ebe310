import type { DiffResult } from "../compare/diff.js";
import { changeWithCI, pValue, unit } from "./diff-common.js";
import { num } from "./format.js";

/**
 * JUnit XML with one test case per cell, so CI test views list a regressed cell as a failed test.
 * The schema is the de-facto one Jenkins, GitLab and GitHub reporters read (testsuites > testsuite
 * > testcase > failure).
 */
export interface JUnitSuite {
  diff: DiffResult;
  name: string;
}

export function renderJUnit(suites: readonly JUnitSuite[]): string {
  const blocks = suites.map(({ diff, name }) => testsuite(diff, name));
  const tests = blocks.reduce((n, b) => n + b.tests, 0);
  const failures = blocks.reduce((n, b) => n + b.failures, 0);
  return [
    `<?xml version="1.0" encoding="UTF-8"?>`,
    `<testsuites name="bench" tests="${tests}" failures="${failures}">`,
    ...blocks.map((b) => b.xml),
    `</testsuites>`,
    "",
  ].join("\n");
}

function testsuite(d: DiffResult, suiteName: string): { xml: string; tests: number; failures: number } {
  const cells = [...new Set(d.comparisons.map((c) => c.cell))];
  const cases = cells.map((cell) => {
    const rows = d.comparisons.filter((c) => c.cell === cell);
    const regressions = rows.filter((c) => c.verdict === "regression");
    const detail = rows
      .map((c) => `${c.metric}: ${num(c.base)} → ${num(c.head)} ${unit(c.metric)}, ${changeWithCI(c)}, p=${pValue(c.pAdjusted)}, ${c.verdict}`)
      .join("\n");
    const failure =
      regressions.length > 0
        ? `\n      <failure type="regression" message="${esc(`regression: ${regressions.map((r) => `${r.metric} ${changeWithCI(r)}`).join("; ")}`)}">${esc(detail)}</failure>`
        : "";
    return `    <testcase classname="${esc(suiteName)}" name="${esc(cell)}">${failure}\n      <system-out>${esc(detail)}</system-out>\n    </testcase>`;
  });
  const skipped = d.notComparable.map(
    (n) => `    <testcase classname="${esc(suiteName)}" name="${esc(n.cell)}">\n      <skipped message="${esc(n.reason)}"/>\n    </testcase>`,
  );
  const failures = cells.filter((cell) => d.comparisons.some((c) => c.cell === cell && c.verdict === "regression")).length;
  const tests = cases.length + skipped.length;
  const xml = [
    `  <testsuite name="${esc(suiteName)}" tests="${tests}" failures="${failures}" skipped="${skipped.length}" errors="0">`,
    `    <properties>`,
    `      <property name="base" value="${esc(`${d.base} (${d.baseRun})`)}"/>`,
    `      <property name="head" value="${esc(`${d.head} (${d.headRun})`)}"/>`,
    ...d.environment.map((e) => `      <property name="environment.${esc(e.field)}" value="${esc(`${e.base} -> ${e.head}`)}"/>`),
    `    </properties>`,
    ...cases,
    ...skipped,
    `  </testsuite>`,
  ].join("\n");
  return { xml, tests, failures };
}

function esc(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}
