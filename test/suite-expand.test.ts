import { describe, expect, it } from "vitest";
import { expandCells, filterCells } from "../src/suite/expand.js";
import { resolveSuite } from "../src/suite/resolve.js";
import type { SuiteSpec } from "../src/suite/schema.js";

const spec: SuiteSpec = {
  name: "s",
  targets: {
    mlp: { kind: "onnx", variants: { fp32: "m/a.onnx", int8: "m/b.onnx" } },
    cnn: { kind: "onnx", variants: { fp32: "m/c.onnx" }, matrix: { batch: [4] } },
  },
  matrix: { batch: [1, 8], providers: ["cpu", "cuda"], threads: [1, 2] },
};

describe("expandCells", () => {
  const suite = resolveSuite(spec, "/suites/s.yaml");
  const cells = expandCells(suite);

  it("crosses target × variant × batch × provider × threads with per-target overrides", () => {
    // mlp: 2 variants × 2 batches × 2 providers × 2 threads; cnn: 1 × 1 × 2 × 2
    expect(cells).toHaveLength(16 + 4);
  });

  it("gives stable, readable ids in the suite's order", () => {
    expect(cells.slice(0, 3).map((c) => c.id)).toEqual(["mlp/fp32/b1/cpu/t1", "mlp/fp32/b1/cpu/t2", "mlp/fp32/b1/cuda/t1"]);
    expect(cells.at(-1)?.id).toBe("cnn/fp32/b4/cuda/t2");
    expect(new Set(cells.map((c) => c.id)).size).toBe(cells.length);
  });

  it("resolves model paths relative to the suite file", () => {
    expect(cells[0]?.variantSpec.modelPath).toBe("/suites/m/a.onnx");
  });

  it("fills defaults: batch 1, cpu, one thread, seed 1", () => {
    const s = resolveSuite({ name: "d", targets: { t: { kind: "onnx", variants: { v: "x.onnx" } } } }, "/d.yaml");
    expect(expandCells(s).map((c) => c.id)).toEqual(["t/v/b1/cpu/t1"]);
    expect(s.seed).toBe(1);
    expect(s.measure.headline).toBe("p50");
  });

  it("merges a target's measurement plan over the suite's", () => {
    const s = resolveSuite(
      { ...spec, measure: { maxTimeMs: 100, warmupIterations: 3 }, targets: { t: { kind: "onnx", variants: { v: "x" }, measure: { maxTimeMs: 900 } } } },
      "/s.yaml",
    );
    expect(s.targets[0]?.measure).toMatchObject({ maxTimeMs: 900, warmupIterations: 3, minIterations: 50 });
    expect(s.measure.maxTimeMs).toBe(100);
  });

  it("deduplicates repeated matrix values", () => {
    const s = resolveSuite({ ...spec, matrix: { batch: [1, 1], threads: [2, 2] } }, "/s.yaml");
    expect(expandCells(s).filter((c) => c.target === "cnn")).toHaveLength(1);
  });
});

describe("filterCells", () => {
  const cells = expandCells(resolveSuite(spec, "/s.yaml"));
  it("selects by prefix and by '*' within a segment", () => {
    expect(filterCells(cells, ["cnn"]).map((c) => c.id)).toEqual(cells.filter((c) => c.target === "cnn").map((c) => c.id));
    expect(filterCells(cells, ["mlp/*/b8/cpu"]).map((c) => c.id)).toEqual([
      "mlp/fp32/b8/cpu/t1",
      "mlp/fp32/b8/cpu/t2",
      "mlp/int8/b8/cpu/t1",
      "mlp/int8/b8/cpu/t2",
    ]);
    expect(filterCells(cells, ["ml"])).toEqual([]);
  });
});
