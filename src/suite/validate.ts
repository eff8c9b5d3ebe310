import type { z } from "zod";
import { templateTensorNames } from "./body-template.js";
import { checkEnvReferences, type Env } from "./env.js";
import { type MeasureSpec, type SuiteSpec, suiteSchema } from "./schema.js";

/**
 * Pure validation of a parsed suite document: every problem, each as `key.path: message`.
 * Only load.ts touches the disk.
 */
export interface ValidationResult {
  suite: SuiteSpec | undefined;
  errors: string[];
}

export function validateSuiteDocument(doc: unknown, env: Env = {}): ValidationResult {
  const parsed = suiteSchema.safeParse(doc);
  if (!parsed.success) return { suite: undefined, errors: parsed.error.issues.map(formatIssue) };
  const suiteMeasure = parsed.data.measure ?? {};
  const errors = [
    ...checkMeasurePlan(suiteMeasure, "measure"),
    ...Object.entries(parsed.data.targets).flatMap(([name, t]) =>
      t.kind === "onnx" && t.measure ? checkMeasurePlan({ ...suiteMeasure, ...t.measure }, `targets.${name}.measure`) : [],
    ),
    ...checkCompare(parsed.data),
    ...checkReferences(parsed.data),
    ...checkHttpTargets(parsed.data),
    ...checkEnvReferences(parsed.data.targets, env),
  ];
  return { suite: errors.length === 0 ? parsed.data : undefined, errors };
}

/** `reference:` names a variant of its own target. */
function checkReferences(suite: SuiteSpec): string[] {
  return Object.entries(suite.targets).flatMap(([name, t]) => {
    if (t.kind !== "onnx" || t.reference === undefined || t.reference in t.variants) return [];
    return [`targets.${name}.reference: '${t.reference}' is not a variant of this target (its variants: ${Object.keys(t.variants).join(", ")})`];
  });
}

/** What the schema alone cannot say about remote targets. */
function checkHttpTargets(suite: SuiteSpec): string[] {
  const errors: string[] = [];
  for (const [name, t] of Object.entries(suite.targets)) {
    if (t.kind !== "http") continue;
    const at = `targets.${name}`;
    if (t.protocol === "json") {
      if (t.body === undefined) errors.push(`${at}.body: missing; protocol json needs a body template with {{tensor:NAME}} placeholders`);
      for (const tensor of templateTensorNames(t.body ?? "")) {
        const spec = t.inputs?.[tensor];
        if (!spec?.shape || !spec.dtype) {
          errors.push(
            `${at}.inputs.${tensor}: the body template uses tensor '${tensor}'; give its shape and dtype (a json endpoint has no metadata to read them from)`,
          );
        }
      }
    } else if (!t.model && !t.variants) {
      errors.push(`${at}.model: missing; protocol ${t.protocol} needs the model's name on the server (model: NAME, or variants: {name: MODEL})`);
    }
    if (t.model && t.variants) errors.push(`${at}: give either model or variants, not both`);
    for (const key of ["providers", "threads"] as const) {
      if (t.matrix?.[key]) errors.push(`${at}.matrix.${key}: a remote target has no ${key}; the server decides`);
    }
  }
  return errors;
}

/** `compare: { base, head }` names two variants, or two targets, of this suite. */
function checkCompare(suite: SuiteSpec): string[] {
  if (!suite.compare) return [];
  const targets = Object.keys(suite.targets);
  const variants = [...new Set(Object.values(suite.targets).flatMap((t) => Object.keys(t.variants ?? { default: "" })))];
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
  return path.map((p, i) => (typeof p === "number" ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`)).join("");
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
