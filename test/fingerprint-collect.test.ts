import { readFileSync } from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { collectFingerprint, lastGathering } from "../src/fingerprint/index.js";
import { cpuinfoMHz, inferenceFlags } from "../src/fingerprint/hardware.js";
import { ROOT, tempDir } from "./helpers/cli.js";

afterEach(() => {
  vi.unstubAllEnvs();
});

function procCpuinfo(): string | undefined {
  try {
    return readFileSync("/proc/cpuinfo", "utf8");
  } catch {
    return undefined;
  }
}

describe("collectFingerprint", () => {
  it("records every field, typed; a frequency is a positive number with its source, or null with the reason, never 0", async () => {
    vi.stubEnv("BENCH_FINGERPRINT_CACHE", "0");
    const model = path.join(ROOT, "suites/models/mlp-int8.onnx");
    const suite = path.join(ROOT, "suites/quickstart.yaml");
    const fp = await collectFingerprint({ "m.onnx": model }, ROOT, suite);
    expect(lastGathering.hardwareCached).toBe(false);
    const cpu = fp.cpu;
    if (!cpu) throw new Error("no cpu part");
    expect(cpu.physicalCores).toBeGreaterThan(0);
    expect(cpu.logicalCores).toBeGreaterThanOrEqual(cpu.physicalCores);
    for (const f of [cpu.baseMHz, cpu.maxMHz]) {
      if (f.mhz === null) {
        expect(f.source).toBeNull();
        expect(f.reason).toMatch(/not reported/);
      } else {
        expect(f.mhz).toBeGreaterThan(0);
        expect(f.source).toEqual(expect.any(String));
      }
    }
    // Where Linux reports a clock (this VM: /proc/cpuinfo only; systeminformation and libuv say 0), so does the fingerprint.
    if (cpuinfoMHz(procCpuinfo()) !== null) expect(fp.host.cpuSpeedMHz).toBeGreaterThan(0);
    expect(fp.host.cpuSpeedMHz).toBe(cpu.baseMHz.mhz);
    expect(cpu.flags.every((f) => /^[a-z0-9_]+$/.test(f))).toBe(true);
    if (process.arch === "x64" && procCpuinfo()?.includes(" avx2")) expect(cpu.flags).toContain("avx2");
    expect(Object.values(cpu.caches).every((c) => c === null || c > 0)).toBe(true);
    expect(cpu.governor.value === null ? cpu.governor.reason : cpu.governor.value).toEqual(expect.any(String));
    const virtualization = fp.system?.virtualization;
    expect(virtualization === null || typeof virtualization === "string").toBe(true);
    expect(Array.isArray(fp.gpus)).toBe(true);
    // Every direct dependency, at its installed version.
    const declared = Object.keys((JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8")) as { dependencies: object }).dependencies);
    expect(Object.keys(fp.dependencies).sort()).toEqual(declared.sort());
    expect(Object.values(fp.dependencies).every((v) => /^\d+\.\d+\.\d+/.test(v))).toBe(true);
    expect(fp.lockfile?.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(fp.runtime).toMatchObject({ node: process.versions.node, v8: process.versions.v8 });
    expect(fp.models["m.onnx"]?.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(fp.suite).toEqual({ file: "quickstart.yaml", sha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(fp.git?.commit).toMatch(/^[0-9a-f]{40}/);
  });

  it("records the environment variables that change inference speed, and no others", async () => {
    vi.stubEnv("OMP_NUM_THREADS", "3");
    vi.stubEnv("ORT_TEST_KNOB", "x");
    vi.stubEnv("UV_THREADPOOL_SIZE", "8");
    vi.stubEnv("BENCH_UNRELATED_SECRET", "nope");
    const fp = await collectFingerprint({}, tempDir());
    expect(fp.env).toMatchObject({ OMP_NUM_THREADS: "3", ORT_TEST_KNOB: "x", UV_THREADPOOL_SIZE: "8" });
    expect(fp.env).not.toHaveProperty("BENCH_UNRELATED_SECRET");
    expect(fp.git).toBeNull(); // a directory outside any repository
  });

  it("gathers the hardware once per boot: the second call reads the same hardware from the cache", async () => {
    if (!procCpuinfo()) return; // the cache is keyed by Linux's boot_id
    vi.stubEnv("TMPDIR", tempDir());
    const first = await collectFingerprint({}, ROOT);
    expect(lastGathering.hardwareCached).toBe(false);
    const second = await collectFingerprint({}, ROOT);
    expect(lastGathering.hardwareCached).toBe(true);
    expect(second.cpu).toEqual(first.cpu);
    expect(second.gpus).toEqual(first.gpus);
  });
});

describe("the parts read from the OS's own files", () => {
  it("takes /proc/cpuinfo's clock, and no clock from 0 or nothing", () => {
    expect(cpuinfoMHz("processor\t: 0\nmodel name\t: AMD EPYC\ncpu MHz\t\t: 2596.150\n")).toBe(2596);
    expect(cpuinfoMHz("cpu MHz\t\t: 0.000\n")).toBeNull();
    expect(cpuinfoMHz("model name\t: Some CPU\n")).toBeNull();
    expect(cpuinfoMHz(undefined)).toBeNull();
  });

  it("keeps the inference extensions, in /proc/cpuinfo's spelling; Arm's asimd is NEON", () => {
    expect(inferenceFlags("fpu sse4_2 avx2 fma avx512f avx512_vnni amx_tile amx_int8 avx_vnni pdpe1gb", "x64")).toEqual([
      "amx_int8",
      "amx_tile",
      "avx2",
      "avx512_vnni",
      "avx512f",
      "avx_vnni",
      "fma",
      "sse4_2",
    ]);
    expect(inferenceFlags("fp asimd evtstrm asimddp i8mm sve", "arm64")).toEqual(["asimddp", "i8mm", "neon", "sve"]);
  });
});
