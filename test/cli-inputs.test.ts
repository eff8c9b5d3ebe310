import { writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { encodeModel, node, valueInfo } from "../scripts/models/proto.js";
import type { RunResult } from "../src/results.js";
import { bench, QUICK_MEASURE, tempDir } from "./helpers/cli.js";

/** Audio frames [batch, 8] and a scalar int64 sample rate, as a voice-activity model takes them. */
function writeVadLikeModel(file: string): void {
  writeFileSync(
    file,
    encodeModel({
      graphName: "vad",
      docString: "",
      nodes: [node("Relu", "r", ["audio"], ["prob"]), node("Identity", "i", ["sr"], ["sr_out"])],
      initializers: [],
      inputs: [valueInfo("audio", "float32", ["batch", 8]), valueInfo("sr", "int64", [])],
      outputs: [valueInfo("prob", "float32", ["batch", 8]), valueInfo("sr_out", "int64", [])],
      metadata: [],
    }),
  );
}

describe("the inputs a run feeds are visible", () => {
  const dir = tempDir();
  writeVadLikeModel(path.join(dir, "vad.onnx"));
  const suite = (inputs: string) =>
    `name: vad\ntargets:\n  v:\n    kind: onnx\n    variants: { m: vad.onnx }\n${inputs}matrix: { batch: [1, 4] }\n${QUICK_MEASURE}`;

  it("an integer scalar with no fill is a warning naming it (never a silent 0), and --inputs shows every tensor", async () => {
    writeFileSync(path.join(dir, "guess.yaml"), suite(""));
    const r = await bench(["validate", "--inputs", path.join(dir, "guess.yaml")]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/bench: warning: .*guess\.yaml: targets\.v\.inputs\.sr: int64 input with no fill given \(a scalar, fed 0\); set inputs\.sr\.fill/);
    expect(r.stdout).toContain("  v/m/b4\n    audio: float32 [4, 8] random-normal(mean 0, std 1)\n    sr: int64 [] range(low 0, high 100)\n");
    // Given a fill, no warning.
    writeFileSync(path.join(dir, "set.yaml"), suite("    inputs:\n      sr: { fill: 16000 }\n"));
    const set = await bench(["validate", "--inputs", path.join(dir, "set.yaml")]);
    expect(set.stderr).toBe("");
    expect(set.stdout).toContain("    sr: int64 [] constant 16000\n");
  });

  it("every cell of the run's JSON records the tensors it was fed, and the warning is in its notes", async () => {
    const r = await bench(["run", path.join(dir, "guess.yaml"), "--db", path.join(dir, "r.db"), "-q", "--json"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/warning: .*inputs\.sr/);
    const { cells } = JSON.parse(r.stdout) as RunResult;
    const b4 = cells.find((c) => c.batch === 4);
    expect(b4?.inputs).toEqual([
      { name: "audio", dtype: "float32", shape: [4, 8], fill: "random-normal", mean: 0, std: 1, low: 0, high: 1 },
      { name: "sr", dtype: "int64", shape: [], fill: "range", mean: 0, std: 1, low: 0, high: 100 },
    ]);
    expect(b4?.notes.some((n) => n.startsWith("inputs.sr: int64 input with no fill given"))).toBe(true);
  });
});
