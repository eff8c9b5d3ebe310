import type { Fingerprint } from "../fingerprint/index.js";
import type { ENV_TOLERANCE_FIELDS, Tolerance } from "../suite/schema.js";

/**
 * Which differences between the machines of two runs matter. `must` differences make the
 * comparison questionable (`diff --strict-env` refuses it); `warn` ones are shown; `ignore` ones
 * (a CPU's current clock jitters from second to second) are not even mentioned by `diff`, only
 * by `fingerprint --diff`.
 */
export type { Tolerance } from "../suite/schema.js";

/** A field's value; `undefined` when the run's fingerprint does not record it (stored before the field existed). */
type Value = string | number | boolean | null | undefined;
type Group = Record<string, string> | undefined;

const list = (xs: readonly unknown[] | undefined): string | undefined => (xs === undefined ? undefined : xs.join(", "));

export const ENV_FIELDS = {
  cpuModel: { tolerance: "must", get: (f: Fingerprint): Value => f.host.cpuModel },
  logicalCores: { tolerance: "must", get: (f: Fingerprint): Value => f.host.logicalCores },
  physicalCores: { tolerance: "must", get: (f: Fingerprint): Value => f.cpu?.physicalCores },
  cpuFlags: { tolerance: "must", get: (f: Fingerprint): Value => list(f.cpu?.flags) },
  memoryBytes: { tolerance: "warn", get: (f: Fingerprint): Value => f.host.memoryBytes },
  cpuSpeedMHz: { tolerance: "ignore", get: (f: Fingerprint): Value => f.host.cpuSpeedMHz },
  cpuMaxMHz: { tolerance: "warn", get: (f: Fingerprint): Value => f.cpu?.maxMHz.mhz },
  cpuCaches: {
    tolerance: "ignore",
    get: (f: Fingerprint): Value =>
      f.cpu
        ? Object.entries(f.cpu.caches)
            .map(([k, v]) => `${k.replace("Bytes", "")} ${v ?? "?"}`)
            .join(", ")
        : undefined,
  },
  governor: { tolerance: "warn", get: (f: Fingerprint): Value => f.cpu?.governor.value },
  arch: { tolerance: "must", get: (f: Fingerprint): Value => f.host.arch },
  virtualization: { tolerance: "warn", get: (f: Fingerprint): Value => f.system?.virtualization },
  container: { tolerance: "warn", get: (f: Fingerprint): Value => f.system?.container },
  gpu: { tolerance: "must", get: (f: Fingerprint): Value => list(f.gpus?.map((g) => `${g.vendor} ${g.model}${g.memoryMB ? ` ${g.memoryMB} MB` : ""}`)) },
  gpuDriver: { tolerance: "warn", get: (f: Fingerprint): Value => list(f.gpus?.map((g) => g.driver ?? "?")) },
  os: { tolerance: "warn", get: (f: Fingerprint): Value => f.host.os },
  kernel: { tolerance: "warn", get: (f: Fingerprint): Value => f.host.kernel },
  hostname: { tolerance: "warn", get: (f: Fingerprint): Value => f.host.hostname },
  node: { tolerance: "warn", get: (f: Fingerprint): Value => f.runtime.node },
  v8: { tolerance: "ignore", get: (f: Fingerprint): Value => f.runtime.v8 },
  onnxruntime: { tolerance: "must", get: (f: Fingerprint): Value => f.runtime.onnxruntime },
  bench: { tolerance: "warn", get: (f: Fingerprint): Value => f.runtime.bench },
  lockfile: {
    tolerance: "warn",
    get: (f: Fingerprint): Value => (f.lockfile === undefined ? undefined : f.lockfile ? `sha256:${f.lockfile.sha256.slice(0, 12)}` : null),
  },
  suite: { tolerance: "warn", get: (f: Fingerprint): Value => (f.suite === undefined ? undefined : f.suite ? `sha256:${f.suite.sha256.slice(0, 12)}` : null) },
  git: { tolerance: "ignore", get: (f: Fingerprint): Value => (f.git ? `${f.git.commit.slice(0, 12)}${f.git.dirty ? "+dirty" : ""}` : null) },
} as const satisfies Record<
  Exclude<(typeof ENV_TOLERANCE_FIELDS)[number], "models" | "dependencies" | "env" | "data">,
  { tolerance: Tolerance; get: (f: Fingerprint) => Value }
>;

/** Fields that are maps, compared key by key: a difference is named `dependencies.zod`, `env.OMP_NUM_THREADS`. */
const GROUP_FIELDS = {
  // Only versions the run recorded: a run stored before every direct dependency was listed has three.
  // A package one side lacks was not recorded there (older runs list three); a variable one side lacks was unset.
  dependencies: { tolerance: "warn", get: (f: Fingerprint): Group => f.dependencies, absent: undefined },
  env: { tolerance: "warn", get: (f: Fingerprint): Group => f.env, absent: "(unset)" },
  // Inputs, labels and traces read from files: another file is another experiment, like another model.
  data: {
    tolerance: "must",
    get: (f: Fingerprint): Group =>
      f.data === undefined ? undefined : Object.fromEntries(Object.entries(f.data).map(([k, v]) => [k, `sha256:${v.sha256.slice(0, 12)}`])),
    absent: "(absent)",
  },
} as const satisfies Record<"dependencies" | "env" | "data", { tolerance: Tolerance; get: (f: Fingerprint) => Group; absent: string | undefined }>;

export type EnvField = (typeof ENV_TOLERANCE_FIELDS)[number];

/**
 * The three tolerance classes of fingerprint fields, in the words of shard and merge:
 * `must-match` (parts measured on machines that differ here are not one experiment: CPU model,
 * cores, instruction-set flags, arch, GPU model, onnxruntime, model and data files), `should-match`
 * (shown: memory, OS, kernel, node, dependencies, speed env vars, …), `informational` (recorded,
 * never a reason to refuse: the current clock, caches, v8, git commit).
 */
export type ToleranceClass = "must-match" | "should-match" | "informational";

const CLASS_OF: Record<Tolerance, ToleranceClass> = { must: "must-match", warn: "should-match", ignore: "informational" };

/** The default tolerance of a field, or of a `group.key` / `models.NAME` difference; an unknown field is informational. */
function defaultTolerance(field: string): Tolerance {
  const head = field.split(".")[0] as string;
  if (head === "models") return "must";
  if (head in GROUP_FIELDS) return GROUP_FIELDS[head as keyof typeof GROUP_FIELDS].tolerance;
  if (head in ENV_FIELDS) return ENV_FIELDS[head as keyof typeof ENV_FIELDS].tolerance;
  return "ignore";
}

/**
 * The tolerance class of a fingerprint field (`cpuModel`, `dependencies.zod`, `models.m.onnx`),
 * under a suite's `environment:` overrides. Pure: what shard/merge asks before combining parts.
 */
export function toleranceClass(field: string, overrides: Partial<Record<EnvField, Tolerance>> = {}): ToleranceClass {
  return CLASS_OF[overrides[field.split(".")[0] as EnvField] ?? defaultTolerance(field)];
}

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

/** A difference of any class, as `bench fingerprint --diff` shows it; `recorded` is false when one run predates the field. */
export interface FieldDifference {
  field: string;
  tolerance: Tolerance;
  class: ToleranceClass;
  base: string;
  head: string;
  recorded: boolean;
}

const NOT_RECORDED = "(not recorded)";
const show = (v: Value): string => (v === undefined ? NOT_RECORDED : String(v));

/**
 * Every field that differs between two fingerprints, `ignore` ones included, each with its
 * tolerance under `overrides`. Model files: by the given pairs of matched cells (a changed model
 * is what a comparison is often about, but it must be said), else by name.
 */
export function fingerprintDifferences(
  base: Fingerprint,
  head: Fingerprint,
  overrides: Partial<Record<EnvField, Tolerance>> = {},
  models?: readonly ModelPair[],
): FieldDifference[] {
  const diffs: FieldDifference[] = [];
  const add = (field: string, a: Value, b: Value, tolerance = overrides[field.split(".")[0] as EnvField] ?? defaultTolerance(field)) => {
    if (a === b) return;
    diffs.push({ field, tolerance, class: CLASS_OF[tolerance], base: show(a), head: show(b), recorded: a !== undefined && b !== undefined });
  };
  for (const [field, spec] of Object.entries(ENV_FIELDS)) add(field, spec.get(base), spec.get(head));
  for (const [field, spec] of Object.entries(GROUP_FIELDS)) {
    const a = spec.get(base);
    const b = spec.get(head);
    if (a === undefined || b === undefined) {
      if (a !== b)
        add(field, a === undefined ? undefined : `${Object.keys(a).length} recorded`, b === undefined ? undefined : `${Object.keys(b).length} recorded`);
      continue;
    }
    for (const key of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()) add(`${field}.${key}`, a[key] ?? spec.absent, b[key] ?? spec.absent);
  }
  const hash = (f: Fingerprint, name: string) => {
    const sha = f.models[name]?.sha256;
    return sha === undefined ? undefined : `sha256:${sha.slice(0, 12)}`;
  };
  if (models) {
    const seen = new Set<string>();
    for (const pair of models) {
      const a = hash(base, pair.base);
      const b = hash(head, pair.head);
      const label = pair.base === pair.head ? pair.head : `${pair.base} → ${pair.head}`;
      if (!a || !b || seen.has(label)) continue;
      seen.add(label);
      add(`models.${label}`, a, b);
    }
  } else {
    for (const name of [...new Set([...Object.keys(base.models), ...Object.keys(head.models)])].sort())
      add(`models.${name}`, hash(base, name) ?? "(absent)", hash(head, name) ?? "(absent)");
  }
  return diffs;
}

/**
 * What differs between two fingerprints and matters (must or warn), under the default
 * tolerances overridden by `overrides` (a suite's `environment:` map). A field one of the runs
 * does not record (stored before it existed) is not a difference.
 */
export function compareEnvironments(
  base: Fingerprint,
  head: Fingerprint,
  overrides: Partial<Record<EnvField, Tolerance>> = {},
  models: readonly ModelPair[] = [],
): EnvDifference[] {
  return fingerprintDifferences(base, head, overrides, models).flatMap((d) =>
    d.recorded && d.tolerance !== "ignore" ? [{ field: d.field, tolerance: d.tolerance, base: d.base, head: d.head }] : [],
  );
}

/** The must-match differences: what refuses a merge of parts (or needs to be overridden). */
export function mustMatchDifferences(base: Fingerprint, head: Fingerprint, overrides: Partial<Record<EnvField, Tolerance>> = {}): FieldDifference[] {
  return fingerprintDifferences(base, head, overrides).filter((d) => d.class === "must-match" && d.recorded);
}
