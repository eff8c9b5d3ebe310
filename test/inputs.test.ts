import { describe, expect, it } from "vitest";
import { generateTensor, toFloat16Bits } from "../src/inputs/generate.js";
import { type ModelInput, planInputs } from "../src/inputs/plan.js";

const image: ModelInput = { name: "x", type: "float32", shape: ["N", 3, "h", "w"] };

describe("planInputs", () => {
  it("takes dtype and fixed dims from the model and treats the leading dynamic dim as the batch", () => {
    const { plans, errors } = planInputs([image], {}, { h: 32, w: 48 }, 8);
    expect(errors).toEqual([]);
    expect(plans[0]).toMatchObject({ name: "x", dtype: "float32", shape: [8, 3, 32, 48], fill: "random-normal" });
  });

  it("names the input and the dimension that cannot be resolved", () => {
    const { errors } = planInputs([image], {}, { h: 32 }, 1);
    expect(errors).toEqual(["inputs.x.shape: dimension 3 'w' of input 'x' is dynamic and cannot be resolved; set dims.w or give an explicit inputs.x.shape"]);
  });

  it("uses an explicit shape with the symbolic batch", () => {
    const { plans, errors } = planInputs([image], { x: { shape: ["batch", 3, 16, 16], fill: "zeros" } }, {}, 4);
    expect(errors).toEqual([]);
    expect(plans[0]?.shape).toEqual([4, 3, 16, 16]);
  });

  it("rejects an input the model does not have", () => {
    const { errors } = planInputs([image], { pixels: { fill: "zeros" } }, { h: 1, w: 1 }, 1);
    expect(errors).toEqual(["inputs.pixels: the model has no input 'pixels' (it has: x)"]);
  });

  it("rejects a shape that contradicts the model's fixed dimension or rank", () => {
    expect(planInputs([image], { x: { shape: ["batch", 4, 16, 16] } }, {}, 1).errors).toEqual(["inputs.x.shape[1]: is 4 but the model fixes it at 3"]);
    expect(planInputs([image], { x: { shape: ["batch", 3, 16] } }, {}, 1).errors[0]).toMatch(/has 3 dimensions but the model's input 'x' has 4/);
  });

  it("refuses a batch above 1 when no input has a batch axis, instead of feeding batch 1 and counting batch items", () => {
    const fixed: ModelInput = { name: "x", type: "float32", shape: [1, 25, 96] };
    expect(planInputs([fixed], {}, {}, 8).errors).toEqual([
      "matrix.batch: batch 8 cannot be fed: no input of the model has a batch axis (x [1, 25, 96]: every leading dimension is fixed); use batch: [1] for this target, or export the model with a dynamic batch dimension",
    ]);
    expect(planInputs([fixed], {}, {}, 1).errors).toEqual([]);
    // An explicit shape with the batch in it carries the batch (and then contradicts the model's 1).
    expect(planInputs([fixed], { x: { shape: ["batch", 25, 96] } }, {}, 8).errors).toEqual(["inputs.x.shape[0]: is 8 but the model fixes it at 1"]);
    // A recurrent model: its state has a fixed leading dimension, its audio the batch; a scalar sample rate.
    const vad: ModelInput[] = [
      { name: "input", type: "float32", shape: ["batch", 512] },
      { name: "h", type: "float32", shape: [2, "batch", 64] },
      { name: "sr", type: "int64", shape: [] },
    ];
    expect(planInputs(vad, { h: { shape: [2, "batch", 64] } }, {}, 8).errors).toEqual([]);
  });

  it("defaults integer inputs to a range fill", () => {
    const ids: ModelInput = { name: "ids", type: "int64", shape: ["batch", 16] };
    expect(planInputs([ids], {}, {}, 2).plans[0]).toMatchObject({ dtype: "int64", fill: "range", low: 0, high: 100 });
  });
});

describe("generateTensor", () => {
  const plan = { name: "x", dtype: "float32" as const, shape: [2, 3], fill: "random-normal" as const, mean: 0, std: 1, low: 0, high: 1 };

  it("is deterministic for a seed and differs across seeds", () => {
    const a = generateTensor(plan, 42).data;
    expect(generateTensor(plan, 42).data).toEqual(a);
    expect(generateTensor(plan, 43).data).not.toEqual(a);
    expect(a).toBeInstanceOf(Float32Array);
    expect(a).toHaveLength(6);
  });

  it("fills ranges, constants and typed integer arrays", () => {
    const r = generateTensor({ ...plan, dtype: "int64", fill: "range", low: 5, high: 8 }, 1).data;
    expect(Array.from(r as BigInt64Array, Number)).toEqual([5, 6, 7, 5, 6, 7]);
    expect(Array.from(generateTensor({ ...plan, fill: 0.5 }, 1).data as Float32Array)).toEqual([0.5, 0.5, 0.5, 0.5, 0.5, 0.5]);
    const u = generateTensor({ ...plan, dtype: "int32", fill: "random-uniform", low: 0, high: 3 }, 9).data as Int32Array;
    expect(Array.from(u).every((v) => v >= 0 && v < 3)).toBe(true);
  });

  it("draws normals with the requested mean and spread", () => {
    const big = generateTensor({ ...plan, shape: [20000], mean: 3, std: 2 }, 7).data as Float32Array;
    const mean = big.reduce((a, b) => a + b, 0) / big.length;
    const sd = Math.sqrt(big.reduce((a, b) => a + (b - mean) ** 2, 0) / big.length);
    expect(mean).toBeCloseTo(3, 1);
    expect(sd).toBeCloseTo(2, 1);
  });
});

describe("toFloat16Bits", () => {
  it("encodes known IEEE 754 half values", () => {
    expect(toFloat16Bits(0)).toBe(0x0000);
    expect(toFloat16Bits(-0)).toBe(0x8000);
    expect(toFloat16Bits(1)).toBe(0x3c00);
    expect(toFloat16Bits(-2)).toBe(0xc000);
    expect(toFloat16Bits(65504)).toBe(0x7bff); // largest finite half
    expect(toFloat16Bits(1e6)).toBe(0x7c00); // overflow → Inf
    expect(toFloat16Bits(2 ** -24)).toBe(0x0001); // smallest subnormal
    expect(toFloat16Bits(0.1)).toBe(0x2e66);
    expect(toFloat16Bits(Number.NaN) & 0x7c00).toBe(0x7c00);
    expect(toFloat16Bits(1 + 2 ** -11)).toBe(0x3c00); // tie rounds to even
    expect(toFloat16Bits(1 + 3 * 2 ** -11)).toBe(0x3c02);
  });
});
