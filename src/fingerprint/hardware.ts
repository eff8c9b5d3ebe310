import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { ownDirectory } from "../util/private-cache.js";

/** A frequency as the OS reports it, or null with the reason: never a 0 that reads as a clock. */
export interface Frequency {
  mhz: number | null;
  /** Where the number came from: systeminformation, /proc/cpuinfo (cpu MHz), sysfs cpufreq. */
  source: string | null;
  reason?: string;
}

export interface CpuInfo {
  vendor: string;
  brand: string;
  physicalCores: number;
  logicalCores: number;
  /** The base (nominal) clock; on a VM without cpufreq, /proc/cpuinfo's "cpu MHz" (the host's TSC rate). */
  baseMHz: Frequency;
  maxMHz: Frequency;
  /** Of the instruction-set extensions that change inference kernels, those this CPU has (lower case, sorted). */
  flags: string[];
  caches: { l1dBytes: number | null; l1iBytes: number | null; l2Bytes: number | null; l3Bytes: number | null };
  /** The cpufreq scaling governor (performance, powersave, …), read at each run: it can change without a reboot. */
  governor: { value: string | null; reason?: string };
}

export interface SystemInfo {
  /** The hypervisor (KVM, VMware, …), null on bare metal or when unknown. */
  virtualization: string | null;
  /** docker, podman, kubernetes, lxc, containerd; null when none is seen. */
  container: string | null;
  /** The machine's model as DMI reports it ("Docker Container", a server's product name), null when empty. */
  model: string | null;
}

export interface GpuInfo {
  vendor: string;
  model: string;
  driver: string | null;
  memoryMB: number | null;
}

/** The part of the fingerprint that does not change while the machine is up: gathered once per boot. */
export interface Hardware {
  cpu: Omit<CpuInfo, "governor">;
  memoryBytes: number;
  system: SystemInfo;
  gpus: GpuInfo[];
}

/** x86 and Arm extensions that onnxruntime's kernels (MLAS) dispatch on. */
const INFERENCE_FLAGS = [
  "sse4_1",
  "sse4_2",
  "avx",
  "avx2",
  "fma",
  "f16c",
  "avx512f",
  "avx512bw",
  "avx512dq",
  "avx512vl",
  "avx512cd",
  "avx512_vnni",
  "avx512_bf16",
  "avx512_fp16",
  "avx_vnni",
  "amx_tile",
  "amx_int8",
  "amx_bf16",
  "amx_fp16",
  "neon",
  "asimddp",
  "asimdhp",
  "i8mm",
  "bf16",
  "sve",
  "sve2",
];

/** The inference-relevant flags of a CPU's flag list (/proc/cpuinfo's spelling; Arm's asimd is NEON). */
export function inferenceFlags(all: string, arch: string): string[] {
  const have = new Set(all.toLowerCase().split(/\s+/));
  if (have.has("asimd") || arch === "arm64") have.add("neon");
  if (have.has("avx512vnni")) have.add("avx512_vnni");
  return INFERENCE_FLAGS.filter((f) => have.has(f)).sort();
}

function readText(file: string): string | undefined {
  try {
    return readFileSync(file, "utf8");
  } catch {
    return undefined;
  }
}

/** The first "cpu MHz" of /proc/cpuinfo: what Linux reports where systeminformation and libuv say 0 (a VM without cpufreq). */
export function cpuinfoMHz(text: string | undefined): number | null {
  const mhz = text === undefined ? NaN : Number(/^cpu MHz\s*:\s*([\d.]+)/m.exec(text)?.[1]);
  return Number.isFinite(mhz) && mhz > 0 ? Math.round(mhz) : null;
}

const CPUFREQ = "/sys/devices/system/cpu/cpu0/cpufreq";

/** A clock in MHz: systeminformation's when it has one, else Linux's own files, else null with why. */
function frequency(siGHz: number, fallback: () => Frequency): Frequency {
  if (siGHz > 0) return { mhz: Math.round(siGHz * 1000), source: "systeminformation" };
  return fallback();
}

function baseFallback(): Frequency {
  const base = Number(readText(`${CPUFREQ}/base_frequency`));
  if (base > 0) return { mhz: Math.round(base / 1000), source: `${CPUFREQ}/base_frequency` };
  const mhz = os.platform() === "linux" ? cpuinfoMHz(readText("/proc/cpuinfo")) : null;
  if (mhz !== null) return { mhz, source: "/proc/cpuinfo cpu MHz" };
  return { mhz: null, source: null, reason: "not reported: systeminformation says 0 and there is no cpufreq or /proc/cpuinfo clock" };
}

function maxFallback(): Frequency {
  const max = Number(readText(`${CPUFREQ}/cpuinfo_max_freq`));
  if (max > 0) return { mhz: Math.round(max / 1000), source: `${CPUFREQ}/cpuinfo_max_freq` };
  return { mhz: null, source: null, reason: "not reported: systeminformation says 0 and there is no cpufreq in /sys (usual in a VM or container)" };
}

export function governor(): CpuInfo["governor"] {
  if (os.platform() !== "linux") return { value: null, reason: `not readable on ${os.platform()}` };
  const value = readText(`${CPUFREQ}/scaling_governor`)?.trim();
  return value ? { value } : { value: null, reason: "no cpufreq in /sys (usual in a VM or container)" };
}

/** A container runtime seen from inside: its marker files, Kubernetes' environment, PID 1's cgroup. */
function container(): string | null {
  if (process.env.KUBERNETES_SERVICE_HOST) return "kubernetes";
  if (os.platform() !== "linux") return null;
  const cgroup = readText("/proc/1/cgroup") ?? "";
  for (const name of ["kubepods", "docker", "containerd", "lxc", "podman"]) if (cgroup.includes(name)) return name === "kubepods" ? "kubernetes" : name;
  if (readText("/.dockerenv") !== undefined) return "docker";
  if (readText("/run/.containerenv") !== undefined) return "podman";
  return null;
}

const nonEmpty = (s: string | undefined | null): string | null => (s && s.trim() !== "" && s.trim() !== "-" ? s.trim() : null);

/** Gathers the hardware with systeminformation, its calls in parallel (loaded only here: a cache hit never loads it). */
async function gatherHardware(): Promise<Hardware> {
  const { default: si } = await import("systeminformation");
  // Not si.osInfo(): the OS's name is read from /etc/os-release at each run (index.ts), and it costs a process or two here.
  const [cpu, flags, mem, system, graphics] = await Promise.all([
    si.cpu(),
    si.cpuFlags(),
    si.mem(),
    si.system(),
    si.graphics().catch(() => ({ controllers: [] })),
  ]);
  const arch = os.arch();
  return {
    cpu: {
      vendor: cpu.manufacturer || cpu.vendor,
      brand: cpu.brand,
      physicalCores: cpu.physicalCores,
      logicalCores: cpu.cores,
      baseMHz: frequency(cpu.speed, baseFallback),
      maxMHz: frequency(cpu.speedMax, maxFallback),
      flags: inferenceFlags(flags || cpu.flags, arch),
      caches: {
        l1dBytes: cpu.cache.l1d || null,
        l1iBytes: cpu.cache.l1i || null,
        l2Bytes: cpu.cache.l2 || null,
        l3Bytes: cpu.cache.l3 || null,
      },
    },
    memoryBytes: mem.total,
    system: {
      virtualization: system.virtual ? (nonEmpty(system.virtualHost) ?? "unknown hypervisor") : null,
      container: container(),
      model: nonEmpty(system.model),
    },
    gpus: graphics.controllers.map((g) => ({
      vendor: g.vendor,
      model: g.model,
      driver: nonEmpty(g.driverVersion),
      memoryMB: typeof g.vram === "number" && g.vram > 0 ? g.vram : null,
    })),
  };
}

/** Bump when Hardware's shape changes: an older cache file is then gathered again. */
const CACHE_VERSION = 2;

/**
 * Where this boot's hardware is cached: per user, per boot (Linux's boot_id changes at each
 * boot; elsewhere nothing is cached). BENCH_FINGERPRINT_CACHE=0 turns the cache off.
 */
function cacheFile(): string | undefined {
  if (process.env.BENCH_FINGERPRINT_CACHE === "0") return undefined;
  const boot = readText("/proc/sys/kernel/random/boot_id")?.trim();
  if (!boot || !/^[\w-]+$/.test(boot)) return undefined;
  return path.join(os.tmpdir(), `bench-fingerprint-${os.userInfo().uid}`, `${boot}.json`);
}

/** The hardware, from this boot's cache when there is one (hardware does not change while the machine is up), else gathered and cached. */
export async function hardware(): Promise<{ hardware: Hardware; cached: boolean }> {
  const file = cacheFile();
  // Only a cache in a directory of this user's own: another user of a shared /tmp cannot plant one.
  if (file && ownDirectory(path.dirname(file))) {
    try {
      const cached = JSON.parse(readFileSync(file, "utf8")) as { version: number; hardware: Hardware };
      if (cached.version === CACHE_VERSION) return { hardware: cached.hardware, cached: true };
    } catch {
      // no cache yet, or unreadable: gather
    }
  }
  const gathered = await gatherHardware();
  if (file) {
    try {
      mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
      const tmp = `${file}.${process.pid}`;
      writeFileSync(tmp, JSON.stringify({ version: CACHE_VERSION, hardware: gathered }));
      renameSync(tmp, file);
    } catch {
      // a read-only tmp: gathered again next time
    }
  }
  return { hardware: gathered, cached: false };
}
