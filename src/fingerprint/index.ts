import { createHash } from "node:crypto";
import { createReadStream, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { type CpuInfo, type GpuInfo, governor, hardware, type SystemInfo } from "./hardware.js";
import { benchVersion, dependencyVersions, type GitState, gitState, lockfile, packageVersion, speedEnvironment } from "./software.js";

export { benchVersion } from "./software.js";
export type { CpuInfo, Frequency, GpuInfo, SystemInfo } from "./hardware.js";

/**
 * Everything needed to say what was measured on what. Nothing secret goes in here.
 *
 * The fields from `cpu` down were added with the records issue (docs/RECORDS.md): a run stored
 * before has none of them, and every reader treats a missing one as "not recorded".
 */
export interface Fingerprint {
  host: {
    hostname: string;
    cpuModel: string;
    logicalCores: number;
    /** The CPU's base clock (cpu.baseMHz); null when the OS reports none: never a 0 that reads as a clock. Older runs: libuv's number, 0 on a VM. */
    cpuSpeedMHz: number | null;
    memoryBytes: number;
    arch: string;
    platform: string;
    os: string;
    kernel: string;
  };
  runtime: { node: string; v8: string; onnxruntime: string; bench: string };
  /** bench's direct dependencies with their installed versions (older runs: three of them). */
  dependencies: Record<string, string>;
  /** Model files by path relative to the suite file, with their SHA-256. */
  models: Record<string, { sha256: string; bytes: number }>;
  git: GitState | null;
  cpu?: CpuInfo;
  system?: SystemInfo;
  gpus?: GpuInfo[];
  /** The lockfile bench was installed from; null when there is none. */
  lockfile?: { file: string; sha256: string } | null;
  /** The environment variables that change inference speed (OMP_*, MKL_*, ORT_*, …), as set for the run. */
  env?: Record<string, string>;
  /** The suite file as written, by content hash. */
  suite?: { file: string; sha256: string } | null;
  /** Data files (inputs read from files, labels, replayed traces) by path relative to the suite file, with their SHA-256 (older runs: not recorded). */
  data?: Record<string, { sha256: string; bytes: number }>;
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

/** Files keyed by the name to record them under, each with its SHA-256 and size. */
async function hashFiles(files: Readonly<Record<string, string>>): Promise<Record<string, { sha256: string; bytes: number }>> {
  const entries = Object.entries(files).sort(([a], [b]) => a.localeCompare(b));
  const hashed = await Promise.all(entries.map(([, file]) => sha256File(file)));
  return Object.fromEntries(entries.map(([name], i) => [name, hashed[i] as { sha256: string; bytes: number }]));
}

async function hashSuite(file: string | undefined): Promise<Fingerprint["suite"]> {
  if (!file) return null;
  try {
    return { file: path.basename(file), sha256: (await sha256File(file)).sha256 };
  } catch {
    return null;
  }
}

/** How long the last collectFingerprint took and whether the hardware came from this boot's cache (`bench fingerprint` says it). */
export const lastGathering = { ms: 0, hardwareCached: false };

/**
 * The fingerprint of this machine for a run. Its parts are gathered at once: the hardware (cached
 * per boot, hardware.ts), the hashes of the models, the suite and its data files, and git's state (one process).
 *
 * @param models model files keyed by the name to record them under (their path in the suite)
 * @param cwd where to look for the git repository (the suite's directory)
 * @param suiteFile the suite file, hashed as written
 * @param data the suite's data files (suite/resolve.ts dataFiles), keyed like the models
 */
export async function collectFingerprint(
  models: Readonly<Record<string, string>>,
  cwd: string,
  suiteFile?: string,
  data: Readonly<Record<string, string>> = {},
): Promise<Fingerprint> {
  const started = performance.now();
  const [hw, hashed, suite, git, dataHashed] = await Promise.all([
    hardware(),
    hashFiles(models),
    hashSuite(suiteFile),
    gitState(path.resolve(cwd)),
    hashFiles(data),
  ]);
  const { cpu, system, gpus, memoryBytes } = hw.hardware;
  const fingerprint: Fingerprint = {
    host: {
      hostname: os.hostname(),
      cpuModel: os.cpus()[0]?.model.trim() ?? "unknown",
      logicalCores: os.availableParallelism(),
      cpuSpeedMHz: cpu.baseMHz.mhz,
      memoryBytes,
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
    dependencies: dependencyVersions(),
    models: hashed,
    git,
    cpu: { ...cpu, governor: governor() },
    system,
    gpus,
    lockfile: lockfile(),
    env: speedEnvironment(),
    suite,
    data: dataHashed,
  };
  lastGathering.ms = performance.now() - started;
  lastGathering.hardwareCached = hw.cached;
  return fingerprint;
}
