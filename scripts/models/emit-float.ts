/**
 * fp32 and fp16 graphs. The fp16 graph computes in float16 end to end with float32 I/O: a Cast at
 * the entry and one at the exit, as onnxconverter-common's convert_float_to_float16 does with
 * keep_io_types=True. suites/models/README.md says why, and what onnxruntime's x86 CPU provider,
 * which has no float16 kernels for these ops, does with it.
 */
import { toHalfBits } from "./half.js";
import { graphParts, hasRelu, layerNode } from "./layers.js";
import { node, onnx, tensor, type ModelParts, type NodeProto, type TensorProto } from "./proto.js";
import type { ModelSpec, Params } from "./spec.js";

const { FLOAT, FLOAT16 } = onnx.TensorProto.DataType;

export function floatGraph(
  spec: ModelSpec,
  params: ReadonlyMap<string, Params>,
  variant: "fp32" | "fp16",
): Pick<ModelParts, "nodes" | "initializers" | "inputs" | "outputs"> {
  const fp16 = variant === "fp16";
  const nodes: NodeProto[] = [];
  const initializers: TensorProto[] = [];
  const store = (name: string, dims: number[], values: Float32Array): string => {
    initializers.push(fp16 ? tensor(name, "float16", dims, Array.from(values, toHalfBits)) : tensor(name, "float32", dims, values));
    return name;
  };

  let x = spec.inputName;
  if (fp16) {
    nodes.push(node("Cast", `${x}.to_fp16`, [x], [`${x}.fp16`], { to: FLOAT16 }));
    x = `${x}.fp16`;
  }
  spec.layers.forEach((layer, i) => {
    const last = i === spec.layers.length - 1;
    const out = last ? (fp16 ? `${spec.outputName}.fp16` : spec.outputName) : layer.name;
    const inputs = [x];
    const p = params.get(layer.name);
    if (p) {
      inputs.push(store(`${layer.name}.weight`, p.weightDims, p.weight));
      inputs.push(store(`${layer.name}.bias`, [p.bias.length], p.bias));
    }
    const relu = hasRelu(layer);
    nodes.push(layerNode(layer, inputs, relu ? `${out}.pre_relu` : out));
    if (relu) nodes.push(node("Relu", `${layer.name}.relu`, [`${out}.pre_relu`], [out]));
    x = out;
  });
  if (fp16) nodes.push(node("Cast", `${spec.outputName}.to_fp32`, [x], [spec.outputName], { to: FLOAT }));
  return graphParts(spec, nodes, initializers);
}
