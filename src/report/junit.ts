import type { DiffResult } from "../compare/diff.js";
import { METRICS } from "../stats/metrics.js";
import { canaryText, changeWithCI, pValue, unit } from "./diff-common.js";
import { num, percent } from "./format.js";

/**
 * JUnit XML with one test case per cell, so CI test views list a regressed cell as a failed test.
 * The schema is the de-facto one Jenkins, GitLab and GitHub reporters read (testsuites > testsuite
 * > testcase > failure | skipped). A cell that is not a regression but has an inconclusive
 * comparison (or one without an interval) is `<skipped>`: every common reporter shows a skipped
 * test apart from a passed one, and none fails the build for it (the exit code does that, with
 * --fail-on-inconclusive). A run's canary, when measured, is a test case of its own ("machine
 * canary"), skipped when the machine was disturbed.
 */
export interface JUnitSuite {
  diff: DiffResult;
  name: string;
}

export function renderJUnit(suites: readonly JUnitSuite[]): string {
  const blocks = suites.map(({ diff, name }) => testsuite(diff, name));
  const tests = blocks.reduce((n, b) => n + b.tests, 0);
  const failures = blocks.reduce((n, b) => n + b.failures, 0);
  const skipped = blocks.reduce((n, b) => n + b.skipped, 0);
  return [
    `<?xml version="1.0" encoding="UTF-8"?>`,
    `<testsuites name="bench" tests="${tests}" failures="${failures}" skipped="${skipped}">`,
    ...blocks.map((b) => b.xml),
    `</testsuites>`,
    "",
  ].join("\n");
}

function testsuite(d: DiffResult, suiteName: string): { xml: string; tests: number; failures: number; skipped: number } {
  const cells = [...new Set([...d.comparisons, ...d.unavailable].map((c) => c.cell))];
  let failures = 0;
  let skipped = 0;
  const testcase = (name: string, body: string, out: string) =>
    `    <testcase classname="${esc(suiteName)}" name="${esc(name)}">${body}${out ? `\n      <system-out>${esc(out)}</system-out>` : ""}\n    </testcase>`;
  const cases = cells.map((cell) => {
    const rows = d.comparisons.filter((c) => c.cell === cell);
    const missing = d.unavailable.filter((u) => u.cell === cell);
    const regressions = rows.filter((c) => c.verdict === "regression");
    const inconclusive = rows.filter((c) => c.verdict === "inconclusive");
    const detail = [
      ...rows.map(
        (c) =>
          `${c.metric}: ${num(c.base)} → ${num(c.head)} ${unit(c.metric)}, ${changeWithCI(c)}, p=${pValue(c.pAdjusted)}, ${c.verdict}, smallest detectable ${percent(c.minimumDetectable)}`,
      ),
      ...missing.map((u) => `${u.metric}: no interval (${u.reason})`),
    ].join("\n");
    if (regressions.length > 0) {
      failures++;
      const message = `regression: ${regressions.map((r) => `${r.metric} ${changeWithCI(r)}`).join("; ")}`;
      return testcase(cell, `\n      <failure type="regression" message="${esc(message)}">${esc(detail)}</failure>`, detail);
    }
    if (inconclusive.length > 0 || missing.length > 0) {
      skipped++;
      const message = [
        ...inconclusive.map((c) => `inconclusive: ${c.metric} ${changeWithCI(c)}, smallest detectable ${percent(c.minimumDetectable)}`),
        ...missing.map((u) => `no interval: ${u.metric} (${u.reason})`),
      ].join("; ");
      return testcase(cell, `\n      <skipped message="${esc(message)}"/>`, detail);
    }
    return testcase(cell, "", detail);
  });
  const canary = canaryText(d);
  if (canary) {
    if (d.canary.disturbed) skipped++;
    cases.push(testcase("machine canary", d.canary.disturbed ? `\n      <skipped message="${esc(canary)}"/>` : "", canary));
  }
  for (const n of d.notComparable) {
    skipped++;
    cases.push(testcase(n.cell, `\n      <skipped message="${esc(n.reason)}"/>`, ""));
  }
  const sensitivity = METRICS.flatMap((m) => {
    const s = d.sensitivity[m];
    return s ? [`      <property name="smallestDetectable.${m}" value="${percent(s.median)} (worst cell ${percent(s.worst)})"/>`] : [];
  });
  const xml = [
    `  <testsuite name="${esc(suiteName)}" tests="${cases.length}" failures="${failures}" skipped="${skipped}" errors="0">`,
    `    <properties>`,
    `      <property name="base" value="${esc(`${d.base} (${d.baseRun})`)}"/>`,
    `      <property name="head" value="${esc(`${d.head} (${d.headRun})`)}"/>`,
    `      <property name="inconclusive" value="${d.inconclusive} of ${d.comparisons.length + d.unavailable.length}"/>`,
    ...sensitivity,
    ...d.environment.map((e) => `      <property name="environment.${esc(e.field)}" value="${esc(`${e.base} -> ${e.head}`)}"/>`),
    `    </properties>`,
    ...cases,
    `  </testsuite>`,
  ].join("\n");
  return { xml, tests: cases.length, failures, skipped };
}

function esc(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}
