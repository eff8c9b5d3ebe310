import { describe, expect, it } from "vitest";
import { compareEnvironments, ENV_FIELDS } from "../src/compare/env.js";
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
