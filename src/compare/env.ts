import type { Fingerprint } from "../fingerprint/index.js";
import type { ENV_TOLERANCE_FIELDS, Tolerance } from "../suite/schema.js";

/**
 * Which differences between the machines of two runs matter. `must` differences make the
 * comparison questionable (`diff --strict-env` refuses it); `warn` ones are shown; `ignore` ones
 * (a CPU's current clock jitters from second to second) are not even mentioned.
 */
export type { Tolerance } from "../suite/schema.js";

export const ENV_FIELDS = {
  cpuModel: { tolerance: "must", get: (f: Fingerprint) => f.host.cpuModel },
  logicalCores: { tolerance: "must", get: (f: Fingerprint) => f.host.logicalCores },
  memoryBytes: { tolerance: "warn", get: (f: Fingerprint) => f.host.memoryBytes },
  cpuSpeedMHz: { tolerance: "ignore", get: (f: Fingerprint) => f.host.cpuSpeedMHz },
  arch: { tolerance: "must", get: (f: Fingerprint) => f.host.arch },
  os: { tolerance: "warn", get: (f: Fingerprint) => f.host.os },
  kernel: { tolerance: "warn", get: (f: Fingerprint) => f.host.kernel },
  hostname: { tolerance: "warn", get: (f: Fingerprint) => f.host.hostname },
  node: { tolerance: "warn", get: (f: Fingerprint) => f.runtime.node },
  onnxruntime: { tolerance: "must", get: (f: Fingerprint) => f.runtime.onnxruntime },
  bench: { tolerance: "warn", get: (f: Fingerprint) => f.runtime.bench },
  git: { tolerance: "ignore", get: (f: Fingerprint) => (f.git ? `${f.git.commit.slice(0, 12)}${f.git.dirty ? "+dirty" : ""}` : null) },
} as const satisfies Record<Exclude<(typeof ENV_TOLERANCE_FIELDS)[number], "models">, { tolerance: Tolerance; get: (f: Fingerprint) => unknown }>;

export type EnvField = keyof typeof ENV_FIELDS | "models";

/** A matched pair of cells' model files, by their names in each run's fingerprint. */
export interface ModelPair {
  cell: string;
  base: string;
  head: string;
}

export interface EnvDifference {
  field: string;
  tolerance: Exclude<Tolerance, "ignore">;
  base: string;
  head: string;
}

/**
 * What differs between two fingerprints, under the default tolerances overridden by `overrides`
 * (a suite's `environment:` map). The model files of matched cells are compared by content
 * hash: a changed model is what a comparison is often about, but it must be said.
 */
export function compareEnvironments(
  base: Fingerprint,
  head: Fingerprint,
  overrides: Partial<Record<EnvField, Tolerance>> = {},
  models: readonly ModelPair[] = [],
): EnvDifference[] {
  const diffs: EnvDifference[] = [];
  for (const [field, spec] of Object.entries(ENV_FIELDS) as [keyof typeof ENV_FIELDS, (typeof ENV_FIELDS)[keyof typeof ENV_FIELDS]][]) {
    const tolerance = overrides[field] ?? spec.tolerance;
    if (tolerance === "ignore") continue;
    const a = spec.get(base);
    const b = spec.get(head);
    if (a !== b) diffs.push({ field, tolerance, base: String(a), head: String(b) });
  }
  const modelTolerance = overrides.models ?? "must";
  if (modelTolerance !== "ignore") {
    const seen = new Set<string>();
    for (const pair of models) {
      const a = base.models[pair.base]?.sha256;
      const b = head.models[pair.head]?.sha256;
      const label = pair.base === pair.head ? pair.head : `${pair.base} → ${pair.head}`;
      if (!a || !b || a === b || seen.has(label)) continue;
      seen.add(label);
      diffs.push({ field: `models.${label}`, tolerance: modelTolerance, base: `sha256:${a.slice(0, 12)}`, head: `sha256:${b.slice(0, 12)}` });
    }
  }
  return diffs;
}
