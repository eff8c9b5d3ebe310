/**
 * Thin builders over onnx-proto (protobufjs classes compiled from ONNX v1.10.2's onnx.proto), so the
 * model definitions read as graphs rather than as protobuf plumbing. Every tensor is written as
 * little-endian raw_data, whatever the host's byte order, so the encoded bytes are the same on every
 * machine.
 */
import onnxProto from "onnx-proto";
import type { onnx as Onnx } from "onnx-proto";

export const onnx = onnxProto.onnx;
export type TensorProto = Onnx.ITensorProto;
export type NodeProto = Onnx.INodeProto;
export type ValueInfoProto = Onnx.IValueInfoProto;
type ModelProto = Onnx.IModelProto;

export type ElemType = "float32" | "float16" | "uint8" | "int8" | "int32" | "int64";

const DataType = onnx.TensorProto.DataType;

const dataTypeOf: Record<ElemType, number> = {
  float32: DataType.FLOAT,
  float16: DataType.FLOAT16,
  uint8: DataType.UINT8,
  int8: DataType.INT8,
  int32: DataType.INT32,
  int64: DataType.INT64,
};

const bytesPerElem: Record<ElemType, number> = {
  float32: 4,
  float16: 2,
  uint8: 1,
  int8: 1,
  int32: 4,
  int64: 8,
};

/**
 * An initializer. `values` are the numbers to store: float32 values for "float32", IEEE half bit
 * patterns for "float16" (see half.ts), integers otherwise.
 */
export function tensor(name: string, elem: ElemType, dims: readonly number[], values: ArrayLike<number>): TensorProto {
  const count = dims.reduce((a, b) => a * b, 1);
  if (values.length !== count) {
    throw new Error(`tensor ${name}: ${values.length} values for dims [${dims.join(", ")}]`);
  }
  const view = new DataView(new ArrayBuffer(count * bytesPerElem[elem]));
  for (let i = 0; i < count; i++) {
    const v = values[i] as number;
    switch (elem) {
      case "float32":
        view.setFloat32(i * 4, v, true);
        break;
      case "float16":
        view.setUint16(i * 2, v, true);
        break;
      case "uint8":
        view.setUint8(i, v);
        break;
      case "int8":
        view.setInt8(i, v);
        break;
      case "int32":
        view.setInt32(i * 4, v, true);
        break;
      case "int64":
        view.setBigInt64(i * 8, BigInt(v), true);
        break;
    }
  }
  return { name, dataType: dataTypeOf[elem], dims: [...dims], rawData: new Uint8Array(view.buffer) };
}

/** A scalar initializer, as QuantizeLinear/DequantizeLinear scales and zero points are. */
export function scalar(name: string, elem: ElemType, value: number): TensorProto {
  return tensor(name, elem, [], [value]);
}

/** Attribute values: every attribute these models use is an int or a list of ints. */
export type Attrs = Readonly<Record<string, number | readonly number[]>>;

export function node(opType: string, name: string, inputs: readonly string[], outputs: readonly string[], attrs: Attrs = {}): NodeProto {
  const AttributeType = onnx.AttributeProto.AttributeType;
  const attribute = Object.entries(attrs).map(([key, v]) =>
    typeof v === "number" ? { name: key, type: AttributeType.INT, i: v } : { name: key, type: AttributeType.INTS, ints: [...v] },
  );
  return { opType, name, input: [...inputs], output: [...outputs], attribute };
}

/** A graph input or output; a string dimension is symbolic (dim_param). */
export function valueInfo(name: string, elem: ElemType, shape: readonly (number | string)[]): ValueInfoProto {
  const dim = shape.map((d) => (typeof d === "string" ? { dimParam: d } : { dimValue: d }));
  return { name, type: { tensorType: { elemType: dataTypeOf[elem], shape: { dim } } } };
}

export interface ModelParts {
  graphName: string;
  docString: string;
  nodes: NodeProto[];
  initializers: TensorProto[];
  inputs: ValueInfoProto[];
  outputs: ValueInfoProto[];
  /** Written in this order; keep it fixed so the bytes are. */
  metadata: readonly (readonly [string, string])[];
}

/** ONNX IR version 8 (ONNX 1.10, the newest onnx-proto 8 knows) with the default-domain opset 17. */
const IR_VERSION = 8;
const OPSET = 17;
const PRODUCER_NAME = "bench-models";
const PRODUCER_VERSION = "1";

export function encodeModel(parts: ModelParts): Uint8Array {
  const model: ModelProto = {
    irVersion: IR_VERSION,
    opsetImport: [{ domain: "", version: OPSET }],
    producerName: PRODUCER_NAME,
    producerVersion: PRODUCER_VERSION,
    docString: parts.docString,
    graph: {
      name: parts.graphName,
      node: parts.nodes,
      initializer: parts.initializers,
      input: parts.inputs,
      output: parts.outputs,
    },
    metadataProps: parts.metadata.map(([key, value]) => ({ key, value })),
  };
  const err = onnx.ModelProto.verify(model);
  if (err) throw new Error(`invalid ModelProto: ${err}`);
  return onnx.ModelProto.encode(model).finish();
}
