import { describe, expect, it } from "vitest";
import { roundShuffler } from "../src/measure/schedule.js";

describe("roundShuffler", () => {
  it("is a permutation, fixed by the seed, fresh every round", () => {
    const items = ["a", "b", "c", "d", "e"];
    const s1 = roundShuffler(7);
    const s2 = roundShuffler(7);
    const rounds = Array.from({ length: 5 }, () => s1(items));
    expect(Array.from({ length: 5 }, () => s2(items))).toEqual(rounds);
    for (const r of rounds) expect([...r].sort()).toEqual(items);
    expect(new Set(rounds.map((r) => r.join(""))).size).toBeGreaterThan(1);
  });

  it("puts every item first about equally often", () => {
    const shuffle = roundShuffler(1);
    const first = new Map<string, number>();
    for (let i = 0; i < 6000; i++) {
      const f = shuffle(["a", "b", "c"])[0] as string;
      first.set(f, (first.get(f) ?? 0) + 1);
    }
    for (const count of first.values()) expect(Math.abs(count - 2000)).toBeLessThan(150);
  });
});
