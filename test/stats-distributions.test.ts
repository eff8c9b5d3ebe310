import { describe, expect, it } from "vitest";
import { normalQuantile, tQuantile } from "../src/stats/index.js";

describe("tQuantile", () => {
  it("matches printed two-sided 95% table values", () => {
    // Student t table, upper 2.5% points.
    expect(tQuantile(0.975, 1)).toBeCloseTo(12.7062, 4);
    expect(tQuantile(0.975, 2)).toBeCloseTo(4.3027, 4);
    expect(tQuantile(0.975, 5)).toBeCloseTo(2.5706, 4);
    expect(tQuantile(0.975, 10)).toBeCloseTo(2.2281, 4);
    expect(tQuantile(0.975, 30)).toBeCloseTo(2.0423, 4);
    expect(tQuantile(0.975, 120)).toBeCloseTo(1.9799, 4);
    expect(tQuantile(0.975, 1e9)).toBeCloseTo(1.95996, 5);
    expect(tQuantile(0.975, Infinity)).toBeCloseTo(1.959964, 6);
  });

  it("matches other table columns", () => {
    expect(tQuantile(0.95, 4)).toBeCloseTo(2.1318, 4);
    expect(tQuantile(0.995, 7)).toBeCloseTo(3.4995, 4);
    expect(tQuantile(0.9995, 20)).toBeCloseTo(3.8495, 4);
    expect(tQuantile(0.9, 3)).toBeCloseTo(1.6377, 4);
  });

  it("is antisymmetric about p = 0.5 and 0 there", () => {
    for (const df of [1, 2, 3.5, 9, 50, 2000]) {
      expect(tQuantile(0.5, df)).toBe(0);
      expect(tQuantile(0.025, df)).toBeCloseTo(-tQuantile(0.975, df), 12);
    }
  });

  it("falls as df grows, towards the normal quantile", () => {
    let previous = Infinity;
    for (const df of [1, 2, 3, 5, 10, 30, 100, 999, 1000, 1e4]) {
      const t = tQuantile(0.975, df);
      expect(t).toBeLessThan(previous);
      expect(t).toBeGreaterThan(normalQuantile(0.975));
      previous = t;
    }
  });

  it("returns ±Infinity at p = 0, 1 and rejects bad arguments", () => {
    expect(tQuantile(0, 5)).toBe(-Infinity);
    expect(tQuantile(1, 5)).toBe(Infinity);
    expect(() => tQuantile(1.5, 5)).toThrow(RangeError);
    expect(() => tQuantile(0.9, 0)).toThrow(/df must be > 0/);
    expect(() => tQuantile(0.9, NaN)).toThrow(RangeError);
  });
});

describe("normalQuantile", () => {
  it("matches known values", () => {
    expect(normalQuantile(0.975)).toBeCloseTo(1.959963984540054, 14);
    expect(normalQuantile(0.5)).toBe(0);
    expect(normalQuantile(0.8413447460685429)).toBeCloseTo(1, 12); // Φ(1)
    expect(normalQuantile(0.001)).toBeCloseTo(-3.090232306167813, 12);
  });

  it("returns ±Infinity at the ends and rejects p outside [0, 1]", () => {
    expect(normalQuantile(0)).toBe(-Infinity);
    expect(normalQuantile(1)).toBe(Infinity);
    expect(() => normalQuantile(-0.1)).toThrow(RangeError);
  });
});
