import type { Fingerprint } from "../fingerprint/index.js";
import { mustMatchDifferences } from "../compare/env.js";
import { suiteHash } from "../store/schema.js";

/**
 * What a merge adds to the fingerprint's must-match fields (compare/env.ts tolerance classes):
 * the bench version and the resolved suite, which make two runs' numbers different measurements.
 */
function mergeFields(part: { fingerprint: Fingerprint; resolvedSuite: unknown }): Record<string, string> {
  return { bench: part.fingerprint.runtime.bench, suite: resolvedSuiteHash(part.resolvedSuite) };
}

/**
 * sha256 of the resolved suite without its file's absolute path, which differs between the
 * checkouts of one commit on different machines. Short, for messages.
 */
export function resolvedSuiteHash(resolvedSuite: unknown): string {
  const body = resolvedSuite !== null && typeof resolvedSuite === "object" ? { ...resolvedSuite, file: undefined } : { suite: null };
  return `sha256:${suiteHash(JSON.stringify(body)).slice(0, 12)}`;
}

export interface Conflict {
  field: string;
  /** Each value, with the parts that have it. */
  groups: { value: string; parts: string[] }[];
}

/**
 * The fields on which the parts differ and must not: every must-match field of the fingerprint
 * (CPU model, cores, flags, arch, GPU, onnxruntime, models; compare/env.ts) that both parts record,
 * then the bench version and the suite. Each field's value per part, grouped.
 */
export function mustMatchConflicts(parts: readonly { label: string; fingerprint: Fingerprint; resolvedSuite: unknown }[]): Conflict[] {
  const first = parts[0];
  if (!first) return [];
  const values = parts.map(() => new Map<string, string>());
  const fields: string[] = [];
  for (const [i, p] of parts.entries()) {
    if (i === 0) continue;
    for (const d of mustMatchDifferences(first.fingerprint, p.fingerprint)) {
      if (!fields.includes(d.field)) fields.push(d.field);
      values[0]?.set(d.field, d.base);
      values[i]?.set(d.field, d.head);
    }
  }
  const merge = parts.map(mergeFields);
  for (const [i, m] of merge.entries()) for (const [field, v] of Object.entries(m)) values[i]?.set(field, v);
  fields.push(...Object.keys(merge[0] ?? {}));
  const conflicts: Conflict[] = [];
  for (const field of fields) {
    const groups = new Map<string, string[]>();
    for (const [i, p] of parts.entries()) {
      const v = values[i]?.get(field) ?? values[0]?.get(field) ?? "";
      groups.set(v, [...(groups.get(v) ?? []), p.label]);
    }
    if (groups.size > 1) conflicts.push({ field, groups: [...groups].map(([value, labels]) => ({ value, parts: labels })) });
  }
  return conflicts;
}

/** `cpuModel differs: 'X' in a.json, b.json; 'Y' in c.json` */
export function describeConflict(c: Conflict): string {
  return `${c.field} differs: ${c.groups.map((g) => `'${g.value}' in ${g.parts.join(", ")}`).join("; ")}`;
}
