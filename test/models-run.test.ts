import { join } from "node:path";
import { fileURLToPath } from "node:url";
import * as ort from "onnxruntime-node";
import { describe, expect, it } from "vitest";
import { SPECS, VARIANTS, type Variant } from "../scripts/models/catalog.js";
import { forwardAll } from "../scripts/models/reference.js";
import { initParams, normalInputs, type ModelSpec } from "../scripts/models/spec.js";

const modelsDir = fileURLToPath(new URL("../suites/models/", import.meta.url));
const ROWS = 64;

async function run(spec: ModelSpec, variant: Variant, input: Float32Array, batch: number): Promise<ort.Tensor> {
  const session = await ort.InferenceSession.create(join(modelsDir, `${spec.name}-${variant}.onnx`), {
    intraOpNumThreads: 1,
  });
  const feeds = { [spec.inputName]: new ort.Tensor("float32", input, [batch, ...spec.inputShape]) };
  const out = (await session.run(feeds))[spec.outputName];
  await session.release();
  if (!out) throw new Error(`no output ${spec.outputName}`);
  return out;
}

/** ‖a − b‖ / ‖b‖ over the whole batch, and how many rows have the same argmax. */
function compare(a: ArrayLike<number>, b: ArrayLike<number>, classes: number) {
  let diff = 0;
  let norm = 0;
  let sameArgmax = 0;
  for (let r = 0; r < a.length / classes; r++) {
    let ia = 0;
    let ib = 0;
    for (let j = 0; j < classes; j++) {
      const k = r * classes + j;
      const [va, vb] = [a[k] as number, b[k] as number];
      diff += (va - vb) ** 2;
      norm += vb ** 2;
      if (va > (a[r * classes + ia] as number)) ia = j;
      if (vb > (b[r * classes + ib] as number)) ib = j;
    }
    if (ia === ib) sameArgmax++;
  }
  return { relErr: Math.sqrt(diff / norm), sameArgmax };
}

describe.each(SPECS)("$name", (spec) => {
  describe.each(VARIANTS)("%s", (variant) => {
    it("has float32 I/O with a symbolic batch dimension", async () => {
      const session = await ort.InferenceSession.create(join(modelsDir, `${spec.name}-${variant}.onnx`));
      expect(session.inputMetadata).toEqual([
        expect.objectContaining({ name: spec.inputName, isTensor: true, type: "float32", shape: ["batch", ...spec.inputShape] }),
      ]);
      expect(session.outputMetadata).toEqual([expect.objectContaining({ name: spec.outputName, isTensor: true, type: "float32", shape: ["batch", 10] })]);
      await session.release();
    });

    it.each([1, 8])("runs at batch %i with finite [batch, 10] logits", async (batch) => {
      const out = await run(spec, variant, normalInputs(spec, batch, "test-run"), batch);
      expect(out.dims).toEqual([batch, 10]);
      expect(Array.from(out.data as Float32Array).every(Number.isFinite)).toBe(true);
    });
  });

  const input = normalInputs(spec, ROWS, "test-accuracy");

  it("fp32 matches the float64 reference interpreter", async () => {
    const ref = forwardAll(spec, initParams(spec), input, ROWS).at(-1) ?? [];
    const out = await run(spec, "fp32", input, ROWS);
    const { relErr, sameArgmax } = compare(out.data as Float32Array, ref, 10);
    expect(relErr).toBeLessThan(1e-5);
    expect(sameArgmax).toBe(ROWS);
  });

  // Measured on these 64 rows (onnxruntime 1.30, x86-64): relative error 4e-4 (fp16) and
  // 1.7e-2 / 2.4e-2 (int8 cnn / mlp), argmax agreement 64/64 for both; on 256 rows int8 agrees on
  // 252–253. The bounds leave room for other CPUs and onnxruntime versions.
  it.each([
    ["fp16", 2e-3, 60],
    ["int8", 6e-2, 56],
  ] as const)("%s stays close to fp32 (relative error < %f, argmax agreement ≥ %i/64)", async (variant, maxRelErr, minSame) => {
    const fp32 = await run(spec, "fp32", input, ROWS);
    const other = await run(spec, variant, input, ROWS);
    const { relErr, sameArgmax } = compare(other.data as Float32Array, fp32.data as Float32Array, 10);
    expect(relErr).toBeLessThan(maxRelErr);
    expect(sameArgmax).toBeGreaterThanOrEqual(minSame);
  });
});
