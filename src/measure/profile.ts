import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { errorMessage } from "../errors.js";
import type { CellProfile } from "../results.js";
import { onnxRunner } from "../runners/onnx.js";
import type { PlannedCell } from "../suite/expand.js";
import { deriveSeed } from "../util/rng.js";
import { parseProfileTrace } from "./profile-trace.js";

/** Calls before the profiled ones (their events are dropped: first-call allocations), and the profiled calls. */
const PROFILE_WARMUP = 3;
const PROFILE_CALLS = 20;

/**
 * onnxruntime's profiler on each local cell, in a session of its own after the timed trials (so
 * that its per-node timing never touches a timed sample): a few warm-up calls, then
 * PROFILE_CALLS calls whose trace (session option enableProfiling, written when the session ends
 * its profiling) is parsed into per-operator times and the provider of each node. A cell whose
 * profile could not be taken gets the reason instead; the run goes on.
 */
export async function measureProfiles(
  cells: readonly PlannedCell[],
  seed: number,
  signal?: AbortSignal,
): Promise<Map<number, CellProfile | { error: string }>> {
  const result = new Map<number, CellProfile | { error: string }>();
  for (const [index, cell] of cells.entries()) {
    if (signal?.aborted) break;
    if (cell.targetSpec.kind !== "onnx" || cell.load.mode !== "single" || !cell.variantSpec.modelPath) continue;
    // A provider this machine does not have: the cell was skipped, there is nothing to profile.
    if (onnxRunner.unavailable(cell) !== undefined) continue;
    const dir = mkdtempSync(path.join(tmpdir(), "bench-profile-"));
    try {
      const prepared = await onnxRunner.prepare(cell, deriveSeed(seed, "profile"), { enableProfiling: true, profileFilePrefix: path.join(dir, "ort") });
      try {
        for (let i = 0; i < PROFILE_WARMUP + PROFILE_CALLS; i++) await prepared.call();
      } finally {
        // Releasing the session ends its profiling and writes the trace.
        await prepared.release();
      }
      const file = readdirSync(dir).find((f) => f.endsWith(".json"));
      if (!file) throw new Error("onnxruntime wrote no profile");
      result.set(index, parseProfileTrace(JSON.parse(readFileSync(path.join(dir, file), "utf8")), cell.provider, PROFILE_WARMUP));
    } catch (err) {
      result.set(index, { error: `not profiled: ${errorMessage(err).split("\n")[0] ?? ""}` });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  return result;
}
