/**
 * Small caches of what `bench run` works out before it measures (the resolved suite,
 * suite/cache.ts; a model's inputs, runners/model-cache.ts), so that a run of an unchanged suite
 * skips the work (its fixed cost, docs/perf/cli.md). An entry is a file named by the caller
 * (`id`, one per suite or model) that holds a key of everything the value depends on and the value,
 * v8-serialized, with a sha256 of it: a different key, a torn or corrupt file, any error is a miss
 * (undefined), and the caller then does the work as if there were no cache.
 *
 * Where: a directory of this user's own under the system's temporary directory (mode 0700; one
 * that another user owns or that others can write to is not used: another user of a shared /tmp
 * cannot plant an entry). BENCH_SUITE_CACHE=0 turns these caches off.
 */
import { createHash, type Hash } from "node:crypto";
import { mkdirSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { deserialize, serialize } from "node:v8";
import { threadId } from "node:worker_threads";

/** Bump when the layout of an entry changes. */
const FORMAT = 1;

/** The directory of bench's private caches; created only when an entry is written. */
export function privateCacheDir(): string {
  return path.join(os.tmpdir(), `bench-cache-${os.userInfo().uid}`);
}

/** Whether the caches are on: BENCH_SUITE_CACHE=0 turns them off. */
export function cacheEnabled(env: Readonly<Record<string, string | undefined>> = process.env): boolean {
  return env.BENCH_SUITE_CACHE !== "0";
}

/** A directory this user owns and no one else may read or write: where a cache of bench's may be trusted (another user of a shared /tmp cannot plant an entry). */
export function ownDirectory(dir: string): boolean {
  try {
    const st = statSync(dir);
    return st.isDirectory() && st.uid === os.userInfo().uid && (st.mode & 0o077) === 0;
  } catch {
    return false;
  }
}

export function sha256(data: string | Uint8Array): string {
  return createHash("sha256").update(data).digest("hex");
}

function entryFile(kind: string, id: string): string {
  return path.join(privateCacheDir(), `${kind}-${sha256(id).slice(0, 32)}.v8`);
}

interface Entry {
  format: number;
  key: string;
  digest: string;
  value: Uint8Array;
}

/** The value stored under `kind`/`id` with exactly this `key`; undefined on any doubt. */
export function readEntry(kind: string, id: string, key: string): unknown {
  if (!cacheEnabled()) return undefined;
  try {
    if (!ownDirectory(privateCacheDir())) return undefined;
    const entry = deserialize(readFileSync(entryFile(kind, id))) as Partial<Entry> | null;
    if (typeof entry !== "object" || entry === null || entry.format !== FORMAT || entry.key !== key) return undefined;
    if (!(entry.value instanceof Uint8Array) || entry.digest !== sha256(entry.value)) return undefined;
    return deserialize(entry.value) as unknown;
  } catch {
    return undefined;
  }
}

/** Stores `value` under `kind`/`id` with `key`, replacing what was there. Never throws: a cache that cannot be written is only a miss next time. */
export function writeEntry(kind: string, id: string, key: string, value: unknown): void {
  if (!cacheEnabled()) return;
  let tmp: string | undefined;
  try {
    const dir = privateCacheDir();
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    if (!ownDirectory(dir)) return;
    const data = serialize(value);
    const file = entryFile(kind, id);
    tmp = `${file}.${process.pid}.${threadId}`;
    writeFileSync(tmp, serialize({ format: FORMAT, key, digest: sha256(data), value: data } satisfies Entry), { mode: 0o600 });
    renameSync(tmp, file);
    tmp = undefined;
  } catch {
    // a read-only or full tmp: the work is done again next time
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

/** Adds a file's identity (size, modification time; "-" when it is missing) to `hash`. */
export function stampFile(hash: Hash, file: string): void {
  try {
    const st = statSync(file);
    hash.update(`${file} ${st.size} ${st.mtimeMs}\n`);
  } catch {
    hash.update(`${file} -\n`);
  }
}

/** Adds the package.json of `pkg` where Node finds it from `dir` (the first node_modules up the tree that has it) to `hash`. */
export function stampPackage(hash: Hash, dir: string, pkg: string): void {
  for (let at = dir; ; at = path.dirname(at)) {
    const file = path.join(at, "node_modules", pkg, "package.json");
    let found = false;
    try {
      found = statSync(file).isFile();
    } catch {
      // not here
    }
    if (found || path.dirname(at) === at) return stampFile(hash, file);
  }
}
