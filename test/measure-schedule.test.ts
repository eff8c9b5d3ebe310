import { describe, expect, it } from "vitest";
import { groupedOrder, roundShuffler } from "../src/measure/schedule.js";

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

describe("groupedOrder", () => {
  const items = ["m/a/b1", "m/b/b1", "m/a/b8", "m/b/b8", "n/a/b1", "n/b/b1"];
  const key = (s: string) => s.replace(/\/[ab]\//, "/");
  it("keeps the items of one key side by side, in a fresh seeded order each time", () => {
    const shuffle = roundShuffler(3);
    const orders = Array.from({ length: 40 }, () => groupedOrder(items, key, shuffle));
    for (const order of orders) {
      expect([...order].sort()).toEqual([...items].sort());
      for (let i = 0; i < order.length; i += 2) expect(key(order[i] as string)).toBe(key(order[i + 1] as string));
    }
    // Both the groups' order and the order inside a group vary.
    expect(new Set(orders.map((o) => o.map(key).join())).size).toBeGreaterThan(1);
    expect(new Set(orders.map((o) => o[0]?.includes("/a/"))).size).toBe(2);
    const again = roundShuffler(3);
    expect(Array.from({ length: 40 }, () => groupedOrder(items, key, again))).toEqual(orders);
  });
});
