/** The ONNX node(s) for one layer, shared by the float and the int8 graphs. */
import { type ModelParts, node, type NodeProto, type TensorProto, valueInfo } from "./proto.js";
import { type Layer, layerShapes, type ModelSpec } from "./spec.js";

/**
 * The layer's main op. `inputs` is [x] or, for dense and conv, [x, weight, bias]. ReLU is not
 * included: the int8 graph puts it between the op and the QuantizeLinear that follows.
 */
export function layerNode(layer: Layer, inputs: readonly string[], output: string): NodeProto {
  switch (layer.kind) {
    case "dense":
      return node("Gemm", layer.name, inputs, [output], { transB: 1 });
    case "conv": {
      const { kernel: k, pad: p } = layer;
      return node("Conv", layer.name, inputs, [output], {
        kernel_shape: [k, k],
        pads: [p, p, p, p],
        strides: [1, 1],
      });
    }
    case "maxpool":
      return node("MaxPool", layer.name, inputs, [output], {
        kernel_shape: [layer.size, layer.size],
        strides: [layer.size, layer.size],
      });
    case "flatten":
      return node("Flatten", layer.name, inputs, [output], { axis: 1 });
  }
}

export function hasRelu(layer: Layer): boolean {
  return (layer.kind === "dense" || layer.kind === "conv") && layer.relu;
}

/** The graph of either precision: float32 I/O with a symbolic batch, whatever computes inside. */
export function graphParts(
  spec: ModelSpec,
  nodes: NodeProto[],
  initializers: TensorProto[],
): Pick<ModelParts, "nodes" | "initializers" | "inputs" | "outputs"> {
  const outShape = layerShapes(spec).at(-1) ?? [];
  return {
    nodes,
    initializers,
    inputs: [valueInfo(spec.inputName, "float32", ["batch", ...spec.inputShape])],
    outputs: [valueInfo(spec.outputName, "float32", ["batch", ...outShape])],
  };
}
