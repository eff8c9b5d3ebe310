import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { fellBack, parseProfileTrace } from "../src/measure/profile-trace.js";

/** A hand-made trace in onnxruntime's format: one warm-up call (conv1 only), then two calls where NonMaxSuppression ran on the CPU. */
const TRACE = JSON.parse(readFileSync(path.join(import.meta.dirname, "fixtures/profile/cuda-fallback.json"), "utf8")) as unknown;

describe("parseProfileTrace", () => {
  it("sums kernel time per operator and provider over the calls after the warm-up, per call", () => {
    const p = parseProfileTrace(TRACE, "cuda", 1);
    expect(p.calls).toBe(2);
    expect(p.requested).toBe("CUDAExecutionProvider");
    // conv1 10+12, conv2 4+4 → Conv 30 µs over 2 calls; nms 6+4 → 5 µs per call. The warm-up's 90 µs are left out.
    expect(p.operators).toEqual([
      { op: "Conv", provider: "CUDAExecutionProvider", nodes: 2, meanUs: 15, share: 0.75 },
      { op: "NonMaxSuppression", provider: "CPUExecutionProvider", nodes: 1, meanUs: 5, share: 0.25 },
    ]);
    expect(p.kernelUs).toBe(20);
    expect(p.providers).toEqual({ CUDAExecutionProvider: 2, CPUExecutionProvider: 1 });
    expect(p.nodes.map((n) => [n.name, n.provider])).toEqual([
      ["conv1", "CUDAExecutionProvider"],
      ["nms", "CPUExecutionProvider"],
      ["conv2", "CUDAExecutionProvider"],
    ]);
  });

  it("flags a cell whose requested provider left nodes to the CPU, naming their operators", () => {
    const p = parseProfileTrace(TRACE, "cuda", 1);
    expect(p.fallback).toEqual({ nodes: 1, of: 3, ops: ["NonMaxSuppression"] });
    expect(fellBack(p)).toBe(true);
  });

  it("never flags a CPU cell, and keeps every call when there is no warm-up", () => {
    const p = parseProfileTrace(TRACE, "cpu", 0);
    expect(p.fallback).toBeNull();
    expect(fellBack(p)).toBe(false);
    expect(p.calls).toBe(3);
    expect(p.operators[0]).toMatchObject({ op: "Conv", meanUs: 40 }); // (90 + 10 + 4 + 12 + 4) / 3
  });

  it("refuses what is not a trace", () => {
    expect(() => parseProfileTrace({ events: [] }, "cpu", 0)).toThrow(/not a JSON array/);
  });
});
