import { writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { encodeModel, node, tensor, valueInfo } from "../scripts/models/proto.js";
import type { RunResult } from "../src/results.js";
import { bench, QUICK_MEASURE, tempDir } from "./helpers/cli.js";

/** y = x + h, hn = h + step: a recurrent cell whose output depends on the state it is given; with `sr`, also a scalar int64 input. */
function writeRecurrentModel(file: string, step: number, withSr: boolean): void {
  writeFileSync(
    file,
    encodeModel({
      graphName: "recurrent",
      docString: "",
      nodes: [node("Add", "y", ["x", "h"], ["y"]), node("Add", "hn", ["h", "step"], ["hn"]), ...(withSr ? [node("Identity", "sr", ["sr"], ["sr_out"])] : [])],
      initializers: [tensor("step", "float32", [2], [step, step])],
      inputs: [valueInfo("x", "float32", ["batch", 2]), valueInfo("h", "float32", ["batch", 2]), ...(withSr ? [valueInfo("sr", "int64", [])] : [])],
      outputs: [valueInfo("y", "float32", ["batch", 2]), valueInfo("hn", "float32", ["batch", 2]), ...(withSr ? [valueInfo("sr_out", "int64", [])] : [])],
      metadata: [],
    }),
  );
}

describe("stateful feeding and per-variant inputs", () => {
  const dir = tempDir();
  writeRecurrentModel(path.join(dir, "b.onnx"), 1, false);
  writeRecurrentModel(path.join(dir, "a.onnx"), 2, true);
  const suite = (state: string) =>
    `name: rnn\ntargets:\n  r:\n    kind: onnx\n    variants:\n      b: b.onnx\n      a: { model: a.onnx, inputs: { sr: { fill: 16000 } } }\n    inputs: { h: { fill: zeros } }\n${state}    reference: b\n    accuracy: { samples: 4 }\nmatrix: { batch: [1] }\n${QUICK_MEASURE}`;

  it("the state is carried from call to call: outputs drift apart exactly as the two state updates do", async () => {
    writeFileSync(path.join(dir, "rnn.yaml"), suite("    state: [{ from: hn, to: h }]\n"));
    const r = await bench(["run", path.join(dir, "rnn.yaml"), "--db", path.join(dir, "r.db"), "-q", "--json"]);
    expect(r.code, r.stderr).toBe(0);
    const a = (JSON.parse(r.stdout) as RunResult).cells.find((c) => c.variant === "a");
    // Input sets 1..4 see h = 0, 1, 2, 3 (b) and 0, 2, 4, 6 (a): y differs by 0, 1, 2, 3, hn by 1, 2, 3, 4.
    expect(a?.accuracy?.outputs.y?.maxAbsError).toBeCloseTo(3, 6);
    expect(a?.accuracy?.outputs.y?.meanAbsError).toBeCloseTo(1.5, 6);
    expect(a?.accuracy?.outputs.hn?.maxAbsError).toBeCloseTo(4, 6);
    // The variant's own input: fed to it alone, recorded with its cell.
    expect(a?.inputs?.find((i) => i.name === "sr")).toMatchObject({ dtype: "int64", shape: [], fill: 16000 });
  }, 60_000);

  it("without state, every call sees the fill: the same outputs", async () => {
    writeFileSync(path.join(dir, "flat.yaml"), suite(""));
    const r = await bench(["run", path.join(dir, "flat.yaml"), "--db", path.join(dir, "r.db"), "-q", "--json"]);
    expect(r.code, r.stderr).toBe(0);
    const a = (JSON.parse(r.stdout) as RunResult).cells.find((c) => c.variant === "a");
    expect(a?.accuracy?.outputs.y?.maxAbsError).toBe(0);
  }, 60_000);

  it("a state naming no output, or an input given at target level that one variant lacks, is bad input", async () => {
    writeFileSync(path.join(dir, "bad.yaml"), suite("    state: [{ from: hidden, to: h }]\n"));
    const bad = await bench(["validate", path.join(dir, "bad.yaml")]);
    expect(bad.code).toBe(2);
    expect(bad.stdout + bad.stderr).toMatch(/targets\.r\.state\[0\]\.from: b\.onnx has no output 'hidden' \(its outputs: y, hn\)/);
    writeFileSync(path.join(dir, "shared.yaml"), suite("").replace("inputs: { h: { fill: zeros } }", "inputs: { h: { fill: zeros }, sr: { fill: 16000 } }"));
    const shared = await bench(["validate", path.join(dir, "shared.yaml")]);
    expect(shared.code).toBe(2);
    expect(shared.stdout + shared.stderr).toMatch(/targets\.r\.inputs\.sr: the model has no input 'sr'/);
  });
});
