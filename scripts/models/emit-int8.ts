/**
 * int8 graphs in the QDQ format that onnxruntime's quantize_static writes: every activation goes
 * through QuantizeLinear → DequantizeLinear, weights are stored as int8 behind a DequantizeLinear,
 * and biases as int32 with scale = input scale × weight scale. At graphOptimizationLevel "extended"
 * and above (the default is "all") onnxruntime fuses each DQ → op → Q group into an integer kernel
 * (QLinearConv, QGemm).
 *
 * Scheme (onnxruntime's default for x86 CPUs, "U8S8"): per-tensor symmetric int8 weights with
 * scale = max|w| / 127; asymmetric uint8 activations with min/max ranges calibrated on seeded
 * standard-normal inputs by the float64 reference interpreter. After a ReLU the range starts at
 * 0, so the zero point is 0 and onnxruntime drops the ReLU into the quantization (ReluQuantFusion).
 */
import { graphParts, hasRelu, layerNode } from "./layers.js";
import { node, scalar, tensor, type ModelParts, type NodeProto, type TensorProto } from "./proto.js";
import { forwardAll } from "./reference.js";
import { normalInputs, type ModelSpec, type Params } from "./spec.js";

const CALIBRATION_BATCH = 64;

interface QParams {
  scale: number;
  zeroPoint: number;
}

/** Round half to even, as QuantizeLinear does. */
function roundEven(v: number): number {
  const r = Math.round(v);
  return Math.abs(v % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** Asymmetric uint8 over [min(lo, 0), max(hi, 0)], as onnxruntime's compute_scale_zp does. */
function uint8Params(values: ArrayLike<number>): QParams {
  let lo = 0;
  let hi = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  const scale = Math.fround(hi > lo ? (hi - lo) / 255 : 1);
  return { scale, zeroPoint: Math.min(255, Math.max(0, roundEven(-lo / scale))) };
}

export function int8Graph(spec: ModelSpec, params: ReadonlyMap<string, Params>): Pick<ModelParts, "nodes" | "initializers" | "inputs" | "outputs"> {
  const nodes: NodeProto[] = [];
  const initializers: TensorProto[] = [];
  const calibration = normalInputs(spec, CALIBRATION_BATCH, "calibration");
  const acts = forwardAll(spec, params, calibration, CALIBRATION_BATCH);

  /** Quantize `x` with `q` and dequantize it again; returns the dequantized name. */
  const qdq = (x: string, q: QParams, qName: string): string => {
    initializers.push(scalar(`${qName}.scale`, "float32", q.scale));
    initializers.push(scalar(`${qName}.zero_point`, "uint8", q.zeroPoint));
    const qParams = [`${qName}.scale`, `${qName}.zero_point`];
    nodes.push(node("QuantizeLinear", `${qName}.quantize`, [x, ...qParams], [`${qName}.quantized`]));
    nodes.push(node("DequantizeLinear", `${qName}.dequantize`, [`${qName}.quantized`, ...qParams], [`${qName}.dq`]));
    return `${qName}.dq`;
  };

  let q = uint8Params(calibration);
  let x = qdq(spec.inputName, q, spec.inputName);
  spec.layers.forEach((layer, i) => {
    const last = i === spec.layers.length - 1;
    const out = last ? spec.outputName : layer.name;
    const inputs = [x];
    const p = params.get(layer.name);
    if (p) inputs.push(...quantizedParams(layer.name, p, q.scale, nodes, initializers));
    const relu = hasRelu(layer);
    nodes.push(layerNode(layer, inputs, relu ? `${out}.pre_relu` : out));
    if (relu) nodes.push(node("Relu", `${layer.name}.relu`, [`${out}.pre_relu`], [out]));
    if (last) return;
    // MaxPool and Flatten keep their input's scale and zero point, so onnxruntime can drop the
    // Q/DQ pair around them and run them on uint8 directly.
    if (layer.kind !== "maxpool" && layer.kind !== "flatten") q = uint8Params(acts[i] ?? []);
    x = qdq(out, q, out);
  });
  return graphParts(spec, nodes, initializers);
}

/** int8 weight and int32 bias initializers with their DequantizeLinear nodes. */
function quantizedParams(name: string, p: Params, inputScale: number, nodes: NodeProto[], initializers: TensorProto[]): [string, string] {
  let maxAbs = 0;
  for (const v of p.weight) maxAbs = Math.max(maxAbs, Math.abs(v));
  const wScale = Math.fround(maxAbs > 0 ? maxAbs / 127 : 1);
  const bScale = Math.fround(inputScale * wScale);
  const w = Array.from(p.weight, (v) => Math.max(-127, Math.min(127, roundEven(v / wScale))));
  const b = Array.from(p.bias, (v) => roundEven(v / bScale));
  initializers.push(
    tensor(`${name}.weight_quantized`, "int8", p.weightDims, w),
    scalar(`${name}.weight_scale`, "float32", wScale),
    scalar(`${name}.weight_zero_point`, "int8", 0),
    tensor(`${name}.bias_quantized`, "int32", [b.length], b),
    scalar(`${name}.bias_scale`, "float32", bScale),
    scalar(`${name}.bias_zero_point`, "int32", 0),
  );
  for (const part of ["weight", "bias"]) {
    const inputs = [`${name}.${part}_quantized`, `${name}.${part}_scale`, `${name}.${part}_zero_point`];
    nodes.push(node("DequantizeLinear", `${name}.${part}_dequantize`, inputs, [`${name}.${part}`]));
  }
  return [`${name}.weight`, `${name}.bias`];
}
