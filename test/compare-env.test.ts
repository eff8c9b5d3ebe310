import { describe, expect, it } from "vitest";
import { compareEnvironments, ENV_FIELDS, fingerprintDifferences, mustMatchDifferences, toleranceClass } from "../src/compare/env.js";
import type { Fingerprint } from "../src/fingerprint/index.js";
import { FINGERPRINT } from "./fixtures/runs/sample-run.js";

/** The sample fingerprint with some host or runtime fields changed. */
function changed(host: Partial<Fingerprint["host"]> = {}, runtime: Partial<Fingerprint["runtime"]> = {}, rest: Partial<Fingerprint> = {}): Fingerprint {
  return { ...FINGERPRINT, host: { ...FINGERPRINT.host, ...host }, runtime: { ...FINGERPRINT.runtime, ...runtime }, ...rest };
}

const SAME_MODEL = [{ cell: "cls/fp32/b8/cpu/t2", base: "models/cls-fp32.onnx", head: "models/cls-fp32.onnx" }];

describe("compareEnvironments", () => {
  it("finds nothing between identical fingerprints", () => {
    expect(compareEnvironments(FINGERPRINT, structuredClone(FINGERPRINT), {}, SAME_MODEL)).toEqual([]);
  });

  it("reports must and warn differences by default, in field order, values as strings", () => {
    const head = changed({ cpuModel: "Other CPU", logicalCores: 4, hostname: "ci-7" }, { node: "22.0.0" });
    expect(compareEnvironments(FINGERPRINT, head)).toEqual([
      { field: "cpuModel", tolerance: "must", base: "Test CPU 3000", head: "Other CPU" },
      { field: "logicalCores", tolerance: "must", base: "8", head: "4" },
      { field: "hostname", tolerance: "warn", base: "bench-host", head: "ci-7" },
      { field: "node", tolerance: "warn", base: "20.0.0", head: "22.0.0" },
    ]);
  });

  it("ignores the fields whose default is ignore: the CPU's current clock and the git commit", () => {
    const head = changed({ cpuSpeedMHz: 3100 }, {}, { git: { commit: "f".repeat(40), dirty: false, branch: "feature" } });
    expect(ENV_FIELDS.cpuSpeedMHz.tolerance).toBe("ignore");
    expect(compareEnvironments(FINGERPRINT, head)).toEqual([]);
  });

  it("lets the suite raise, lower or silence a field's tolerance", () => {
    const head = changed({ cpuModel: "Other CPU", cpuSpeedMHz: 3100, kernel: "6.9" }, { node: "22.0.0" });
    expect(compareEnvironments(FINGERPRINT, head, { cpuModel: "warn", cpuSpeedMHz: "must", kernel: "ignore", node: "must" })).toEqual([
      { field: "cpuModel", tolerance: "warn", base: "Test CPU 3000", head: "Other CPU" },
      { field: "cpuSpeedMHz", tolerance: "must", base: "2400", head: "3100" },
      { field: "node", tolerance: "must", base: "20.0.0", head: "22.0.0" },
    ]);
  });

  it("compares git state as a short commit and a dirty mark, and a missing one as null", () => {
    const head = changed({}, {}, { git: null });
    expect(compareEnvironments(FINGERPRINT, head, { git: "warn" })).toEqual([{ field: "git", tolerance: "warn", base: "0123456789ab+dirty", head: "null" }]);
  });

  describe("model files", () => {
    const otherModel = changed({}, {}, { models: { ...FINGERPRINT.models, "models/cls-fp32.onnx": { sha256: "c".repeat(64), bytes: 1 } } });

    it("a changed model of a matched cell matters by default, shown by a short hash", () => {
      expect(compareEnvironments(FINGERPRINT, otherModel, {}, SAME_MODEL)).toEqual([
        { field: "models.models/cls-fp32.onnx", tolerance: "must", base: "sha256:aaaaaaaaaaaa", head: "sha256:cccccccccccc" },
      ]);
    });

    it("names both files when the cells use different ones, and says each pair once", () => {
      const pairs = [
        { cell: "a", base: "models/cls-fp32.onnx", head: "models/cls-int8.onnx" },
        { cell: "b", base: "models/cls-fp32.onnx", head: "models/cls-int8.onnx" },
      ];
      expect(compareEnvironments(FINGERPRINT, FINGERPRINT, {}, pairs)).toEqual([
        { field: "models.models/cls-fp32.onnx → models/cls-int8.onnx", tolerance: "must", base: "sha256:aaaaaaaaaaaa", head: "sha256:bbbbbbbbbbbb" },
      ]);
    });

    it("follows the suite's models tolerance, down to ignore", () => {
      expect(compareEnvironments(FINGERPRINT, otherModel, { models: "warn" }, SAME_MODEL)[0]?.tolerance).toBe("warn");
      expect(compareEnvironments(FINGERPRINT, otherModel, { models: "ignore" }, SAME_MODEL)).toEqual([]);
    });

    it("says nothing of a model missing from either fingerprint, or of cells without a pair", () => {
      const missing = [{ cell: "x", base: "models/gone.onnx", head: "models/cls-fp32.onnx" }];
      expect(compareEnvironments(FINGERPRINT, otherModel, {}, missing)).toEqual([]);
      expect(compareEnvironments(FINGERPRINT, otherModel)).toEqual([]);
    });
  });
});

describe("the full fingerprint's fields and their tolerance classes", () => {
  const full: Fingerprint = {
    ...FINGERPRINT,
    dependencies: { "onnxruntime-node": "1.30.0", zod: "4.6.7" },
    cpu: {
      vendor: "Test",
      brand: "CPU 3000",
      physicalCores: 4,
      logicalCores: 8,
      baseMHz: { mhz: 2400, source: "/proc/cpuinfo cpu MHz" },
      maxMHz: { mhz: null, source: null, reason: "not reported" },
      flags: ["avx2", "fma"],
      caches: { l1dBytes: 32768, l1iBytes: 32768, l2Bytes: 1048576, l3Bytes: 16777216 },
      governor: { value: "performance" },
    },
    system: { virtualization: null, container: null, model: null },
    gpus: [],
    lockfile: { file: "package-lock.json", sha256: "d".repeat(64) },
    env: { OMP_NUM_THREADS: "4" },
    suite: { file: "s.yaml", sha256: "e".repeat(64) },
  };

  it("classes each field: must-match, should-match or informational, under the suite's overrides", () => {
    expect(toleranceClass("cpuFlags")).toBe("must-match");
    expect(toleranceClass("onnxruntime")).toBe("must-match");
    expect(toleranceClass("models.m.onnx")).toBe("must-match");
    expect(toleranceClass("env.OMP_NUM_THREADS")).toBe("should-match");
    expect(toleranceClass("dependencies.zod")).toBe("should-match");
    expect(toleranceClass("cpuSpeedMHz")).toBe("informational");
    expect(toleranceClass("git")).toBe("informational");
    expect(toleranceClass("no-such-field")).toBe("informational");
    expect(toleranceClass("env.OMP_NUM_THREADS", { env: "must" })).toBe("must-match");
    expect(toleranceClass("cpuFlags", { cpuFlags: "ignore" })).toBe("informational");
  });

  it("finds each changed field with its class, map fields key by key, informational ones included", () => {
    const head: Fingerprint = {
      ...full,
      cpu: { ...(full.cpu as NonNullable<Fingerprint["cpu"]>), flags: ["avx2", "avx512f", "fma"], baseMHz: { mhz: 2600, source: "x" } },
      host: { ...full.host, cpuSpeedMHz: 2600 },
      env: { OMP_NUM_THREADS: "2", MKL_NUM_THREADS: "1" },
      dependencies: { "onnxruntime-node": "1.30.0", zod: "4.7.0" },
    };
    expect(fingerprintDifferences(full, head).map((d) => [d.field, d.class, d.base, d.head])).toEqual([
      ["cpuFlags", "must-match", "avx2, fma", "avx2, avx512f, fma"],
      ["cpuSpeedMHz", "informational", "2400", "2600"],
      ["dependencies.zod", "should-match", "4.6.7", "4.7.0"],
      ["env.MKL_NUM_THREADS", "should-match", "(unset)", "1"],
      ["env.OMP_NUM_THREADS", "should-match", "4", "2"],
    ]);
    expect(mustMatchDifferences(full, head).map((d) => d.field)).toEqual(["cpuFlags"]);
    // bench diff shows what matters: not the informational clock.
    expect(compareEnvironments(full, head).map((d) => d.field)).toEqual(["cpuFlags", "dependencies.zod", "env.MKL_NUM_THREADS", "env.OMP_NUM_THREADS"]);
  });

  it("an older run without the new fields still compares: they are 'not recorded', never a difference that matters", () => {
    const diffs = fingerprintDifferences(FINGERPRINT, full);
    const physical = diffs.find((d) => d.field === "physicalCores");
    expect(physical).toMatchObject({ class: "must-match", base: "(not recorded)", head: "4", recorded: false });
    expect(diffs.find((d) => d.field === "env")).toMatchObject({ base: "(not recorded)", head: "1 recorded", recorded: false });
    expect(diffs.find((d) => d.field === "dependencies.zod")).toMatchObject({ base: "(not recorded)", head: "4.6.7", recorded: false });
    expect(compareEnvironments(FINGERPRINT, full)).toEqual([]);
    expect(mustMatchDifferences(FINGERPRINT, full)).toEqual([]);
  });

  it("compares models by name when no cells are matched (fingerprint --diff, merge)", () => {
    const head: Fingerprint = { ...full, models: { "models/cls-fp32.onnx": { sha256: "f".repeat(64), bytes: 1 } } };
    expect(fingerprintDifferences(full, head).map((d) => [d.field, d.base, d.head])).toEqual([
      ["models.models/cls-fp32.onnx", "sha256:aaaaaaaaaaaa", "sha256:ffffffffffff"],
      ["models.models/cls-int8.onnx", "sha256:bbbbbbbbbbbb", "(absent)"],
    ]);
  });
});
