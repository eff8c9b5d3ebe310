/**
 * Suites that loaded before, kept resolved (the fixed cost of `bench run`, docs/perf/cli.md):
 * reading a suite means loading zod and yaml, building the schema and validating, ~250 ms of CPU
 * that the run waits for, for a file that is most often the one it validated last time. A hit
 * returns that suite without loading any of them; anything in doubt is a miss, and a miss loads
 * the file as always (suite/load.ts), so every message and exit code stays what it was. Only a
 * suite that loaded is stored: a bad file is never cached.
 *
 * An entry is found by the suite's absolute path (one entry per file: a new version replaces the
 * old) and used only if all of these are what they were when it was validated:
 * - the file's bytes (sha256) and its absolute path (models and inputs resolve against its directory);
 * - the value of every environment variable the text names as `${NAME…}` (validation checks them);
 * - every other file the resolution read: the traces of `arrival: trace` (their sha256 is in the plan);
 * - bench's build: the size and modification time of every module the loading is made of
 *   (BUILD_DIRS, BUILD_FILES), the package.json of the libraries it uses (PACKAGES), Node's version;
 * - the entry itself: its format, and a sha256 of the stored suite (a torn or corrupt file is a miss).
 *
 * Where: a directory of this user's own under the system's temporary directory (mode 0700; one
 * that another user owns or can write to is not used), like the fingerprint's cache.
 * BENCH_SUITE_CACHE=0 turns it off. A directory that cannot be written costs nothing but the miss.
 */
import { createHash } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { deserialize, serialize } from "node:v8";
import { threadId } from "node:worker_threads";
import type { Env } from "./env.js";
import { fileProblem, MAX_SUITE_BYTES, readCheckedFile } from "./files.js";
import type { ResolvedSuite } from "./resolve.js";

/** Bump when ResolvedSuite's shape or this file's layout changes. */
const FORMAT = 1;

/**
 * What `loadSuite` is made of, relative to the build's root (dist/, or src/ under the tests): the
 * modules it imports, all of them in these directories and files (test/suite-cache.test.ts checks
 * that), and the libraries it imports.
 */
const BUILD_DIRS = ["suite", "stats"];
const BUILD_FILES = ["errors"];
const PACKAGES = ["zod", "yaml", "fastest-levenshtein"];

interface Entry {
  format: number;
  key: string;
  /** Other files the resolution read, with the sha256 of what it read. */
  deps: { file: string; sha256: string }[];
  /** sha256 of `suite`. */
  digest: string;
  /** The resolved suite, v8-serialized (as a worker would send it). */
  suite: Uint8Array;
}

function enabled(env: Env): boolean {
  return env.BENCH_SUITE_CACHE !== "0";
}

/** The cache's directory; created only by storeSuite. */
export function suiteCacheDir(): string {
  return path.join(os.tmpdir(), `bench-suite-cache-${os.userInfo().uid}`);
}

function ownDirectory(dir: string): boolean {
  try {
    const st = statSync(dir);
    return st.isDirectory() && st.uid === os.userInfo().uid && (st.mode & 0o077) === 0;
  } catch {
    return false;
  }
}

function sha256(data: string | Uint8Array): string {
  return createHash("sha256").update(data).digest("hex");
}

let build: string | undefined;

/** bench's build as far as loading a suite goes: computed once per process (~1 ms). */
function buildIdentity(): string {
  if (build !== undefined) return build;
  const self = fileURLToPath(import.meta.url);
  const ext = path.extname(self);
  const root = path.dirname(path.dirname(self));
  const hash = createHash("sha256").update(`${FORMAT} ${process.version} ${ext}\n`);
  const stamp = (file: string) => {
    try {
      const st = statSync(file);
      hash.update(`${file} ${st.size} ${st.mtimeMs}\n`);
    } catch {
      hash.update(`${file} -\n`);
    }
  };
  for (const dir of BUILD_DIRS) {
    for (const name of readdirSync(path.join(root, dir)).sort()) if (name.endsWith(ext)) stamp(path.join(root, dir, name));
  }
  for (const name of BUILD_FILES) stamp(path.join(root, `${name}${ext}`));
  // Where Node finds each package from here: the first node_modules up the tree that has it.
  for (const pkg of PACKAGES) {
    let dir = root;
    for (;;) {
      const file = path.join(dir, "node_modules", pkg, "package.json");
      const parent = path.dirname(dir);
      if (statSafe(file) || parent === dir) {
        stamp(file);
        break;
      }
      dir = parent;
    }
  }
  build = hash.digest("hex");
  return build;
}

function statSafe(file: string): boolean {
  try {
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

/** The entry's file for a suite: one per absolute path. */
function entryFile(absolute: string): string {
  return path.join(suiteCacheDir(), `${sha256(absolute).slice(0, 32)}.v8`);
}

function keyOf(absolute: string, bytes: Uint8Array, env: Env): string {
  const names = [...new Set([...Buffer.from(bytes).toString("utf8").matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)/g)].map((m) => m[1] as string))].sort();
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

function fileSha256(file: string): string | undefined {
  try {
    return sha256(readFileSync(file));
  } catch {
    return undefined;
  }
}

/**
 * The suite `file` resolved to when it last loaded with these bytes, environment and build; a
 * fresh copy, deep-equal to what loadSuite returns now. Undefined when there is any doubt.
 */
export function cachedSuite(file: string, env: Env = process.env): ResolvedSuite | undefined {
  if (!enabled(env) || file === "") return undefined;
  try {
    const dir = suiteCacheDir();
    // Only a directory of this user's own: another user of a shared /tmp cannot plant an entry.
    if (!ownDirectory(dir)) return undefined;
    const absolute = path.resolve(file);
    const bytes = readSuiteBytes(file);
    if (!bytes) return undefined;
    const entry = deserialize(readFileSync(entryFile(absolute))) as Partial<Entry> | null;
    if (typeof entry !== "object" || entry === null || entry.format !== FORMAT || entry.key !== keyOf(absolute, bytes, env)) return undefined;
    if (!(entry.suite instanceof Uint8Array) || !Array.isArray(entry.deps) || entry.digest !== sha256(entry.suite)) return undefined;
    if (!entry.deps.every((d) => typeof d?.file === "string" && fileSha256(d.file) === d.sha256)) return undefined;
    const suite = deserialize(entry.suite) as ResolvedSuite | null;
    return typeof suite === "object" && suite !== null && suite.file === absolute ? suite : undefined;
  } catch {
    return undefined;
  }
}

/** Keeps `suite`, which loadSuite resolved from `bytes` of `file` under `env`, for cachedSuite. Never throws. */
export function storeSuite(file: string, bytes: Uint8Array, suite: ResolvedSuite, env: Env = process.env): void {
  if (!enabled(env) || file === "") return;
  let tmp: string | undefined;
  try {
    const dir = suiteCacheDir();
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    if (!ownDirectory(dir)) return;
    const absolute = path.resolve(file);
    const data = serialize(suite);
    const deps = suite.targets.flatMap((t) => (t.load.trace ? [{ file: t.load.trace.file, sha256: t.load.trace.sha256 }] : []));
    const entry: Entry = { format: FORMAT, key: keyOf(absolute, bytes, env), deps, digest: sha256(data), suite: data };
    const target = entryFile(absolute);
    tmp = `${target}.${process.pid}.${threadId}`;
    writeFileSync(tmp, serialize(entry), { mode: 0o600 });
    renameSync(tmp, target);
    tmp = undefined;
  } catch {
    // a read-only or full tmp: validated again next time
  } finally {
    if (tmp !== undefined) {
      try {
        unlinkSync(tmp);
      } catch {
        // never written
      }
    }
  }
}
