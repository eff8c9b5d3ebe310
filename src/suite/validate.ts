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
  ];
  return { suite: errors.length === 0 ? parsed.data : undefined, errors };
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
