import { describe, expect, it } from "vitest";
import { selectShard, splitLoad } from "../src/scale/shard.js";
import { arrivalSeed, expandCells } from "../src/suite/expand.js";
import { resolveSuite } from "../src/suite/resolve.js";

const suite = (matrix: Record<string, unknown>) =>
  resolveSuite({ name: "s", targets: { m: { kind: "onnx", variants: { a: "a.onnx", b: "b.onnx" }, matrix } } }, "/tmp/s.yaml");

describe("--shard I/N", () => {
  it("splits any matrix into N disjoint parts that together are every cell, none empty, sizes within one", () => {
    for (const batches of [[1], [1, 2, 3], [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]]) {
      const cells = expandCells(suite({ batch: batches, threads: [1, 2] }));
      for (let count = 1; count <= Math.min(cells.length, 9); count++) {
        const parts = Array.from({ length: count }, (_, i) => selectShard(cells, { index: i + 1, count }).map((c) => c.id));
        expect(parts.flat().sort()).toEqual(cells.map((c) => c.id).sort());
        const sizes = parts.map((p) => p.length);
        expect(Math.min(...sizes)).toBeGreaterThanOrEqual(1);
        expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
        // Deterministic: the same part again.
        expect(selectShard(cells, { index: 1, count }).map((c) => c.id)).toEqual(parts[0]);
      }
    }
  });
});

describe("--load-shard I/N", () => {
  const cells = expandCells(suite({ batch: [1], concurrency: [10], rate: [300] }));

  it("sends rate/N from each machine and splits the concurrency into shares that add up to it", () => {
    const shares = [1, 2, 3].map((index) => splitLoad(cells, { index, count: 3 }));
    const open = shares.map((s) => s.find((c) => c.load.mode === "open")?.load);
    expect(open).toEqual([1, 2, 3].map(() => ({ mode: "open", rate: 100 })));
    const closed = shares.map((s) => s.find((c) => c.load.mode === "closed")?.load);
    expect(closed.map((l) => (l?.mode === "closed" ? l.concurrency : 0))).toEqual([4, 3, 3]);
    // The cell keeps its id: the parts' cells are the same cells.
    expect(shares.map((s) => s.map((c) => c.id))).toEqual([1, 2, 3].map(() => cells.map((c) => c.id)));
  });

  it("gives each machine its own arrival schedule, so N Poisson streams add up to one", () => {
    const seeds = [1, 2, 3].map((index) => splitLoad(cells, { index, count: 3 })[1]).map((c) => arrivalSeed(c ?? {}, 7));
    expect(new Set(seeds).size).toBe(3);
    expect(arrivalSeed(cells[1] ?? {}, 7)).toBe(7);
  });

  it("refuses more machines than requests in flight", () => {
    expect(() => splitLoad(cells, { index: 1, count: 11 })).toThrow(/keeps 10 requests in flight, fewer than 11 machines/);
  });
});
