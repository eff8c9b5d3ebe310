import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateModels } from "../scripts/models/catalog.js";
import { DECODER_FILE } from "../scripts/models/decoder.js";
import { onnx } from "../scripts/models/proto.js";

const root = fileURLToPath(new URL("..", import.meta.url));
const committedDir = join(root, "suites/models");
const expectedFiles = [...generateModels().map((m) => m.fileName), DECODER_FILE];

describe("npm run models", () => {
  let outDir = "";
  beforeAll(() => {
    outDir = mkdtempSync(join(tmpdir(), "bench-models-"));
    execFileSync(process.execPath, ["--import", "tsx", "scripts/generate-models.ts", outDir], {
      cwd: root,
      stdio: "pipe",
    });
  });
  afterAll(() => rmSync(outDir, { recursive: true, force: true }));

  it("writes the six models, the wider MLP and the decoder, and suites/models holds exactly those", () => {
    expect(expectedFiles).toHaveLength(8);
    expect(readdirSync(outDir).sort()).toEqual([...expectedFiles].sort());
    const committed = readdirSync(committedDir).filter((f) => f.endsWith(".onnx"));
    expect(committed.sort()).toEqual([...expectedFiles].sort());
  });

  it.each(expectedFiles)("regenerates %s byte-identical to the committed file", (file) => {
    const fresh = readFileSync(join(outDir, file));
    const committed = readFileSync(join(committedDir, file));
    expect(fresh.equals(committed)).toBe(true);
  });
});

describe.each(generateModels())("$fileName", ({ bytes, spec, variant }) => {
  const model = onnx.ModelProto.decode(bytes);
  const graph = new onnx.GraphProto(model.graph ?? {});
  const DataType = onnx.TensorProto.DataType;
  const tensorTypes = new Set(graph.initializer.map((t) => t.dataType));

  it("is under 2 MB", () => {
    expect(bytes.length).toBeLessThan(2 * 1024 * 1024);
  });

  it("declares IR 8, opset 17, producer and metadata", () => {
    expect(Number(model.irVersion)).toBe(8);
    expect(model.opsetImport.map((o) => [o.domain, Number(o.version)])).toEqual([["", 17]]);
    expect(model.producerName).toBe("bench-models");
    expect(model.docString).not.toBe("");
    const meta = Object.fromEntries(model.metadataProps.map((p) => [p.key, p.value]));
    expect(meta).toMatchObject({ "bench.model": spec.name, "bench.variant": variant });
  });

  it("stores its weights in the variant's precision", () => {
    if (variant === "fp32") expect([...tensorTypes]).toEqual([DataType.FLOAT]);
    if (variant === "fp16") {
      expect([...tensorTypes]).toEqual([DataType.FLOAT16]);
      expect(graph.node.filter((n) => n.opType === "Cast")).toHaveLength(2);
    }
    if (variant === "int8") {
      // Float tensors are only the scalar scales; weights are int8, biases int32.
      for (const t of graph.initializer) {
        if (t.dataType === DataType.FLOAT) expect(t.dims).toEqual([]);
      }
      expect(tensorTypes).toEqual(new Set([DataType.FLOAT, DataType.UINT8, DataType.INT8, DataType.INT32]));
    }
  });
});
