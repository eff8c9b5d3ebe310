import { describe, expect, it } from "vitest";
import { flagNoise, skippedCell } from "../src/measure/cell-result.js";
import { describeNoise, type NoiseSample, samplesDuring } from "../src/measure/noise.js";

const quiet = (atMs: number): NoiseSample => ({ atMs, load1: 1, cpuMHz: 2600, othersCpu: 0.01, steal: 0 });

describe("describeNoise", () => {
  it("says nothing about a quiet machine", () => {
    expect(describeNoise([quiet(0), quiet(100), quiet(200)], 10, 10.2)).toEqual([]);
  });

  it("names each kind of interference", () => {
    const samples = [quiet(0), { ...quiet(100), othersCpu: 0.45, steal: 0.08, cpuMHz: 1800 }];
    expect(describeNoise(samples, 10, 13)).toEqual([
      "other processes used up to 45% of the CPU",
      "the hypervisor took up to 8.0% of CPU time (steal)",
      "the CPU clock moved from 2600 to 1800 MHz",
      "the calibration workload took 30% longer after the run than before",
    ]);
  });

  it("ignores missing readings (null off Linux)", () => {
    expect(describeNoise([{ ...quiet(0), othersCpu: null, steal: null, cpuMHz: 0 }])).toEqual([]);
  });
});

describe("flagging cells", () => {
  const samples = [quiet(0), quiet(100), { ...quiet(200), othersCpu: 0.5 }, quiet(300), quiet(400)];

  it("takes the samples inside a window plus the one that closes it", () => {
    expect(samplesDuring(samples, 120, 250).map((s) => s.atMs)).toEqual([200, 300]);
    expect(samplesDuring(samples, 310, 350).map((s) => s.atMs)).toEqual([400]);
  });

  it("flags only the cells whose measurement overlapped the disturbance", () => {
    const ok = {
      ...skippedCell({ id: "a", target: "a", variant: "v", batch: 1, provider: "cpu", threads: 1, load: { mode: "single" } }, ""),
      status: "ok" as const,
      error: null,
    };
    const touched = flagNoise(ok, samples, 120, 190);
    expect(touched.noisy).toBe(true);
    expect(touched.notes).toEqual(["noisy: other processes used up to 50% of the CPU"]);
    expect(flagNoise(ok, samples, 210, 290)).toBe(ok);
  });
});
