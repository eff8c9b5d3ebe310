import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as ort from "onnxruntime-node";
import { describe, expect, it } from "vitest";
import { fromHalfBits, toHalfBits } from "../scripts/models/half.js";
import { encodeModel, node, valueInfo } from "../scripts/models/proto.js";
import { createRng } from "../src/util/rng.js";

describe("toHalfBits", () => {
  it.each([
    [0, 0x0000],
    [-0, 0x8000],
    [1, 0x3c00],
    [-2, 0xc000],
    [65504, 0x7bff], // largest half
    [65520, 0x7c00], // halfway to the next step rounds to even: Inf
    [Infinity, 0x7c00],
    [2 ** -14, 0x0400], // smallest normal
    [2 ** -24, 0x0001], // smallest subnormal
    [2 ** -25, 0x0000], // tie rounds to even (0)
    [3 * 2 ** -25, 0x0002], // tie rounds to even (2)
    [1 + 2 ** -11, 0x3c00], // tie rounds to even
    [1 + 3 * 2 ** -11, 0x3c02],
  ])("encodes %f as %i", (value, bits) => {
    expect(toHalfBits(value)).toBe(bits);
  });

  it("encodes NaN as a NaN", () => {
    expect(Number.isNaN(fromHalfBits(toHalfBits(NaN)))).toBe(true);
  });

  it("agrees with onnxruntime's Cast(float → float16) bit for bit", async () => {
    const rng = createRng(16);
    const values = Float32Array.from({ length: 4096 }, (_, i) => rng.normal() * 2 ** ((i % 48) - 30));
    const dir = mkdtempSync(join(tmpdir(), "bench-half-"));
    try {
      const path = join(dir, "cast.onnx");
      writeFileSync(
        path,
        encodeModel({
          graphName: "cast",
          docString: "",
          nodes: [node("Cast", "cast", ["x"], ["y"], { to: 10 })],
          initializers: [],
          inputs: [valueInfo("x", "float32", [values.length])],
          outputs: [valueInfo("y", "float16", [values.length])],
          metadata: [],
        }),
      );
      const session = await ort.InferenceSession.create(path);
      const out = await session.run({ x: new ort.Tensor("float32", values, [values.length]) });
      const data = out.y?.data;
      // onnxruntime-node returns float16 as raw bits where Float16Array is unavailable.
      const bits = data instanceof Uint16Array ? Array.from(data) : Array.from(data as ArrayLike<number>, toHalfBits);
      expect(Array.from(values, toHalfBits)).toEqual(bits);
      await session.release();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
