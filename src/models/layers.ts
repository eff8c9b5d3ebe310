/** The ONNX node(s) for one layer, shared by the float and the int8 graphs. */
import { node, type NodeProto } from "./proto.js";
import type { Layer } from "./spec.js";

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
