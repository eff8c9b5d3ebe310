import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { createReadStream, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";

/** Everything needed to say what was measured on what. Nothing secret goes in here. */
export interface Fingerprint {
  host: {
    hostname: string;
    cpuModel: string;
    logicalCores: number;
    cpuSpeedMHz: number;
    memoryBytes: number;
    arch: string;
    platform: string;
    os: string;
    kernel: string;
  };
  runtime: { node: string; v8: string; onnxruntime: string; bench: string };
  dependencies: Record<string, string>;
  /** Model files by path relative to the suite file, with their SHA-256. */
  models: Record<string, { sha256: string; bytes: number }>;
  git: { commit: string; dirty: boolean; branch: string | null } | null;
}

const require = createRequire(import.meta.url);

export function packageVersion(name: string): string {
  try {
    const pkgPath = require.resolve(`${name}/package.json`);
    return (JSON.parse(readFileSync(pkgPath, "utf8")) as { version: string }).version;
  } catch {
    return "unknown";
  }
}

export function benchVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {
    version: string;
  };
  return pkg.version;
}

export async function sha256File(file: string): Promise<{ sha256: string; bytes: number }> {
  const hash = createHash("sha256");
  let bytes = 0;
  for await (const chunk of createReadStream(file)) {
    hash.update(chunk as Buffer);
    bytes += (chunk as Buffer).length;
  }
  return { sha256: hash.digest("hex"), bytes };
}

function osName(): string {
  try {
    const release = readFileSync("/etc/os-release", "utf8");
    const pretty = /^PRETTY_NAME="?([^"\n]*)"?/m.exec(release)?.[1];
    if (pretty) return pretty;
  } catch {
    // not Linux, or a minimal container
  }
  return `${os.type()} ${os.release()}`;
}

function git(cwd: string, ...args: string[]): string | undefined {
  try {
    return execFileSync("git", args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
  } catch {
    return undefined;
  }
}

export function gitState(cwd: string): Fingerprint["git"] {
  const commit = git(cwd, "rev-parse", "HEAD");
  if (!commit) return null;
  const status = git(cwd, "status", "--porcelain", "--untracked-files=no");
  const branch = git(cwd, "rev-parse", "--abbrev-ref", "HEAD");
  return { commit, dirty: (status ?? "").length > 0, branch: branch && branch !== "HEAD" ? branch : null };
}

/**
 * @param models model files keyed by the name to record them under (their path in the suite)
 * @param cwd where to look for the git repository (the suite's directory)
 */
export async function collectFingerprint(models: Readonly<Record<string, string>>, cwd: string): Promise<Fingerprint> {
  const cpus = os.cpus();
  const hashed: Fingerprint["models"] = {};
  for (const [name, file] of Object.entries(models).sort(([a], [b]) => a.localeCompare(b))) {
    hashed[name] = await sha256File(file);
  }
  return {
    host: {
      hostname: os.hostname(),
      cpuModel: cpus[0]?.model.trim() ?? "unknown",
      logicalCores: os.availableParallelism(),
      cpuSpeedMHz: cpus[0]?.speed ?? 0,
      memoryBytes: os.totalmem(),
      arch: os.arch(),
      platform: os.platform(),
      os: osName(),
      kernel: os.release(),
    },
    runtime: {
      node: process.versions.node,
      v8: process.versions.v8,
      onnxruntime: packageVersion("onnxruntime-node"),
      bench: benchVersion(),
    },
    dependencies: Object.fromEntries(["onnxruntime-node", "onnxruntime-common", "better-sqlite3"].map((d) => [d, packageVersion(d)])),
    models: hashed,
    git: gitState(path.resolve(cwd)),
  };
}
