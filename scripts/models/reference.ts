/**
 * A plain float64 interpreter for the layer chains in spec.ts. The int8 generator calibrates its
 * activation ranges with it (JS arithmetic is IEEE double everywhere, so the ranges, and hence the
 * bytes, do not depend on the machine the way onnxruntime's SIMD kernels would), and the tests use
 * it as an independent check of the fp32 graphs.
 */
import { layerShapes, type Layer, type ModelSpec, type Params } from "./spec.js";

/** Output of every layer for a batch: element i is layers[i]'s output, flattened row-major. */
export function forwardAll(spec: ModelSpec, params: ReadonlyMap<string, Params>, input: ArrayLike<number>, batch: number): Float64Array[] {
  const outputs: Float64Array[] = [];
  let x: Float64Array = Float64Array.from(input);
  let shape = [...spec.inputShape];
  const shapes = layerShapes(spec);
  spec.layers.forEach((layer, i) => {
    const outShape = shapes[i] ?? [];
    x = apply(layer, params.get(layer.name), x, batch, shape, outShape);
    shape = outShape;
    outputs.push(x);
  });
  return outputs;
}

const size = (s: readonly number[]): number => s.reduce((a, b) => a * b, 1);

function apply(layer: Layer, p: Params | undefined, x: Float64Array, batch: number, inShape: readonly number[], outShape: readonly number[]): Float64Array {
  const inSize = size(inShape);
  const outSize = size(outShape);
  const y = new Float64Array(batch * outSize);
  const [c = 0, h = 0, w = 0] = inShape;
  const [, oh = 0, ow = 0] = outShape;
  switch (layer.kind) {
    case "dense":
    case "conv": {
      if (!p) throw new Error(`no parameters for ${layer.name}`);
      for (let n = 0; n < batch; n++) {
        const xs = x.subarray(n * inSize, (n + 1) * inSize);
        const ys = y.subarray(n * outSize, (n + 1) * outSize);
        if (layer.kind === "dense") dense(p, xs, ys, inSize, outSize);
        else conv(p, xs, ys, inShape, outShape, layer.kernel, layer.pad);
      }
      if (layer.relu) for (let i = 0; i < y.length; i++) y[i] = Math.max(0, y[i] as number);
      return y;
    }
    case "maxpool": {
      const k = layer.size;
      for (let plane = 0; plane < batch * c; plane++) {
        for (let i = 0; i < oh; i++) {
          for (let j = 0; j < ow; j++) {
            let acc = -Infinity;
            for (let di = 0; di < k; di++) {
              for (let dj = 0; dj < k; dj++) {
                acc = Math.max(acc, x[plane * h * w + (i * k + di) * w + j * k + dj] as number);
              }
            }
            y[plane * oh * ow + i * ow + j] = acc;
          }
        }
      }
      return y;
    }
    case "flatten":
      return x;
  }
}

function dense(p: Params, x: Float64Array, y: Float64Array, inSize: number, outSize: number): void {
  for (let o = 0; o < outSize; o++) {
    let acc = p.bias[o] as number;
    const row = o * inSize;
    for (let i = 0; i < inSize; i++) acc += (p.weight[row + i] as number) * (x[i] as number);
    y[o] = acc;
  }
}

function conv(p: Params, x: Float64Array, y: Float64Array, inShape: readonly number[], outShape: readonly number[], k: number, pad: number): void {
  const [c = 0, h = 0, w = 0] = inShape;
  const [oc = 0, oh = 0, ow = 0] = outShape;
  for (let o = 0; o < oc; o++) {
    for (let i = 0; i < oh; i++) {
      for (let j = 0; j < ow; j++) {
        let acc = p.bias[o] as number;
        for (let ci = 0; ci < c; ci++) {
          for (let di = 0; di < k; di++) {
            const r = i + di - pad;
            if (r < 0 || r >= h) continue;
            for (let dj = 0; dj < k; dj++) {
              const s = j + dj - pad;
              if (s < 0 || s >= w) continue;
              const wv = p.weight[((o * c + ci) * k + di) * k + dj] as number;
              acc += wv * (x[(ci * h + r) * w + s] as number);
            }
          }
        }
        y[(o * oh + i) * ow + j] = acc;
      }
    }
  }
}
