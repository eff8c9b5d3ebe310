/**
 * The architectures, independent of precision: a model is a chain of layers over one input. The
 * float32 weights are drawn once from the seeded RNG and shared by all three variants, so the
 * fp16 and int8 files are quantizations of exactly the fp32 model.
 */
import { createRng, deriveSeed } from "../../src/util/rng.js";

export type Layer =
  /** Gemm with weight [out, in] (transB = 1, PyTorch's layout) and bias [out]. */
  | { kind: "dense"; name: string; outFeatures: number; relu: boolean }
  /** Square-kernel Conv, stride 1, symmetric zero padding; weight [out, in, k, k], bias [out]. */
  | { kind: "conv"; name: string; outChannels: number; kernel: number; pad: number; relu: boolean }
  /** MaxPool with kernel = stride = size. */
  | { kind: "maxpool"; name: string; size: number }
  /** Flatten(axis = 1): [batch, ...] → [batch, prod(...)]. */
  | { kind: "flatten"; name: string };

export interface ModelSpec {
  name: string;
  description: string;
  seed: number;
  inputName: string;
  /** Input shape without the leading symbolic batch dimension. */
  inputShape: readonly number[];
  outputName: string;
  layers: readonly Layer[];
}

export interface Params {
  weight: Float32Array;
  weightDims: number[];
  bias: Float32Array;
}

/** Per-sample shape after each layer (index i = output of layers[i]). */
export function layerShapes(spec: ModelSpec): number[][] {
  const shapes: number[][] = [];
  let s = [...spec.inputShape];
  for (const layer of spec.layers) {
    s = nextShape(layer, s);
    shapes.push(s);
  }
  return shapes;
}

function nextShape(layer: Layer, s: number[]): number[] {
  const [c = 0, h = 0, w = 0] = s;
  switch (layer.kind) {
    case "dense":
      return [layer.outFeatures];
    case "conv": {
      const out = (n: number): number => n + 2 * layer.pad - layer.kernel + 1;
      return [layer.outChannels, out(h), out(w)];
    }
    case "maxpool":
      return [c, Math.floor(h / layer.size), Math.floor(w / layer.size)];
    case "flatten":
      return [s.reduce((a, b) => a * b, 1)];
  }
}

/**
 * He (Kaiming) normal weights, std = sqrt(2 / fan_in), so activations keep their scale through the
 * ReLUs (He et al., "Delving Deep into Rectifiers", 2015); std = sqrt(1 / fan_in) for a layer with
 * no ReLU after it. Small normal biases, so that biases are not all zero in the int8 models.
 */
export function initParams(spec: ModelSpec): Map<string, Params> {
  const params = new Map<string, Params>();
  let s = [...spec.inputShape];
  for (const layer of spec.layers) {
    if (layer.kind === "dense" || layer.kind === "conv") {
      const fanIn = layer.kind === "dense" ? (s[0] ?? 0) : (s[0] ?? 0) * layer.kernel ** 2;
      const weightDims = layer.kind === "dense" ? [layer.outFeatures, fanIn] : [layer.outChannels, s[0] ?? 0, layer.kernel, layer.kernel];
      const std = Math.sqrt((layer.relu ? 2 : 1) / fanIn);
      const w = createRng(deriveSeed(spec.seed, `${layer.name}.weight`));
      const b = createRng(deriveSeed(spec.seed, `${layer.name}.bias`));
      const outCount = weightDims[0] ?? 0;
      params.set(layer.name, {
        weight: Float32Array.from({ length: outCount * fanIn }, () => std * w.normal()),
        weightDims,
        bias: Float32Array.from({ length: outCount }, () => 0.05 * b.normal()),
      });
    }
    s = nextShape(layer, s);
  }
  return params;
}

/** Seeded standard-normal inputs for `batch` samples, flattened row-major. */
export function normalInputs(spec: ModelSpec, batch: number, label: string): Float32Array {
  const rng = createRng(deriveSeed(spec.seed, label));
  const perSample = spec.inputShape.reduce((a, b) => a * b, 1);
  return Float32Array.from({ length: batch * perSample }, () => rng.normal());
}
