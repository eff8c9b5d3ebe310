import { readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { UserError } from "../src/errors.js";
import { loadSuite } from "../src/suite/load.js";
import { ROOT, tempDir } from "./helpers/cli.js";

/**
 * Whatever bytes the suite file holds, loading it either succeeds or raises our typed UserError
 * whose every line names the file: never another exception (exit 4 with a stack), never a hang
 * (each property has a time budget far below the test's timeout).
 */
const dir = tempDir("bench-suite-property-");
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = path.join(dir, "suite.yaml");

function load(content: string | Uint8Array): "ok" | "user-error" {
  writeFileSync(file, content);
  try {
    loadSuite(file, {});
    return "ok";
  } catch (err) {
    if (!(err instanceof UserError)) throw err;
    for (const line of err.message.split("\n")) {
      if (!line.startsWith(`${file}: `) || line.length > 500) throw new Error(`not one clear line: ${JSON.stringify(line)}`);
    }
    return "user-error";
  }
}

/** Every key the schema knows, so random documents reach deep into it, and strings that mean something to YAML or to us. */
const KEYS = [
  ...["name", "description", "seed", "targets", "matrix", "measure", "load", "order", "trials", "regression", "compare", "environment"],
  ...["kind", "variants", "inputs", "dims", "graphOptimization", "url", "protocol", "model", "method", "headers", "timeoutMs", "body", "tfserving"],
  ...["batch", "providers", "threads", "concurrency", "rate", "warmupIterations", "minIterations", "maxIterations", "minTimeMs", "maxTimeMs"],
  ...["targetRelativeCI", "headline", "durationMs", "warmupRequests", "maxRequests", "arrival", "connections", "maxErrorRate", "shape", "dtype"],
  ...["fill", "mean", "std", "low", "high", "min", "max", "threshold", "thresholds", "metrics", "base", "head", "mlp", "fp32", "x", "<<"],
  ...["trace", "speedup"],
];
const WORDS = ["onnx", "http", "kserve-v2", "json", "tfserving", "cpu", "float32", "int64", "zeros", "p50", "batch", "m.onnx", "${X}", "${X:-y}"];
const NUMBERS = [0, -1, 1, 1.5, 1e10, 1e30, 2 ** 31, 2 ** 32, Number.MAX_SAFE_INTEGER, Number.NaN, Number.POSITIVE_INFINITY, -0];

const { value: anyValue } = fc.letrec<{ value: unknown; leaf: unknown; list: unknown[]; map: Record<string, unknown> }>((tie) => ({
  value: fc.oneof({ depthSize: "small", withCrossShrink: true }, tie("leaf"), tie("list"), tie("map")),
  leaf: fc.oneof(
    fc.constantFrom(...NUMBERS),
    fc.double(),
    fc.integer(),
    fc.constantFrom(...WORDS, ...KEYS),
    fc.string({ maxLength: 12 }),
    fc.boolean(),
    fc.constant(null),
  ),
  list: fc.array(tie("value"), { maxLength: 4 }),
  map: fc.dictionary(fc.oneof(fc.constantFrom(...KEYS), fc.string({ maxLength: 8 })), tie("value"), { maxKeys: 5 }),
}));

const quickstart = readFileSync(path.join(ROOT, "suites/quickstart.yaml"), "utf8");
const remote = readFileSync(path.join(ROOT, "suites/remote.yaml"), "utf8");

/** A path into a document and a value to put there (or undefined: delete the key). */
const mutation = fc.tuple(fc.array(fc.oneof(fc.constantFrom(...KEYS), fc.nat(3)), { minLength: 1, maxLength: 4 }), fc.option(anyValue, { nil: undefined }));

function mutate(doc: unknown, [keys, value]: [(string | number)[], unknown]): unknown {
  const root = structuredClone(doc) as Record<string | number, unknown>;
  let node = root;
  for (const key of keys.slice(0, -1)) {
    const next = node[key];
    if (next === null || typeof next !== "object") break;
    node = next as Record<string | number, unknown>;
  }
  const last = keys.at(-1) as string | number;
  if (value === undefined) Reflect.deleteProperty(node, last);
  else node[last] = value;
  return root;
}

/** Sized to a few seconds; BENCH_PROPERTY_RUNS=5000 (and BENCH_PROPERTY_SEED unset: a random seed) explores further. */
const RUNS = Number(process.env.BENCH_PROPERTY_RUNS ?? 150);
const seedOf = (n: number) => (process.env.BENCH_PROPERTY_RUNS ? undefined : n);

describe("the suite loader only ever raises UserError", () => {
  it("random documents, keyed from the schema's words", () => {
    fc.assert(
      fc.property(anyValue, (doc) => {
        load(stringify(doc));
      }),
      { numRuns: RUNS, seed: seedOf(10) },
    );
  });

  it("real suites with random keys set, replaced or deleted", () => {
    const docs = [parse(quickstart) as unknown, parse(remote) as unknown];
    const outcomes = new Set<string>();
    fc.assert(
      fc.property(fc.constantFrom(...docs), fc.array(mutation, { minLength: 1, maxLength: 4 }), (doc, mutations) => {
        outcomes.add(load(stringify(mutations.reduce(mutate, doc))));
      }),
      { numRuns: RUNS * 2, seed: seedOf(11) },
    );
    // Not vacuous: some mutated suites still load, most do not.
    expect([...outcomes].sort()).toEqual(["ok", "user-error"]);
  });

  it("random YAML text built from YAML's own punctuation", () => {
    const token = fc.constantFrom(
      ...[":", ": ", " ", "  ", "\n", "\n  ", "- ", "[", "]", "{", "}", ",", "&a ", "*a", "&b ", "*b", "!foo ", "!!binary ", "!!set ", "? ", "'", '"'],
      ...["#", "|", ">", "\t", "---\n", "...\n", "%YAML 1.2\n", "<<: ", "\u0000", "\uFEFF", "é", "\\", "1e10", ".inf", "~", "null", "0x1F"],
      ...KEYS.slice(0, 20),
      ...WORDS,
    );
    fc.assert(
      fc.property(fc.array(token, { maxLength: 60 }), (tokens) => {
        load(tokens.join(""));
      }),
      { numRuns: RUNS * 2, seed: seedOf(12) },
    );
  });

  it("real suite text with random splices", () => {
    const splice = fc.tuple(fc.nat(), fc.nat(20), fc.string({ maxLength: 10, unit: "binary" }));
    fc.assert(
      fc.property(fc.constantFrom(quickstart, remote), fc.array(splice, { minLength: 1, maxLength: 3 }), (text, splices) => {
        const edited = splices.reduce((t, [at, remove, insert]) => t.slice(0, at % (t.length + 1)) + insert + t.slice((at % (t.length + 1)) + remove), text);
        load(edited);
      }),
      { numRuns: RUNS, seed: seedOf(13) },
    );
  });

  it("random bytes", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        load(bytes);
      }),
      { numRuns: RUNS, seed: seedOf(14) },
    );
  });
});
