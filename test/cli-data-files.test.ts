import { writeFileSync } from "node:fs";
import path from "node:path";
import { dump } from "npyjs";
import { describe, expect, it } from "vitest";
import { encodeModel, node, valueInfo } from "../scripts/models/proto.js";
import { feedSets, readSamples } from "../src/inputs/files.js";
import type { RunResult } from "../src/results.js";
import { bench, QUICK_MEASURE, tempDir } from "./helpers/cli.js";

function writeUnary(file: string, op: "Relu" | "Identity"): void {
  writeFileSync(
    file,
    encodeModel({
      graphName: op,
      docString: "",
      nodes: [node(op, "f", ["x"], ["y"])],
      initializers: [],
      inputs: [valueInfo("x", "float32", ["batch", 3])],
      outputs: [valueInfo("y", "float32", ["batch", 3])],
      metadata: [],
    }),
  );
}

const plan = { name: "x", dtype: "float32" as const, shape: [2, 3], fill: "random-normal" as const, mean: 0, std: 1, low: 0, high: 1 };

describe("data from files", () => {
  const dir = tempDir();
  // 5 samples of 3 values: sample i is [i + 1, i + 1.5, i + 2].
  const rows = Array.from({ length: 5 }, (_, i) => [i + 1, i + 1.5, i + 2]);
  writeFileSync(path.join(dir, "x.npy"), Buffer.from(dump(Float32Array.from(rows.flat()), [5, 3])));
  writeFileSync(path.join(dir, "x.json"), JSON.stringify(rows));
  writeFileSync(path.join(dir, "x.bin"), Buffer.from(Float32Array.from(rows.flat()).buffer));

  it("reads .npy, .json and raw files alike, and feeds batch samples per call, cycling through the file", () => {
    for (const f of ["x.npy", "x.json", "x.bin"]) {
      const samples = readSamples(path.join(dir, f), "float32", [3]);
      expect(samples.shape, f).toEqual([5, 3]);
      const sets = feedSets(plan, samples, f);
      expect(sets).toHaveLength(3); // 5 samples, 2 per call: 3 calls go through the file once
      expect(Array.from(sets[0]?.data as Float32Array)).toEqual([1, 1.5, 2, 2, 2.5, 3]);
      expect(Array.from(sets[2]?.data as Float32Array)).toEqual([5, 5.5, 6, 1, 1.5, 2]); // wraps around
    }
  });

  it("a sample shape that does not fit the input, or a ragged JSON, is one clear error naming the file", () => {
    expect(() => feedSets({ ...plan, shape: [2, 4] }, readSamples(path.join(dir, "x.npy"), "float32", [4]), "x.npy")).toThrow(
      /x\.npy: samples of shape \[3\] do not fit input 'x' of shape \[2, 4\] \(one sample must be \[4\]\)/,
    );
    writeFileSync(path.join(dir, "ragged.json"), "[[1, 2, 3], [4, 5]]");
    expect(() => readSamples(path.join(dir, "ragged.json"), "float32", [3])).toThrow(/not a rectangular array/);
  });

  it("a run feeds the file's samples (all positive here: Relu and Identity then agree exactly), and validate --inputs says so", async () => {
    writeUnary(path.join(dir, "relu.onnx"), "Relu");
    writeUnary(path.join(dir, "id.onnx"), "Identity");
    const suite = (inputs: string) =>
      `name: data\ntargets:\n  u:\n    kind: onnx\n    variants: { id: id.onnx, relu: relu.onnx }\n${inputs}    reference: id\n    accuracy: { samples: 5 }\nmatrix: { batch: [2] }\n${QUICK_MEASURE}`;
    writeFileSync(path.join(dir, "file.yaml"), suite("    inputs: { x: { file: x.npy } }\n"));
    writeFileSync(path.join(dir, "random.yaml"), suite(""));
    const v = await bench(["validate", "--inputs", path.join(dir, "file.yaml")]);
    expect(v.code, v.stderr).toBe(0);
    expect(v.stdout).toMatch(/x: float32 \[2, 3\] samples from .*x\.npy/);
    const withFile = await bench(["run", path.join(dir, "file.yaml"), "--db", path.join(dir, "r.db"), "-q", "--json"]);
    expect(withFile.code, withFile.stderr).toBe(0);
    const relu = (JSON.parse(withFile.stdout) as RunResult).cells.find((c) => c.variant === "relu");
    expect(relu?.accuracy?.outputs.y?.maxAbsError).toBe(0);
    expect(relu?.inputs?.[0]?.file).toMatch(/x\.npy$/);
    // With random-normal inputs, Relu zeroes the negatives: the two differ.
    const random = await bench(["run", path.join(dir, "random.yaml"), "--db", path.join(dir, "r.db"), "-q", "--json"]);
    const reluRandom = (JSON.parse(random.stdout) as RunResult).cells.find((c) => c.variant === "relu");
    expect(reluRandom?.accuracy?.outputs.y?.maxAbsError).toBeGreaterThan(0.1);
    // A file whose samples do not fit is found at validate time.
    writeFileSync(path.join(dir, "wide.json"), JSON.stringify([[1, 2, 3, 4]]));
    writeFileSync(path.join(dir, "bad.yaml"), suite("    inputs: { x: { file: wide.json } }\n"));
    const bad = await bench(["validate", path.join(dir, "bad.yaml")]);
    expect(bad.code).toBe(2);
    expect(bad.stdout + bad.stderr).toMatch(/targets\.u\.inputs\.x\.file: .*wide\.json: samples of shape \[4\] do not fit input 'x'/);
  }, 60_000);
});
