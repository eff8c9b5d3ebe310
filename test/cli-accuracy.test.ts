import { writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import type { RunResult } from "../src/results.js";
import { bench, QUICK_MEASURE, tempDir, writeShiftModel } from "./helpers/cli.js";

describe("accuracy against a reference variant", () => {
  const dir = tempDir();
  writeShiftModel(path.join(dir, "ref.onnx"), 0);
  writeShiftModel(path.join(dir, "off.onnx"), 0.01);
  const suite = (reference: string) =>
    `name: acc\ntargets:\n  m:\n    kind: onnx\n    variants: { ref: ref.onnx, off: off.onnx }\n    reference: ${reference}\n    accuracy: { samples: 4 }\nmatrix: { batch: [2] }\n${QUICK_MEASURE}`;

  it("a variant off by a known amount reports that amount; the reference's own cell has none", async () => {
    writeFileSync(path.join(dir, "acc.yaml"), suite("ref"));
    const r = await bench(["run", path.join(dir, "acc.yaml"), "--db", path.join(dir, "r.db"), "-q", "--json"]);
    expect(r.code, r.stderr).toBe(0);
    const { cells } = JSON.parse(r.stdout) as RunResult;
    const off = cells.find((c) => c.variant === "off");
    expect(cells.find((c) => c.variant === "ref")?.accuracy).toBeNull();
    expect(off?.accuracy).toMatchObject({ reference: "ref", inputs: 4 });
    const y = off?.accuracy?.outputs.y;
    expect(y?.elements).toBe(4 * 2 * 4);
    expect(y?.maxAbsError).toBeCloseTo(0.01, 6);
    expect(y?.meanAbsError).toBeCloseTo(0.01, 6);
    // And the terminal view shows it.
    const shown = await bench(["show", "latest", "--db", path.join(dir, "r.db")]);
    expect(shown.stdout).toMatch(/m\/off\/b2 vs ref\s+│ y\s+│\s+0\.0100/);
  });

  it("regression.accuracy limits fail a gated run whatever the latency did, and pass when met", async () => {
    const gated = (limit: number) =>
      suite("ref").replace("matrix: { batch: [2] }", `matrix: { batch: [2] }\nregression: { accuracy: { maxAbsError: ${limit} } }`);
    writeFileSync(path.join(dir, "tight.yaml"), gated(0.001));
    const tight = await bench(["run", path.join(dir, "tight.yaml"), "--db", path.join(dir, "g.db"), "-q", "--fail-on-regression"]);
    expect(tight.code, tight.stderr).toBe(1);
    expect(tight.stderr).toMatch(/bench: accuracy limit: acc: m\/off\/b2\/cpu\/t1 y vs ref: max \|error\| 0\.0100 is above the limit 0\.001/);
    writeFileSync(path.join(dir, "loose.yaml"), gated(0.1));
    const loose = await bench(["run", path.join(dir, "loose.yaml"), "--db", path.join(dir, "g.db"), "-q", "--fail-on-regression"]);
    expect(loose.code, loose.stderr).toBe(0);
    // Not gated: the limit is only reported through the numbers.
    expect((await bench(["run", path.join(dir, "tight.yaml"), "--db", path.join(dir, "g.db"), "-q"])).code).toBe(0);
  }, 60_000);

  it("a reference that is not a variant of the target is bad input", async () => {
    writeFileSync(path.join(dir, "bad.yaml"), suite("fp32"));
    const r = await bench(["validate", path.join(dir, "bad.yaml")]);
    expect(r.code).toBe(2);
    expect(r.stdout + r.stderr).toMatch(/targets\.m\.reference: 'fp32' is not a variant of this target \(its variants: ref, off\)/);
  });
});
