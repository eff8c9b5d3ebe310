import { z } from "zod";
import { templateTensorNames } from "./body-template.js";
import { checkEnvReferences, type Env, expandEnv, missingEnv } from "./env.js";
import { formatPath } from "./path.js";
import { type MeasureSpec, type SuiteSpec, suiteSchema } from "./schema.js";
import { OPENAI_PROTOCOLS } from "./names.js";
import { parseSlos } from "./slo.js";
import { closestName, didYouMean } from "./suggest.js";

/**
 * Pure validation of a parsed suite document: every problem, each as `key.path: message`.
 * Only load.ts touches the disk.
 */
export interface ValidationResult {
  suite: SuiteSpec | undefined;
  errors: string[];
}

export function validateSuiteDocument(doc: unknown, env: Env = {}): ValidationResult {
  const parsed = suiteSchema.safeParse(doc, { reportInput: true });
  if (!parsed.success) {
    // A misspelt required key is said once, as the unknown key with its correction, not also as the key missing.
    const corrected = new Set<string>();
    const lines = parsed.error.issues.map((issue) => ({ issue, lines: formatIssue(issue, doc, corrected) }));
    return {
      suite: undefined,
      // Two checks of one number (whole, in range) can fail together with the same words.
      errors: [...new Set(lines.flatMap(({ issue, lines }) => (isMissing(issue) && corrected.has(formatPath(issue.path)) ? [] : lines)))],
    };
  }
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
    ...checkUrls(parsed.data, env),
    ...checkInputs(parsed.data),
    ...checkCellCount(parsed.data),
    ...checkTraceKeys(parsed.data),
    ...(parsed.data.slo ? parseSlos(parsed.data.slo).errors : []),
  ];
  return { suite: errors.length === 0 ? parsed.data : undefined, errors };
}

/**
 * `reference:` names a variant of its own target, or TARGET/VARIANT of another; outputs that are
 * compared must be decodable (not protocol json) and, across a server, carry no recurrent state.
 */
function checkReferences(suite: SuiteSpec): string[] {
  return Object.entries(suite.targets).flatMap(([name, t]) => {
    if (t.reference === undefined) return [];
    const at = `targets.${name}.reference`;
    const slash = t.reference.indexOf("/");
    const refName = slash < 0 ? name : t.reference.slice(0, slash);
    const variant = slash < 0 ? t.reference : t.reference.slice(slash + 1);
    const ref = suite.targets[refName];
    if (!ref) return [`${at}: no target '${refName}' in this suite (its targets: ${Object.keys(suite.targets).join(", ")})`];
    const variants = ref.kind === "onnx" ? Object.keys(ref.variants) : Object.keys(ref.variants ?? { default: "" });
    if (!variants.includes(variant)) {
      const whose = refName === name ? "this target" : `target '${refName}'`;
      return [`${at}: '${variant}' is not a variant of ${whose} (its variants: ${variants.join(", ")})`];
    }
    for (const side of [t, ref]) {
      if (side.kind === "http" && side.protocol === "json") {
        return [`${at}: a protocol json target's outputs cannot be decoded for comparison; compare kserve-v2 or tfserving targets, or drop reference`];
      }
    }
    const served = t.kind === "http" || ref.kind === "http";
    const stateful = [t, ref].some((side) => side.kind === "onnx" && (side.state ?? []).length > 0);
    if (served && stateful)
      return [`${at}: a recurrent model (state:) cannot be compared with a served one, which gets no carried state; drop reference or state`];
    return [];
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
    const streaming = (OPENAI_PROTOCOLS as readonly string[]).includes(t.protocol);
    if (t.generate && !streaming)
      errors.push(`${at}.generate: only the streaming protocols (openai-chat, openai-completions) take a workload; remove it or change the protocol`);
    if (streaming && t.matrix?.batch && t.matrix.batch.some((b) => b !== 1)) {
      errors.push(`${at}.matrix.batch: a streaming request carries one prompt; remove batch (use concurrency or rate for load)`);
    }
    if (streaming && t.generate?.prompts !== undefined && t.generate.input !== undefined) {
      errors.push(`${at}.generate: give either prompts (a JSONL file) or input (synthetic prompt lengths), not both`);
    }
    for (const key of ["providers", "threads"] as const) {
      if (t.matrix?.[key]) errors.push(`${at}.matrix.${key}: a remote target has no ${key}; the server decides`);
    }
  }
  return errors;
}

/** A remote target's URL (and a json target's variant endpoints) is http or https, once `${ENV}` is expanded. */
function checkUrls(suite: SuiteSpec, env: Env): string[] {
  const errors: string[] = [];
  for (const [name, t] of Object.entries(suite.targets)) {
    if (t.kind !== "http") continue;
    const urls: [string, string][] = [[`targets.${name}.url`, t.url]];
    if (t.protocol === "json") for (const [v, url] of Object.entries(t.variants ?? {})) urls.push([`targets.${name}.variants.${v}`, url]);
    for (const [at, written] of urls) {
      // A missing variable is reported by checkEnvReferences; the expanded text may hold a secret, so it is never printed.
      if (missingEnv(written, env).length > 0) continue;
      const expanded = expandEnv(written, env);
      const shown = expanded === written ? JSON.stringify(written) : `${JSON.stringify(written)} (once expanded)`;
      let protocol: string;
      try {
        protocol = new URL(expanded).protocol;
      } catch {
        errors.push(`${at}: ${shown} is not a URL; expected e.g. http://127.0.0.1:8500`);
        continue;
      }
      if (protocol !== "http:" && protocol !== "https:") {
        errors.push(`${at}: ${shown} uses ${protocol}; only http: and https: URLs are supported (start it with http:// or https://)`);
      }
    }
  }
  return errors;
}

/**
 * What the schema cannot say about inputs and dims: a range that is empty, a dims key no shape
 * uses. The model's own inputs are checked against these where the model is loaded (inputs/plan.ts).
 */
function checkInputs(suite: SuiteSpec): string[] {
  const errors: string[] = [];
  for (const [name, t] of Object.entries(suite.targets)) {
    for (const [input, spec] of Object.entries(t.inputs ?? {})) {
      if (spec.low !== undefined && spec.high !== undefined && !(spec.low < spec.high)) {
        errors.push(`targets.${name}.inputs.${input}.low: ${spec.low} is not below high (${spec.high}); high is exclusive`);
      }
    }
    for (const dim of Object.keys(t.dims ?? {})) {
      if (dim === "batch") errors.push(`targets.${name}.dims.batch: the batch size comes from matrix.batch; set it there`);
    }
    // A json endpoint has no metadata: its shapes are all in the suite, so a dims key none of them names is a typo.
    if (t.kind === "http" && t.protocol === "json") {
      const named = new Set(Object.values(t.inputs ?? {}).flatMap((spec) => (spec.shape ?? []).filter((d): d is string => typeof d === "string")));
      for (const dim of Object.keys(t.dims ?? {})) {
        if (dim !== "batch" && !named.has(dim)) {
          errors.push(
            `targets.${name}.dims.${dim}: no input shape names a dimension '${dim}'${didYouMean(dim, named)}${named.size > 0 && !closestName(dim, named) ? ` (named: ${[...named].join(", ")})` : ""}`,
          );
        }
      }
    }
  }
  return errors;
}

/** The most cells one suite may expand to: days of measurement at the default plan, and far from a memory problem. */
export const MAX_CELLS = 10_000;

/** The matrix's size, counted as expand.ts will expand it, before anything allocates a cell. */
/** The keys of trace replay go together (the file itself is read by load.ts). */
function checkTraceKeys(suite: SuiteSpec): string[] {
  const errors: string[] = [];
  for (const [name, t] of Object.entries(suite.targets)) {
    const load = { ...suite.load, ...t.load };
    const at = t.load?.arrival !== undefined || t.load?.trace !== undefined || t.load?.speedup !== undefined ? `targets.${name}.load` : "load";
    const matrix = { ...suite.matrix, ...t.matrix };
    if (load.arrival === "trace") {
      if (load.trace === undefined) errors.push(`${at}.trace: missing; arrival: trace replays the times in a JSONL file (trace: traces/requests.jsonl)`);
      if (matrix.concurrency && matrix.concurrency.length > 0)
        errors.push(`targets.${name}.matrix.concurrency: a trace is replayed as an open loop; remove concurrency (the trace's timestamps set the load)`);
      if (load.speedup !== undefined && matrix.rate && matrix.rate.length > 0)
        errors.push(`${at}.speedup: give either speedup or matrix.rate (the trace scaled to each mean rate), not both`);
    } else {
      if (load.trace !== undefined) errors.push(`${at}.trace: set arrival: trace to replay it, or remove trace`);
      if (load.speedup !== undefined) errors.push(`${at}.speedup: only arrival: trace takes a speedup; remove it`);
    }
  }
  return [...new Set(errors)];
}

function checkCellCount(suite: SuiteSpec): string[] {
  const distinct = (xs: readonly unknown[] | undefined, fallback: number) => (xs ? new Set(xs).size : fallback);
  const counts = Object.entries(suite.targets).map(([name, t]) => {
    const m = { ...suite.matrix, ...t.matrix };
    const loads = distinct(m.concurrency, 0) + distinct(m.rate, 0) || 1;
    const variants = t.variants ? Object.keys(t.variants).length : 1;
    const machines = t.kind === "onnx" ? distinct(m.providers, 1) * distinct(m.threads, 1) : 1;
    return { name, cells: variants * distinct(m.batch, 1) * machines * loads };
  });
  const total = counts.reduce((a, c) => a + c.cells, 0);
  if (total <= MAX_CELLS) return [];
  const largest = counts.sort((a, b) => b.cells - a.cells)[0];
  return [
    `matrix: the suite expands to ${total} cells (targets.${largest?.name ?? "?"}: ${largest?.cells ?? 0}); at most ${MAX_CELLS}: shorten the lists of matrix (batch, threads, concurrency, rate) or split the suite`,
  ];
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

function isMissing(issue: z.core.$ZodIssue): boolean {
  return issue.code === "invalid_type" && issue.input === undefined;
}

/**
 * One line for a zod issue: the key path, what is wrong, and what would be right. `corrected`
 * collects the paths that an unknown key's "did you mean" points to.
 */
function formatIssue(issue: z.core.$ZodIssue, doc: unknown, corrected: Set<string>): string[] {
  const path = formatPath(issue.path);
  const where = path || "(top level)";
  const got = "input" in issue ? gotText(issue.input) : "";
  switch (issue.code) {
    case "unrecognized_keys": {
      const known = knownKeys(suiteSchema, issue.path, doc);
      return issue.keys.map((k) => {
        const hint = k === "<<" ? "; YAML merge keys are not supported, write the keys out" : didYouMean(k, known);
        const suggestion = closestName(k, known);
        if (suggestion !== undefined) corrected.add(formatPath([...issue.path, suggestion]));
        return `${formatPath([...issue.path, k])}: unknown key${hint}${known.length > 0 && !hint ? ` (known: ${known.join(", ")})` : ""}`;
      });
    }
    case "invalid_type":
      if (isMissing(issue)) return [`${where}: missing; expected ${typeName(issue.expected)}`];
      if (issue.expected === "int") return [`${where}: ${issue.message.startsWith("Invalid input") ? "must be a whole number" : issue.message}${got}`];
      if (issue.expected === "number" && typeof issue.input === "number") return [`${where}: must be a finite number${got}`];
      return [`${where}: expected ${typeName(issue.expected)}, received ${receivedName(issue.input)}`];
    case "invalid_value": {
      const values = issue.values.map(String);
      const hint = typeof issue.input === "string" ? didYouMean(issue.input, values) : "";
      return [`${where}: must be ${values.length === 1 ? values[0] : `one of ${values.join(", ")}`}${got}${hint}`];
    }
    case "invalid_union": {
      const options = (issue as { options?: unknown[] }).options?.map(String);
      if (options) {
        const value = getAt(doc, issue.path);
        if (value === undefined) {
          // The discriminator is missing: perhaps it is there, misspelt.
          const parent = getAt(doc, issue.path.slice(0, -1));
          const key = String(issue.path.at(-1));
          const misspelt = parent && typeof parent === "object" ? closestName(key, Object.keys(parent)) : undefined;
          return [`${where}: missing; must be one of ${options.join(", ")}${misspelt ? ` (is "${misspelt}" meant to be "${key}"?)` : ""}`];
        }
        const hint = typeof value === "string" ? didYouMean(value, options) : "";
        return [`${where}: must be one of ${options.join(", ")}${gotText(value)}${hint}`];
      }
      return [`${where}: ${issue.message.replace(/^Invalid input$/, "has the wrong form")}${got}`];
    }
    case "too_small":
    case "too_big": {
      const limit = issue.code === "too_small" ? issue.minimum : issue.maximum;
      if (issue.origin === "array")
        return [`${where}: must list ${issue.code === "too_small" ? "at least" : "at most"} ${limit} value${Number(limit) === 1 ? "" : "s"}`];
      if (issue.origin === "string" && issue.code === "too_small") return [`${where}: must not be empty`];
      return [`${where}: ${issue.message.replace(/^Too (small|big): expected \w+ to be /, "must be ")}${got}`];
    }
    case "invalid_key": {
      const reason = issue.issues[0]?.message ?? issue.message;
      return [`${where}: invalid name: ${reason}`];
    }
    default:
      return [`${where}: ${issue.message.replace(/^Invalid input: /, "")}${got}`];
  }
}

/** ` (got 1.5)`: the offending value when it is short and plain, else nothing. */
function gotText(value: unknown): string {
  if (typeof value === "number" || typeof value === "boolean") return ` (got ${String(value)})`;
  if (typeof value === "string" && value.length <= 60) return ` (got ${JSON.stringify(value)})`;
  return "";
}

const TYPE_NAMES: Partial<Record<string, string>> = {
  record: "a mapping (key: value)",
  object: "a mapping (key: value)",
  array: "a list",
  string: "a string",
  number: "a number",
  int: "a whole number",
};

function typeName(expected: string): string {
  return TYPE_NAMES[expected] ?? expected;
}

function receivedName(value: unknown): string {
  if (value === null) return "null (an empty value)";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a mapping";
  if (typeof value === "string") return `a string (${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)})`;
  return typeof value === "number" || typeof value === "boolean" ? `${typeof value} (${value})` : typeof value;
}

function getAt(doc: unknown, path: readonly PropertyKey[]): unknown {
  let v = doc;
  for (const p of path) v = v !== null && typeof v === "object" ? (v as Record<PropertyKey, unknown>)[p] : undefined;
  return v;
}

/** The keys the schema allows at `path` (following the document to pick a target's kind): the words for "did you mean". */
function knownKeys(schema: z.ZodType, path: readonly PropertyKey[], doc: unknown): string[] {
  let value = doc;
  let s = unwrap(schema, value);
  for (const key of path) {
    value = getAt(value, [key]);
    if (s instanceof z.ZodObject) s = (s.shape as Record<PropertyKey, z.ZodType | undefined>)[key];
    else if (s instanceof z.ZodRecord) s = s.valueType as z.ZodType;
    else if (s instanceof z.ZodArray) s = s.element as z.ZodType;
    else return [];
    s = unwrap(s, value);
  }
  if (s instanceof z.ZodObject) return Object.keys(s.shape);
  if (s instanceof z.ZodRecord && s.keyType instanceof z.ZodEnum) return (s.keyType.options as unknown[]).map(String);
  return [];
}

/** Through optional wrappers, and into the option of a discriminated union that the document's `kind` picks. */
function unwrap(schema: z.ZodType | undefined, value: unknown): z.ZodType | undefined {
  let s = schema;
  for (;;) {
    if (s instanceof z.ZodOptional) s = s.unwrap() as z.ZodType;
    else if (s instanceof z.ZodDiscriminatedUnion) {
      const options = s.options as z.ZodType[];
      const kind = (value as { kind?: unknown } | null | undefined)?.kind;
      s = options.find((o) => o instanceof z.ZodObject && o.shape.kind instanceof z.ZodLiteral && o.shape.kind.values.has(kind as never)) ?? options[0];
    } else return s;
  }
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
