/**
 * Suites that loaded before, kept resolved (the fixed cost of `bench run`, docs/perf/cli.md):
 * reading a suite means loading zod and yaml, building the schema and validating, ~250 ms of CPU
 * that the run waits for, for a file that is most often the one it validated last time. A hit
 * returns that suite without loading any of them; anything in doubt is a miss, and a miss loads
 * the file as always (suite/load.ts), so every message and exit code stays what it was. Only a
 * suite that loaded is stored: a bad file is never cached.
 *
 * An entry is found by the suite's absolute path (one per file: a new version replaces the old)
 * and used only if all of these are what they were when it was validated:
 * - the file's bytes (sha256) and its absolute path (models and inputs resolve against its directory);
 * - the value of every environment variable the text names as `${NAME…}` (validation checks them);
 * - every other file the resolution read: the traces of `arrival: trace` (their sha256 is in the plan);
 * - bench's build: the size and modification time of every module the loading is made of
 *   and the package.json of the libraries it uses (SUITE_BUILD), Node's version.
 * Where and how entries are kept: util/private-cache.ts (BENCH_SUITE_CACHE=0 turns it off).
 */
import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { cacheEnabled, readEntry, sha256, stampFile, stampPackage, writeEntry } from "../util/private-cache.js";
import type { Env } from "./env.js";
import { fileProblem, MAX_SUITE_BYTES, readCheckedFile } from "./files.js";
import type { ResolvedSuite } from "./resolve.js";

/** Bump when ResolvedSuite's shape changes in a way the build's identity would not show. */
const FORMAT = 1;

/**
 * What `loadSuite` is made of, relative to the build's root (dist/, or src/ under the tests): the
 * modules it imports, all of them in these directories and files (test/suite-cache.test.ts checks
 * that), and the libraries it imports.
 */
export const SUITE_BUILD = { dirs: ["suite", "stats"], files: ["errors"], packages: ["zod", "yaml", "fastest-levenshtein"] } as const;

interface Stored {
  /** Other files the resolution read, with the sha256 of what it read. */
  deps: { file: string; sha256: string }[];
  suite: ResolvedSuite;
}

/** bench's build as far as loading a suite goes (~1 ms: a stat of ~50 files). */
function buildIdentity(): string {
  const self = fileURLToPath(import.meta.url);
  const ext = path.extname(self);
  const root = path.dirname(path.dirname(self));
  const hash = createHash("sha256").update(`${FORMAT} ${process.version} ${ext}\n`);
  for (const dir of SUITE_BUILD.dirs) {
    for (const name of readdirSync(path.join(root, dir)).sort()) if (name.endsWith(ext)) stampFile(hash, path.join(root, dir, name));
  }
  for (const name of SUITE_BUILD.files) stampFile(hash, path.join(root, `${name}${ext}`));
  for (const pkg of SUITE_BUILD.packages) stampPackage(hash, root, pkg);
  return hash.digest("hex");
}

function keyOf(absolute: string, bytes: Uint8Array, env: Env): string {
  // Every name the text references, wherever it stands: more than validation reads, never less.
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("utf8");
  const names = [...new Set([...text.matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)/g)].map((m) => m[1] as string))].sort();
  return sha256(JSON.stringify([buildIdentity(), absolute, sha256(bytes), names.map((n) => [n, env[n] ?? null])]));
}

/** The suite's bytes as loadSuite would read them, or undefined if it would complain about the file. */
function readSuiteBytes(file: string): Buffer | undefined {
  if (fileProblem(file, "suite", MAX_SUITE_BYTES) !== undefined) return undefined;
  try {
    const bytes = readCheckedFile(file, "suite", MAX_SUITE_BYTES);
    return bytes.length > MAX_SUITE_BYTES ? undefined : bytes;
  } catch {
    return undefined;
  }
}

function isStored(value: unknown): value is Stored {
  if (typeof value !== "object" || value === null) return false;
  const { deps, suite } = value as Record<string, unknown>;
  const isDep = (d: unknown) => typeof d === "object" && d !== null && typeof (d as Record<string, unknown>).file === "string";
  return Array.isArray(deps) && deps.every(isDep) && typeof suite === "object" && suite !== null;
}

function fileSha256(file: string): string | undefined {
  try {
    return sha256(readFileSync(file));
  } catch {
    return undefined;
  }
}

/**
 * The suite `file` resolved to when it last loaded with these bytes, environment and build: a
 * fresh copy, deep-equal to what loadSuite returns now. Undefined when there is any doubt.
 */
export function cachedSuite(file: string, env: Env = process.env): ResolvedSuite | undefined {
  if (!cacheEnabled(env) || file === "") return undefined;
  try {
    const absolute = path.resolve(file);
    const bytes = readSuiteBytes(file);
    if (!bytes) return undefined;
    const stored = readEntry("suite", absolute, keyOf(absolute, bytes, env));
    if (!isStored(stored) || stored.suite.file !== absolute) return undefined;
    return stored.deps.every((d) => fileSha256(d.file) === d.sha256) ? stored.suite : undefined;
  } catch {
    return undefined;
  }
}

/** Keeps `suite`, which loadSuite resolved from `bytes` of `file` under `env`, for cachedSuite. Never throws. */
export function storeSuite(file: string, bytes: Uint8Array, suite: ResolvedSuite, env: Env = process.env): void {
  if (!cacheEnabled(env) || file === "") return;
  try {
    const absolute = path.resolve(file);
    const deps = suite.targets.flatMap((t) => (t.load.trace ? [{ file: t.load.trace.file, sha256: t.load.trace.sha256 }] : []));
    writeEntry("suite", absolute, keyOf(absolute, bytes, env), { deps, suite } satisfies Stored);
  } catch {
    // not kept: validated again next time
  }
}
