import { createHash } from "node:crypto";
import { chmodSync, copyFileSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { collectFingerprint, type Fingerprint } from "../../src/fingerprint/index.js";
import type { Store } from "../../src/store/db.js";
import { bench, type BenchResult, ROOT, tempDir } from "./cli.js";

let fingerprint: Fingerprint | undefined;

/** A run as `bench run` creates it, without measuring anything. */
export async function addRun(store: Store, id: string, resolvedSuite: unknown = { name: "s" }, startedAt = new Date().toISOString()): Promise<void> {
  fingerprint ??= await collectFingerprint({}, tmpdir());
  store.createRun({
    id,
    suite: "s",
    suiteFile: "/s.yaml",
    status: "running",
    startedAt,
    finishedAt: null,
    seed: 1,
    order: "interleaved",
    noise: null,
    trials: null,
    benchVersion: "0.0.0",
    fingerprint,
    resolvedSuite,
  });
}

export const sha256 = (file: string) => createHash("sha256").update(readFileSync(file)).digest("hex");

/** A database of bench 0.1 (schema 3, before application_id), made by that bench: two completed runs of one suite. */
export const V3_FIXTURE = path.join(ROOT, "test/fixtures/store/v3.db");

export function copyOfV3(dir: string, name = "v3.db"): string {
  const file = path.join(dir, name);
  copyFileSync(V3_FIXTURE, file);
  return file;
}

/** A small suite the fake runner (`--debug-runner fake`) measures in about a second of CPU. */
export function tinySuite(dir: string, cells = 1, trials = 1): string {
  copyFileSync(path.join(ROOT, "suites/models/mlp-fp32.onnx"), path.join(dir, "m.onnx"));
  const file = path.join(dir, "s.yaml");
  writeFileSync(
    file,
    `name: tiny
targets:
  a: { kind: onnx, variants: { v: m.onnx } }
matrix: { batch: [${Array.from({ length: cells }, (_, i) => i + 1).join(", ")}] }
measure: { warmupIterations: 2, minIterations: 20, maxIterations: 100, minTimeMs: 0, maxTimeMs: 50 }
trials: { min: ${trials}, max: ${trials} }
`,
  );
  return file;
}

export function integrity(file: string): string {
  const db = new Database(file, { readonly: true });
  try {
    return db.pragma("integrity_check", { simple: true }) as string;
  } finally {
    db.close();
  }
}

/**
 * A temporary directory another user may enter. File permissions do not bind root: as root, the
 * read-only tests run bench as `nobody` (uid 65534).
 */
export const asRoot = process.getuid?.() === 0;
export function sharedDir(): string {
  const dir = tempDir("bench-store-");
  chmodSync(dir, 0o755);
  return dir;
}

/** bench as a user for whom 0444 files and 0555 directories are read-only. */
export function benchAsReader(args: string[]): Promise<BenchResult> {
  return bench(args, { env: { HOME: tmpdir() }, ...(asRoot ? { uid: 65534 } : {}) });
}
