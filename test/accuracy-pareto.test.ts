import { describe, expect, it } from "vitest";
import { paretoFront, type TradeOffPoint } from "../src/accuracy/pareto.js";

const point = (id: string, p50: number, p99: number, throughput: number, accuracy: number | null): TradeOffPoint => ({ id, p50, p99, throughput, accuracy });

describe("paretoFront", () => {
  it("the front of a known table, and what dominates each other cell", () => {
    const marks = paretoFront([
      point("fp32", 10, 20, 100, 1), // the most accurate: on the front
      point("fp16", 8, 18, 120, 0.99), // faster, a little less accurate: on the front
      point("int8", 5, 12, 200, 0.9), // fastest, least accurate: on the front
      point("slow-int8", 6, 14, 150, 0.9), // int8 beats it everywhere
      point("fp16-t2", 9, 19, 110, 0.99), // fp16 beats it on speed at the same accuracy
      point("twin", 8, 18, 120, 0.99), // equal to fp16 on everything: neither dominates the other
    ]);
    expect([...marks].filter(([, m]) => m.pareto).map(([id]) => id)).toEqual(["fp32", "fp16", "int8", "twin"]);
    expect(marks.get("slow-int8")?.dominatedBy).toEqual(["int8"]);
    expect(marks.get("fp16-t2")?.dominatedBy).toEqual(["fp16", "twin"]);
    expect(marks.get("fp32")?.dominatedBy).toEqual([]);
  });

  it("without an accuracy for every cell, the front is over latency and throughput alone", () => {
    const marks = paretoFront([point("a", 10, 20, 100, 1), point("b", 5, 10, 200, null)]);
    expect(marks.get("a")).toEqual({ pareto: false, dominatedBy: ["b"] });
    expect(marks.get("b")?.pareto).toBe(true);
  });
});
