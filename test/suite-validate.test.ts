import { describe, expect, it } from "vitest";
import { validateSuiteDocument } from "../src/suite/validate.js";

const valid = {
  name: "s",
  targets: { mlp: { kind: "onnx", variants: { fp32: "models/mlp.onnx" } } },
};

describe("validateSuiteDocument", () => {
  it("accepts a minimal suite", () => {
    const r = validateSuiteDocument(valid);
    expect(r.errors).toEqual([]);
    expect(r.suite?.name).toBe("s");
  });

  it("names an unknown key with its full path", () => {
    const r = validateSuiteDocument({ ...valid, measure: { warmpu: 3 } });
    expect(r.errors).toEqual(['measure.warmpu: unknown key; did you mean "warmupIterations"?']);
  });

  it("names a wrong type with its path and what was expected", () => {
    const r = validateSuiteDocument({ ...valid, matrix: { batch: [1, "eight"] } });
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0]).toMatch(/^matrix\.batch\[1\]: expected a number, received a string \("eight"\)$/);
  });

  it("reports a missing required key", () => {
    const r = validateSuiteDocument({ targets: valid.targets });
    expect(r.errors).toEqual(["name: missing; expected a string"]);
  });

  it("collects every problem, not just the first", () => {
    const r = validateSuiteDocument({
      name: "bad name!",
      targets: { mlp: { kind: "onnx", variants: { fp32: 3 }, graphOptimization: "max" } },
      matrix: { threads: [0] },
    });
    expect(r.errors.length).toBeGreaterThanOrEqual(4);
    expect(r.errors.some((e) => e.startsWith("name:"))).toBe(true);
    expect(r.errors.some((e) => e.startsWith("targets.mlp.variants.fp32:"))).toBe(true);
    expect(r.errors.some((e) => e.startsWith("targets.mlp.graphOptimization:"))).toBe(true);
    expect(r.errors.some((e) => e.startsWith("matrix.threads[0]:"))).toBe(true);
  });

  it("rejects an unknown fill and an unknown provider", () => {
    const r = validateSuiteDocument({
      ...valid,
      targets: { mlp: { ...valid.targets.mlp, inputs: { x: { fill: "gaussian" } } } },
      matrix: { providers: ["tpu"] },
    });
    expect(r.errors.some((e) => e.startsWith("targets.mlp.inputs.x.fill:"))).toBe(true);
    expect(r.errors.some((e) => e.startsWith("matrix.providers[0]:"))).toBe(true);
  });

  it("rejects an impossible measurement plan", () => {
    const r = validateSuiteDocument({ ...valid, measure: { minIterations: 100, maxIterations: 10 } });
    expect(r.errors).toEqual(["measure.minIterations: 100 is above maxIterations (10)"]);
    const t = validateSuiteDocument({
      ...valid,
      measure: { minTimeMs: 500 },
      targets: { mlp: { ...valid.targets.mlp, measure: { maxTimeMs: 100 } } },
    });
    expect(t.errors).toEqual(["targets.mlp.measure.minTimeMs: 500 is above maxTimeMs (100)"]);
  });

  it("checks that compare names two variants or two targets of the suite", () => {
    const two = { ...valid, targets: { mlp: { kind: "onnx", variants: { fp32: "a.onnx", int8: "b.onnx" } } } };
    expect(validateSuiteDocument({ ...two, compare: { base: "fp32", head: "int8" } }).errors).toEqual([]);
    expect(validateSuiteDocument({ ...two, compare: { base: "fp32", head: "fp16" } }).errors).toEqual([
      "compare.head: 'fp16' is neither a variant (fp32, int8) nor a target (mlp)",
    ]);
    expect(validateSuiteDocument({ ...two, compare: { base: "mlp", head: "int8" } }).errors).toEqual([
      "compare: base 'mlp' and head 'int8' must both be variants or both targets",
    ]);
  });

  it("rejects a suite without targets or variants", () => {
    expect(validateSuiteDocument({ name: "s", targets: {} }).errors).toEqual(["targets: expected at least one target"]);
    const r = validateSuiteDocument({ name: "s", targets: { t: { kind: "onnx", variants: {} } } });
    expect(r.errors[0]).toMatch(/^targets\.t\.variants: expected at least one variant/);
  });
});
