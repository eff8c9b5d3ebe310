/**
 * What an ONNX file declares, read from the file itself (onnx-proto's decoder of ONNX's own
 * onnx.proto), without creating an inference session: inputs and outputs with their element types
 * and dimensions (fixed sizes and symbolic names), opsets, producer, size, hash and how often each
 * operator appears. `bench inspect` prints it; it works on a model onnxruntime would refuse too.
 */
import { createHash } from "node:crypto";
import { readFileSync, statSync } from "node:fs";
import onnxProto from "onnx-proto";
import type { onnx as Onnx } from "onnx-proto";
import { errorMessage, UserError } from "../errors.js";

const onnx = onnxProto.onnx;

/** A dimension: a fixed size, a symbolic name, or null when the model leaves it unnamed and unknown. */
export type Dimension = number | string | null;

export interface ModelValue {
  name: string;
  /** onnxruntime's name of the element type (float32, int64, …), or the ONNX enum's name for the rest. */
  type: string;
  /** null when the model declares no shape at all (any rank). */
  shape: Dimension[] | null;
}

export interface ModelDescription {
  file: string;
  bytes: number;
  sha256: string;
  irVersion: number;
  producer: string | null;
  /** Per domain ("ai.onnx" for the default one), the opset version imported. */
  opsets: Record<string, number>;
  graph: string | null;
  /** The graph's inputs that are fed at run time (initializers, which some exporters also list as inputs, left out). */
  inputs: ModelValue[];
  outputs: ModelValue[];
  nodes: number;
  /** Operator (domain-qualified outside the default domain) → count, most frequent first. */
  operators: Record<string, number>;
  initializers: number;
  /** Elements over all initializers and Constant nodes' tensors (some exporters keep every weight in Constants). */
  parameters: number;
  metadata: Record<string, string>;
}

/** ONNX TensorProto.DataType → onnxruntime-node's tensor type names. */
const TYPE_NAMES: Record<number, string> = {
  1: "float32",
  2: "uint8",
  3: "int8",
  4: "uint16",
  5: "int16",
  6: "int32",
  7: "int64",
  8: "string",
  9: "bool",
  10: "float16",
  11: "float64",
  12: "uint32",
  13: "uint64",
  14: "complex64",
  15: "complex128",
  16: "bfloat16",
};

/** protobufjs gives int64 fields as Long objects (when the `long` package is installed) or as numbers. */
function toNumber(x: unknown): number {
  if (typeof x === "number") return x;
  if (typeof x === "object" && x !== null && "toNumber" in x && typeof x.toNumber === "function") return Number((x as { toNumber(): unknown }).toNumber());
  return 0;
}

function valueOf(v: Onnx.IValueInfoProto): ModelValue {
  const name = v.name ?? "";
  const tensor = v.type?.tensorType;
  if (!tensor) {
    const kind = v.type?.sequenceType ? "sequence" : v.type?.mapType ? "map" : "unknown";
    return { name, type: kind, shape: null };
  }
  const elem = tensor.elemType ?? 0;
  const type = TYPE_NAMES[elem] ?? onnx.TensorProto.DataType[elem] ?? `type ${elem}`;
  const shape = tensor.shape
    ? (tensor.shape.dim ?? []).map((d): Dimension => (d.dimParam ? d.dimParam : d.dimValue !== null && d.dimValue !== undefined ? toNumber(d.dimValue) : null))
    : null;
  return { name, type, shape };
}

function readModel(file: string): Buffer {
  let stat;
  try {
    stat = statSync(file);
  } catch (err) {
    throw new UserError(`${file}: cannot read the model: ${errorMessage(err)}`);
  }
  if (stat.isDirectory()) throw new UserError(`${file}: is a directory; give the path of an .onnx file`);
  if (!stat.isFile()) throw new UserError(`${file}: not a regular file; give the path of an .onnx file`);
  if (stat.size === 0) throw new UserError(`${file}: the file is empty; it is not an ONNX model`);
  try {
    return readFileSync(file);
  } catch (err) {
    throw new UserError(`${file}: cannot read the model: ${errorMessage(err)}`);
  }
}

/** Reads and describes an ONNX file; a file that is not one is a UserError naming it. */
export function describeModel(file: string): ModelDescription {
  const bytes = readModel(file);
  let model: Onnx.ModelProto;
  try {
    model = onnx.ModelProto.decode(bytes);
  } catch (err) {
    throw new UserError(`${file}: not an ONNX model (the protobuf does not decode: ${errorMessage(err)})`);
  }
  const graph = model.graph;
  if (!graph || toNumber(model.irVersion) === 0) throw new UserError(`${file}: not an ONNX model (no graph or IR version in it)`);
  const initializerNames = new Set((graph.initializer ?? []).map((t) => t.name ?? ""));
  const operators = new Map<string, number>();
  for (const node of graph.node ?? []) {
    const op = node.domain && node.domain !== "ai.onnx" ? `${node.domain}:${node.opType ?? "?"}` : (node.opType ?? "?");
    operators.set(op, (operators.get(op) ?? 0) + 1);
  }
  const elements = (t: Onnx.ITensorProto) => (t.dims ?? []).reduce((p: number, d) => p * toNumber(d), 1);
  const constants = (graph.node ?? []).flatMap((n) => (n.opType === "Constant" ? (n.attribute ?? []).flatMap((a) => (a.t ? [a.t] : [])) : []));
  const parameters = [...(graph.initializer ?? []), ...constants].reduce((sum, t) => sum + elements(t), 0);
  const producer = [model.producerName, model.producerVersion].filter((s) => s).join(" ") || null;
  return {
    file,
    bytes: bytes.length,
    sha256: createHash("sha256").update(bytes).digest("hex"),
    irVersion: toNumber(model.irVersion),
    producer,
    opsets: Object.fromEntries(model.opsetImport.map((o) => [o.domain ? o.domain : "ai.onnx", toNumber(o.version)])),
    graph: graph.name || null,
    inputs: (graph.input ?? []).filter((v) => !initializerNames.has(v.name ?? "")).map(valueOf),
    outputs: (graph.output ?? []).map(valueOf),
    nodes: (graph.node ?? []).length,
    operators: Object.fromEntries([...operators].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))),
    initializers: initializerNames.size,
    parameters,
    metadata: Object.fromEntries(model.metadataProps.map((p) => [p.key ?? "", p.value ?? ""])),
  };
}
