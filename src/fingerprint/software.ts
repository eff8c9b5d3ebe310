import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const run = promisify(execFile);
const requireHere = createRequire(import.meta.url);
/** bench's own package root (dist/fingerprint/ or src/fingerprint/ → ../..). */
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

export function packageVersion(name: string): string {
  // Read from bench's node_modules first: a package whose `exports` hides package.json cannot be require.resolve()d.
  for (const file of [path.join(ROOT, "node_modules", name, "package.json")]) {
    try {
      return (JSON.parse(readFileSync(file, "utf8")) as { version: string }).version;
    } catch {
      // not there: resolve it
    }
  }
  try {
    const pkgPath = requireHere.resolve(`${name}/package.json`);
    return (JSON.parse(readFileSync(pkgPath, "utf8")) as { version: string }).version;
  } catch {
    return "unknown";
  }
}

function ownPackage(): { version: string; dependencies?: Record<string, string> } {
  return JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8")) as { version: string; dependencies?: Record<string, string> };
}

export function benchVersion(): string {
  return ownPackage().version;
}

/** Every direct dependency of bench, with the version installed (not the range package.json asks for). */
export function dependencyVersions(): Record<string, string> {
  const names = Object.keys(ownPackage().dependencies ?? {}).sort();
  return Object.fromEntries(names.map((d) => [d, packageVersion(d)]));
}

/** The lockfile bench was installed from, by content hash; null when installed without one. */
export function lockfile(): { file: string; sha256: string } | null {
  try {
    const bytes = readFileSync(path.join(ROOT, "package-lock.json"));
    return { file: "package-lock.json", sha256: createHash("sha256").update(bytes).digest("hex") };
  } catch {
    return null;
  }
}

/** Environment variables that change how fast inference runs: thread pools, allocators, devices. */
const SPEED_ENV = /^(OMP_|KMP_|MKL_|OPENBLAS_|ORT_|CUDA_VISIBLE_DEVICES$|NODE_OPTIONS$|UV_THREADPOOL_SIZE$)/;

export function speedEnvironment(env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  return Object.fromEntries(
    Object.entries(env)
      .filter((e): e is [string, string] => SPEED_ENV.test(e[0]) && e[1] !== undefined)
      .sort(([a], [b]) => a.localeCompare(b)),
  );
}

export interface GitState {
  commit: string;
  dirty: boolean;
  branch: string | null;
}

/** One `git status --porcelain=v2 --branch` gives the commit, the branch and whether tracked files changed. */
export async function gitState(cwd: string): Promise<GitState | null> {
  try {
    const { stdout } = await run("git", ["status", "--porcelain=v2", "--branch", "--untracked-files=no"], { cwd, encoding: "utf8" });
    const commit = /^# branch\.oid ([0-9a-f]{40,64})$/m.exec(stdout)?.[1];
    if (!commit) return null; // a repository without a commit yet
    const head = /^# branch\.head (.+)$/m.exec(stdout)?.[1];
    return { commit, dirty: stdout.split("\n").some((l) => l !== "" && !l.startsWith("#")), branch: head && head !== "(detached)" ? head : null };
  } catch {
    return null;
  }
}
