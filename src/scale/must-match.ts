import type { Fingerprint } from "../fingerprint/index.js";
import { suiteHash } from "../store/schema.js";

/**
 * The fields whose difference makes two runs' numbers different measurements: parts of one
 * merged run must agree on all of them (`bench merge` refuses otherwise, unless --force). One
 * function, so that a finer classification of the fingerprint (tolerance classes) can replace it.
 */
export function mustMatchFields(part: { fingerprint: Fingerprint; resolvedSuite: unknown }): Record<string, string> {
  const f = part.fingerprint;
  return {
    cpuModel: f.host.cpuModel,
    logicalCores: String(f.host.logicalCores),
    os: `${f.host.platform} ${f.host.os}`,
    arch: f.host.arch,
    onnxruntime: f.runtime.onnxruntime,
    bench: f.runtime.bench,
    suite: resolvedSuiteHash(part.resolvedSuite),
  };
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

/** The must-match fields on which the parts differ, in the order mustMatchFields lists them. */
export function mustMatchConflicts(parts: readonly { label: string; fingerprint: Fingerprint; resolvedSuite: unknown }[]): Conflict[] {
  const fields = parts.map((p) => ({ label: p.label, values: mustMatchFields(p) }));
  const names = Object.keys(fields[0]?.values ?? {});
  const conflicts: Conflict[] = [];
  for (const field of names) {
    const groups = new Map<string, string[]>();
    for (const p of fields) {
      const v = p.values[field] ?? "";
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
