import { writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { encodeModel, node, tensor, valueInfo } from "../scripts/models/proto.js";
import { digestChanges, type OutputDigest } from "../src/accuracy/digest.js";
import type { RunResult } from "../src/results.js";
import { bench, QUICK_MEASURE, tempDir } from "./helpers/cli.js";

const digest = (values: number[], dims = [1, values.length], seed = 7): OutputDigest => ({ seed, outputs: { y: { dims, values } } });

describe("digestChanges", () => {
  it("within the tolerance of the output's scale is the same answer; beyond it, or a new shape or a lost output, is not", () => {
    const base = [{ id: "c", outputDigest: digest([1, -2, 4]) }];
    expect(digestChanges(base, [{ id: "c", outputDigest: digest([1.0001, -2, 4.002]) }])).toEqual([]); // 0.002 < 1e-3 × 4
    expect(digestChanges(base, [{ id: "c", outputDigest: digest([1, -2, 4.1]) }])).toEqual([
      "c: output 'y' answers differently on the fixed input: max |change| 0.100 against a scale of 4.00",
    ]);
    expect(digestChanges(base, [{ id: "c", outputDigest: digest([1, -2, 4], [3, 1]) }])[0]).toMatch(/is now \[3, 1\], was \[1, 3\]/);
    expect(digestChanges(base, [{ id: "c", outputDigest: { seed: 7, outputs: {} } }])).toEqual(["c: output 'y' is gone"]);
    // Another seed (the suite's changed): nothing to compare.
    expect(digestChanges(base, [{ id: "c", outputDigest: digest([9, 9, 9], [1, 3], 8) }])).toEqual([]);
  });
});

describe("a gated run against a baseline whose model answered differently", () => {
  it("exits 1 naming the cell and output, although the latency is the same", async () => {
    const dir = tempDir();
    const write = (w: number) =>
      writeFileSync(
        path.join(dir, "m.onnx"),
        encodeModel({
          graphName: "scale",
          docString: "",
          nodes: [node("Mul", "mul", ["x", "w"], ["y"])],
          initializers: [tensor("w", "float32", [4], [w, w, w, w])],
          inputs: [valueInfo("x", "float32", ["batch", 4])],
          outputs: [valueInfo("y", "float32", ["batch", 4])],
          metadata: [],
        }),
      );
    write(1);
    writeFileSync(
      path.join(dir, "s.yaml"),
      `name: dig\ntargets:\n  m:\n    kind: onnx\n    variants: { v: m.onnx }\nmatrix: { batch: [1] }\nenvironment: { models: ignore }\n${QUICK_MEASURE}`,
    );
    const opts = ["--db", path.join(dir, "r.db"), "--baselines", path.join(dir, "bl"), "-q"];
    const first = await bench(["run", path.join(dir, "s.yaml"), ...opts, "--json"]);
    expect(first.code, first.stderr).toBe(0);
    expect((JSON.parse(first.stdout) as RunResult).cells[0]?.outputDigest?.outputs.y?.values).toHaveLength(4);
    expect((await bench(["baseline", "save", "latest", "--name", "main", "--db", path.join(dir, "r.db"), "--baselines", path.join(dir, "bl")])).code).toBe(0);
    write(1.5);
    const gated = await bench(["run", path.join(dir, "s.yaml"), ...opts, "--baseline", "main", "--no-confirm"]);
    expect(gated.code, gated.stderr).toBe(1);
    expect(gated.stderr).toMatch(/bench: outputs changed: dig vs baseline:dig\/main: m\/v\/b1\/cpu\/t1: output 'y' answers differently on the fixed input/);
  }, 90_000);
});
