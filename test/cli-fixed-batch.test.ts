import { writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { encodeModel, node, valueInfo } from "../scripts/models/proto.js";
import { bench, QUICK_MEASURE, tempDir } from "./helpers/cli.js";

describe("a model whose batch dimension is fixed", () => {
  it("is refused at validate time for batch 8, naming the input's fixed shape; batch 1 validates", async () => {
    const dir = tempDir();
    writeFileSync(
      path.join(dir, "fixed.onnx"),
      encodeModel({
        graphName: "fixed",
        docString: "",
        nodes: [node("Relu", "r", ["x"], ["y"])],
        initializers: [],
        inputs: [valueInfo("x", "float32", [1, 25, 96])],
        outputs: [valueInfo("y", "float32", [1, 25, 96])],
        metadata: [],
      }),
    );
    const suite = (batch: string) =>
      `name: fixed\ntargets:\n  m:\n    kind: onnx\n    variants: { v: fixed.onnx }\nmatrix: { batch: ${batch} }\n${QUICK_MEASURE}`;
    writeFileSync(path.join(dir, "b8.yaml"), suite("[1, 8]"));
    writeFileSync(path.join(dir, "b1.yaml"), suite("[1]"));
    const bad = await bench(["validate", path.join(dir, "b8.yaml")]);
    expect(bad.code).toBe(2);
    expect(bad.stdout + bad.stderr).toMatch(/targets\.m\.matrix\.batch: batch 8 cannot be fed: no input of the model has a batch axis \(x \[1, 25, 96\]/);
    expect((await bench(["validate", path.join(dir, "b1.yaml")])).code).toBe(0);
  });
});
