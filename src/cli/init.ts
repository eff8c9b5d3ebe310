import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import YAML, { type Pair, type Scalar, type YAMLMap } from "yaml";
import { UserError } from "../errors.js";
import { describeModel, type Dimension, type ModelDescription, type ModelValue } from "../runners/model-file.js";
import { OK, type Outcome } from "./outcome.js";

export interface InitOptions {
  out?: string;
  force?: boolean;
}

/** Size given to a symbolic dimension other than the batch: small, so the first run is quick. */
const DEFAULT_DIM = 64;

/** A target or suite name from a file name: letters, digits, '_', '.', '-' (suite/schema.ts identifier). */
function nameOf(file: string): string {
  const base = path.basename(file).replace(/\.onnx$/i, "");
  const name = base.replace(/[^A-Za-z0-9_.-]+/g, "-").replace(/^[^A-Za-z0-9]+/, "");
  return name || "model";
}

const isInteger = (type: string) => /^u?int\d+$|^bool$/.test(type);

interface InputChoice {
  /** An explicit shape, when a dimension has no name to set in `dims`. */
  shape?: Dimension[];
  fill?: string;
  low?: number;
  high?: number;
  /** Why the user should look at this input. */
  choose?: string;
}

/**
 * The suite's view of the model: the batch axis (a leading dimension that is symbolic or unnamed),
 * what the batch may be (any, or the fixed leading size), the symbolic dimensions other than the
 * batch (each given DEFAULT_DIM, marked to choose), and the inputs that need a word in the suite.
 */
function plan(m: ModelDescription): {
  batch: number[];
  batchNote: string;
  dims: Map<string, string>;
  inputs: Map<string, InputChoice>;
} {
  const dims = new Map<string, string>();
  const inputs = new Map<string, InputChoice>();
  const fixedBatch = new Set<number>();
  let batchAxis = false;
  for (const v of m.inputs) {
    const choice: InputChoice = {};
    const shape = v.shape ?? [];
    const leading = shape[0];
    if (shape.length > 0 && (typeof leading === "string" || leading === null)) batchAxis = true;
    if (typeof leading === "number") fixedBatch.add(leading);
    shape.forEach((d, i) => {
      if (i > 0 && typeof d === "string" && !dims.has(d)) dims.set(d, `input ${v.name}, dimension ${i}`);
    });
    // A dimension with no name cannot be set in dims: the input gets an explicit shape.
    if (shape.some((d, i) => i > 0 && d === null))
      choice.shape = shape.map((d, i) => (i === 0 ? (typeof d === "number" ? d : "batch") : d === null ? DEFAULT_DIM : d));
    if (v.shape === null) choice.choose = "the model declares no shape for this input: give inputs." + v.name + ".shape";
    if (isInteger(v.type)) {
      Object.assign(choice, { fill: "range", low: 0, high: 100 });
      choice.choose = `${v.type} input${shape.length === 0 ? " (a scalar)" : ""}: put the values the model expects (a sample rate, token ids, a flag); 0..99 stands in`;
    }
    if (Object.keys(choice).length > 0) inputs.set(v.name, choice);
  }
  if (fixedBatch.size > 0 && !batchAxis) {
    const sizes = [...fixedBatch];
    return { batch: [sizes[0] as number], batchNote: `the model fixes the leading dimension at ${sizes.join(", ")}: no other batch size`, dims, inputs };
  }
  if (!batchAxis) return { batch: [1], batchNote: "no input has a batch axis", dims, inputs };
  return { batch: [1, 8], batchNote: "the leading dimension is the batch: add sizes to sweep", dims, inputs };
}

const pairOf = (map: YAMLMap, key: string) => map.items.find((p) => (p.key as Scalar).value === key) as Pair<Scalar, YAML.Node> | undefined;

/** The suite's YAML text, commented: what was found, and the lines that are a guess to check. */
export function initSuite(m: ModelDescription, suiteFile: string): string {
  const name = nameOf(m.file);
  const p = plan(m);
  const modelPath = path.relative(path.dirname(path.resolve(suiteFile)), path.resolve(m.file)) || path.basename(m.file);
  const inputs = Object.fromEntries(
    [...p.inputs].map(([input, c]) => [
      input,
      Object.fromEntries(Object.entries({ shape: c.shape, fill: c.fill, low: c.low, high: c.high }).filter(([, v]) => v !== undefined)),
    ]),
  );
  const target = {
    kind: "onnx",
    description: `${path.basename(m.file)}: ${m.inputs.map((v) => v.name).join(", ")} → ${m.outputs.map((v) => v.name).join(", ")}`,
    variants: { base: modelPath.split(path.sep).join("/") },
    ...(p.inputs.size > 0 ? { inputs } : {}),
    ...(p.dims.size > 0 ? { dims: Object.fromEntries([...p.dims.keys()].map((d) => [d, DEFAULT_DIM])) } : {}),
  };
  const doc = new YAML.Document({
    name,
    description: `${name}, written by bench init`,
    seed: 1,
    targets: { [name]: target },
    matrix: { batch: p.batch, providers: ["cpu"], threads: [1] },
    measure: { warmupIterations: 10, minIterations: 30, minTimeMs: 500, maxTimeMs: 3000, targetRelativeCI: 0.02 },
  });
  const shapeOf = (v: ModelValue) => (v.shape === null ? "any" : `[${v.shape.map((d) => (d === null ? "?" : String(d))).join(", ")}]`);
  doc.commentBefore = [
    ` Written by \`bench init\` from ${path.basename(m.file)} (sha256 ${m.sha256.slice(0, 12)}…, ONNX IR ${m.irVersion}, opset ${m.opsets["ai.onnx"] ?? "?"}).`,
    ...m.inputs.map((v) => `   input  ${v.name}: ${v.type} ${shapeOf(v)}`),
    ...m.outputs.map((v) => `   output ${v.name}: ${v.type} ${shapeOf(v)}`),
    " Lines marked CHOOSE are guesses: set them to what your data look like. Then:",
    `   bench validate ${suiteFile} && bench run ${suiteFile}`,
  ].join("\n");
  const targetMap = doc.getIn(["targets", name]) as YAMLMap;
  const variants = pairOf(targetMap, "variants");
  if (variants) variants.key.commentBefore = " Add the variants to compare beside it, e.g. int8: path/to/model-int8.onnx";
  const dimsPair = pairOf(targetMap, "dims");
  if (dimsPair) {
    dimsPair.key.commentBefore = ` CHOOSE: sizes for the model's named dimensions other than the batch (${DEFAULT_DIM} stands in)`;
    for (const item of (dimsPair.value as YAMLMap).items) (item.value as Scalar).comment = ` ${p.dims.get(String((item.key as Scalar).value)) ?? ""}`;
  }
  const inputsPair = pairOf(targetMap, "inputs");
  if (inputsPair) {
    for (const item of (inputsPair.value as YAMLMap).items) {
      const why = p.inputs.get(String((item.key as Scalar).value))?.choose;
      if (why) (item.key as Scalar).commentBefore = ` CHOOSE: ${why}`;
    }
  }
  const matrix = doc.get("matrix") as YAMLMap;
  const batch = pairOf(matrix, "batch");
  if (YAML.isSeq(batch?.value)) batch.value.comment = ` ${p.batchNote}`;
  for (const key of ["batch", "providers", "threads"]) {
    const seq = pairOf(matrix, key)?.value;
    if (YAML.isSeq(seq)) seq.flow = true;
  }
  return String(doc);
}

/** `bench init MODEL.onnx [--out FILE]`: a suite for the model that validates and runs as written. */
export function initCommand(model: string, opts: InitOptions): Outcome {
  const description = describeModel(model);
  const out = opts.out ?? path.join("suites", `${nameOf(model)}.yaml`);
  if (existsSync(out) && !opts.force) throw new UserError(`${out}: already exists; choose another --out, or --force to overwrite it`);
  const text = initSuite(description, out);
  mkdirSync(path.dirname(path.resolve(out)), { recursive: true });
  writeFileSync(out, text);
  process.stderr.write(`wrote ${out}; check the lines marked CHOOSE, then: bench validate ${out} && bench run ${out}\n`);
  return OK;
}
