import { readFileSync } from "node:fs";
import os from "node:os";
import type { NoiseSample } from "../results.js";
import type { Clock } from "../util/clock.js";
import { nsToMs, usToS } from "../stats/metrics.js";

export type { NoiseSample } from "../results.js";

/** Thresholds above which a stretch of the run counts as disturbed; see docs/STATISTICS.md. */
export const NOISE_LIMITS = {
  othersCpu: 0.1,
  steal: 0.02,
  calibrationDrift: 0.1,
  cpuMHzDrop: 0.1,
} as const;

interface CpuTimes {
  busyS: number;
  stealS: number;
  totalS: number;
}

const USER_HZ = 100;
const MIN_STRETCH_S = 0.25;

function readProcStat(): CpuTimes | null {
  try {
    const line = readFileSync("/proc/stat", "utf8").split("\n", 1)[0] ?? "";
    const f = line.trim().split(/\s+/).slice(1).map(Number);
    const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = f;
    const busy = user + nice + system + irq + softirq;
    return { busyS: busy / USER_HZ, stealS: steal / USER_HZ, totalS: (busy + idle + iowait + steal) / USER_HZ };
  } catch {
    return null;
  }
}

function currentCpuMHz(): number {
  const cpus = os.cpus();
  const speeds = cpus.map((c) => c.speed).filter((s) => s > 0);
  if (speeds.length > 0) return speeds.reduce((a, b) => a + b, 0) / speeds.length;
  // Virtual machines often report 0 through libuv; /proc/cpuinfo still has the current clock.
  try {
    const mhz = [...readFileSync("/proc/cpuinfo", "utf8").matchAll(/^cpu MHz\s*:\s*([\d.]+)/gm)].map((m) => Number(m[1]));
    return mhz.length > 0 ? mhz.reduce((a, b) => a + b, 0) / mhz.length : 0;
  } catch {
    return 0;
  }
}

/**
 * Timings of the trial canary (calibrate's default); the median is the canary. Fifteen, though
 * they cost 2 × 115 ms of every trial: the first call in a fresh process starts before the JIT has
 * optimised the loop, and with five timings that shows as a canary 20–40% slower before the cells
 * than after them (perf/canary.mjs, docs/PERFORMANCE.md), which the 10% within-trial check would
 * flag as a disturbed trial; the median of fifteen moved 2–4%.
 */
const CANARY_REPS = 15;

/**
 * A fixed CPU-bound workload (an xorshift hash over a small array, which stays in L1): its time
 * moves only when the core is slower or shared. Returns the median of `reps` timings, ms.
 */
export function calibrate(clock: Clock, reps = CANARY_REPS, iterations = 4_000_000): number {
  const times: number[] = [];
  const buf = new Uint32Array(1024);
  let x = 2463534242;
  for (let r = 0; r < reps; r++) {
    const t0 = clock();
    for (let i = 0; i < iterations; i++) {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      buf[i & 1023] = (buf[i & 1023] ?? 0) + (x >>> 0);
    }
    times.push(nsToMs(Number(clock() - t0)));
  }
  if (buf[0] === 42) times.push(0); // keep the work observable so it is not optimised away
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)] ?? 0;
}

export class NoiseMonitor {
  private readonly start: bigint;
  private lastStat: CpuTimes | null;
  private lastOwnS: number;
  readonly samples: NoiseSample[] = [];

  constructor(private readonly clock: Clock) {
    this.start = clock();
    this.lastStat = readProcStat();
    this.lastOwnS = ownCpuS();
  }

  nowMs(): number {
    return nsToMs(Number(this.clock() - this.start));
  }

  sample(): NoiseSample {
    const stat = readProcStat();
    const own = ownCpuS();
    let othersCpu: number | null = null;
    let steal: number | null = null;
    // /proc/stat counts in 10 ms ticks per CPU: shorter stretches are mostly rounding, so they
    // accumulate into the next sample instead of being judged on their own.
    const minTotalS = MIN_STRETCH_S * os.availableParallelism();
    if (stat && this.lastStat && stat.totalS - this.lastStat.totalS >= minTotalS) {
      const total = stat.totalS - this.lastStat.totalS;
      const others = stat.busyS - this.lastStat.busyS - (own - this.lastOwnS);
      othersCpu = Math.min(1, Math.max(0, others / total));
      steal = Math.min(1, Math.max(0, (stat.stealS - this.lastStat.stealS) / total));
      this.lastStat = stat;
      this.lastOwnS = own;
    }
    const s: NoiseSample = { atMs: this.nowMs(), load1: os.loadavg()[0] ?? 0, cpuMHz: currentCpuMHz(), othersCpu, steal };
    this.samples.push(s);
    return s;
  }
}

function ownCpuS(): number {
  const u = process.cpuUsage();
  return usToS(u.user + u.system);
}

/** Why a stretch of samples looks disturbed; empty when it does not. Pure. */
export function describeNoise(
  samples: readonly NoiseSample[],
  calibrationBeforeMs?: number,
  calibrationAfterMs?: number,
  check: { otherProcesses: boolean } = { otherProcesses: true },
): string[] {
  const reasons: string[] = [];
  const worst = (pick: (s: NoiseSample) => number | null) => samples.reduce((m, s) => Math.max(m, pick(s) ?? 0), 0);
  const others = worst((s) => s.othersCpu);
  if (check.otherProcesses && others > NOISE_LIMITS.othersCpu) {
    reasons.push(`other processes used up to ${(others * 100).toFixed(0)}% of the CPU`);
  }
  const steal = worst((s) => s.steal);
  if (steal > NOISE_LIMITS.steal) reasons.push(`the hypervisor took up to ${(steal * 100).toFixed(1)}% of CPU time (steal)`);
  const mhz = samples.map((s) => s.cpuMHz).filter((m) => m > 0);
  if (mhz.length > 1) {
    const hi = Math.max(...mhz);
    const lo = Math.min(...mhz);
    if (hi > 0 && 1 - lo / hi > NOISE_LIMITS.cpuMHzDrop) {
      reasons.push(`the CPU clock moved from ${hi.toFixed(0)} to ${lo.toFixed(0)} MHz`);
    }
  }
  if (calibrationBeforeMs && calibrationAfterMs) {
    const drift = calibrationAfterMs / calibrationBeforeMs - 1;
    if (Math.abs(drift) > NOISE_LIMITS.calibrationDrift) {
      reasons.push(`the calibration workload took ${(drift * 100).toFixed(0)}% ${drift > 0 ? "longer" : "less"} after the run than before`);
    }
  }
  return reasons;
}

/** The samples that bound a cell's measurement window [fromMs, toMs], for flagging the cells noise touched. */
export function samplesDuring(samples: readonly NoiseSample[], fromMs: number, toMs: number): NoiseSample[] {
  // A sample describes the interval since the previous one, so include the first sample after the window.
  const after = samples.find((s) => s.atMs >= toMs);
  return samples.filter((s) => s.atMs > fromMs && s.atMs <= toMs).concat(after && after.atMs > toMs ? [after] : []);
}
