/**
 * A model's inputs as onnxruntime reads them (onnx.ts inspectModel), kept for the model check of
 * the next run (the fixed cost of `bench run`, docs/perf/cli.md): a hit spares `bench run`'s own
 * process loading onnxruntime and opening a session of every model (~150 ms for the bundled MLP;
 * its trials load them as before). Used only if the file is the same one, unchanged: its absolute
 * path, device, inode, size, modification and change times (the change time moves on every write
 * and cannot be set back), with the same onnxruntime (its packages' package.json), the same
 * onnx.ts and Node. Only a model that loaded is kept: a bad one is inspected, and reported, every
 * time. Where and how: util/private-cache.ts (BENCH_SUITE_CACHE=0 turns it off).
 */
import { createHash } from "node:crypto";
import { statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { ModelInput } from "../inputs/plan.js";
import { readEntry, sha256, stampFile, stampPackage, writeEntry } from "../util/private-cache.js";

/** Bump when ModelInput's shape changes. */
const FORMAT = 1;

let runtime: string | undefined;

function runtimeIdentity(): string {
  if (runtime !== undefined) return runtime;
  const self = fileURLToPath(import.meta.url);
  const root = path.dirname(path.dirname(self));
  const hash = createHash("sha256").update(`${FORMAT} ${process.version} ${process.platform} ${process.arch}\n`);
  stampFile(hash, path.join(root, "runners", `onnx${path.extname(self)}`));
  for (const pkg of ["onnxruntime-node", "onnxruntime-common"]) stampPackage(hash, root, pkg);
  runtime = hash.digest("hex");
  return runtime;
}

function keyOf(absolute: string): string | undefined {
  try {
    const st = statSync(absolute, { bigint: true });
    if (!st.isFile()) return undefined;
    return sha256(JSON.stringify([runtimeIdentity(), absolute, ...[st.dev, st.ino, st.size, st.mtimeNs, st.ctimeNs].map(String)]));
  } catch {
    return undefined;
  }
}

function isModelInputs(value: unknown): value is ModelInput[] {
  return (
    Array.isArray(value) &&
    value.every(
      (i: Partial<ModelInput> | null) =>
        typeof i === "object" && i !== null && typeof i.name === "string" && (i.type === undefined || typeof i.type === "string") && Array.isArray(i.shape),
    )
  );
}

/** `inspect(modelPath)`, or what it returned for this very file before. */
export async function inspectModelCached(modelPath: string, inspect: (modelPath: string) => Promise<ModelInput[]>): Promise<ModelInput[]> {
  const absolute = path.resolve(modelPath);
  const key = keyOf(absolute);
  if (key !== undefined) {
    const hit = readEntry("model", absolute, key);
    if (isModelInputs(hit)) return hit;
  }
  const inputs = await inspect(modelPath);
  // Kept only if the file did not change while it was read.
  if (key !== undefined && keyOf(absolute) === key) writeEntry("model", absolute, key, inputs);
  return inputs;
}
