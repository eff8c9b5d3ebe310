import { spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { encodeModel, node, tensor, valueInfo } from "../../scripts/models/proto.js";

export const ROOT = path.resolve(import.meta.dirname, "../..");
export const BIN = path.join(ROOT, "bin/bench");

export interface BenchResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Spawn the built CLI as a user would, without colour. */
export function bench(args: string[], opts: { cwd?: string; env?: Record<string, string>; uid?: number } = {}): Promise<BenchResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: opts.cwd ?? ROOT,
      env: { ...process.env, NO_COLOR: "1", FORCE_COLOR: "0", ...opts.env },
      ...(opts.uid !== undefined ? { uid: opts.uid, gid: opts.uid } : {}),
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

export function tempDir(prefix = "bench-test-"): string {
  return mkdtempSync(path.join(tmpdir(), prefix));
}

/** A measurement plan small enough for tests: two trials, a few hundred milliseconds per cell at most. */
export const QUICK_MEASURE = `
measure:
  warmupIterations: 2
  minIterations: 20
  maxIterations: 600
  minTimeMs: 0
  maxTimeMs: 300
trials: { min: 2, max: 2 }
`;

/**
 * A model that loads fine but fails at run time for any batch but 1: it reshapes its input
 * [batch, 4] to a fixed [1, 4]. The way a real model with a baked-in batch size breaks.
 */
export function writeBatchOneOnlyModel(file: string): void {
  const bytes = encodeModel({
    graphName: "reshape_fixed",
    docString: "fails at run time unless batch is 1",
    nodes: [node("Reshape", "reshape", ["x", "shape"], ["y"])],
    initializers: [tensor("shape", "int64", [2], [1, 4])],
    inputs: [valueInfo("x", "float32", ["batch", 4])],
    outputs: [valueInfo("y", "float32", [1, 4])],
    metadata: [],
  });
  writeFileSync(file, bytes);
}

/** y = x + shift, for x of shape [batch, 4]: a variant off its reference by a known amount. */
export function writeShiftModel(file: string, shift: number): void {
  writeFileSync(
    file,
    encodeModel({
      graphName: "shift",
      docString: "",
      nodes: [node("Add", "add", ["x", "shift"], ["y"])],
      initializers: [tensor("shift", "float32", [4], [shift, shift, shift, shift])],
      inputs: [valueInfo("x", "float32", ["batch", 4])],
      outputs: [valueInfo("y", "float32", ["batch", 4])],
      metadata: [],
    }),
  );
}
