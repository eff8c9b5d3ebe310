import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import * as ort from "onnxruntime-node";
import { afterAll, describe, expect, it } from "vitest";
import { onnx } from "../scripts/models/proto.js";

const modelsDir = fileURLToPath(new URL("../suites/models/", import.meta.url));
const workDir = mkdtempSync(join(tmpdir(), "bench-fusion-"));
afterAll(() => rmSync(workDir, { recursive: true, force: true }));

/** Op types of the graph onnxruntime actually runs, at its default optimization level. */
async function optimizedOps(file: string): Promise<string[]> {
  const optimizedModelFilePath = join(workDir, file);
  // logSeverityLevel 3: silence the warning that an "all"-level optimized model is host-specific.
  const session = await ort.InferenceSession.create(join(modelsDir, file), { optimizedModelFilePath, logSeverityLevel: 3 });
  await session.release();
  const graph = onnx.ModelProto.decode(readFileSync(optimizedModelFilePath)).graph ?? {};
  return new onnx.GraphProto(graph).node.map((n) => n.opType ?? "");
}

describe("int8 QDQ models fuse into integer kernels in onnxruntime", () => {
  it("mlp-int8: one QuantizeLinear, then QGemm only", async () => {
    expect(await optimizedOps("mlp-int8.onnx")).toEqual(["QuantizeLinear", "QGemm", "QGemm", "QGemm"]);
  });

  it("cnn-int8: QLinearConv and QGemm, with no float Conv, Gemm or DequantizeLinear left", async () => {
    const ops = await optimizedOps("cnn-int8.onnx");
    expect(ops.filter((op) => op === "QLinearConv")).toHaveLength(3);
    expect(ops).toContain("QGemm");
    for (const op of ["Conv", "Gemm", "DequantizeLinear", "Relu"]) expect(ops).not.toContain(op);
  });
});
