import type { z } from "zod";
import { type MeasureSpec, type SuiteSpec, suiteSchema } from "./schema.js";

/**
 * Pure validation of a parsed suite document: every problem, each as `key.path: message`.
 * Only load.ts touches the disk.
 */
export interface ValidationResult {
  suite: SuiteSpec | undefined;
  errors: string[];
}

export function validateSuiteDocument(doc: unknown): ValidationResult {
  const parsed = suiteSchema.safeParse(doc);
  if (!parsed.success) return { suite: undefined, errors: parsed.error.issues.map(formatIssue) };
  const suiteMeasure = parsed.data.measure ?? {};
  const errors = [
    ...checkMeasurePlan(suiteMeasure, "measure"),
    ...Object.entries(parsed.data.targets).flatMap(([name, t]) =>
      t.measure ? checkMeasurePlan({ ...suiteMeasure, ...t.measure }, `targets.${name}.measure`) : [],
    ),
    ...checkCompare(parsed.data),
  ];
  return { suite: errors.length === 0 ? parsed.data : undefined, errors };
}

/** `compare: { base, head }` names two variants, or two targets, of this suite. */
function checkCompare(suite: SuiteSpec): string[] {
  if (!suite.compare) return [];
  const targets = Object.keys(suite.targets);
  const variants = [...new Set(Object.values(suite.targets).flatMap((t) => Object.keys(t.variants)))];
  const kind = (name: string) => (variants.includes(name) ? "variant" : targets.includes(name) ? "target" : undefined);
  const errors: string[] = [];
  for (const side of ["base", "head"] as const) {
    const name = suite.compare[side];
    if (!kind(name)) {
      errors.push(`compare.${side}: '${name}' is neither a variant (${variants.join(", ")}) nor a target (${targets.join(", ")})`);
    }
  }
  if (errors.length === 0 && kind(suite.compare.base) !== kind(suite.compare.head)) {
    errors.push(`compare: base '${suite.compare.base}' and head '${suite.compare.head}' must both be variants or both targets`);
  }
  if (errors.length === 0 && suite.compare.base === suite.compare.head) errors.push("compare: base and head are the same");
  return errors;
}

function formatIssue(issue: z.core.$ZodIssue): string {
  const path = formatPath(issue.path);
  if (issue.code === "unrecognized_keys") {
    const keys = issue.keys.map((k) => (path ? `${path}.${k}` : k));
    return `${keys.join(", ")}: unknown key${keys.length > 1 ? "s" : ""}`;
  }
  const where = path || "(top level)";
  if (issue.code === "invalid_type" && issue.message.endsWith("received undefined")) {
    return `${where}: missing; expected ${issue.expected}`;
  }
  return `${where}: ${issue.message.replace(/^Invalid input: /, "")}`;
}

export function formatPath(path: readonly PropertyKey[]): string {
  return path
    .map((p, i) => (typeof p === "number" ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`))
    .join("");
}

function checkMeasurePlan(m: MeasureSpec, at: string): string[] {
  const errors: string[] = [];
  if (m.minIterations !== undefined && m.maxIterations !== undefined && m.minIterations > m.maxIterations) {
    errors.push(`${at}.minIterations: ${m.minIterations} is above maxIterations (${m.maxIterations})`);
  }
  if (m.minTimeMs !== undefined && m.maxTimeMs !== undefined && m.minTimeMs > m.maxTimeMs) {
    errors.push(`${at}.minTimeMs: ${m.minTimeMs} is above maxTimeMs (${m.maxTimeMs})`);
  }
  return errors;
}
