import { describe, expect, it } from "vitest";
import { quantile, sortSamples } from "../src/stats/index.js";

describe("sortSamples", () => {
  it("returns a sorted copy and leaves the input alone", () => {
    const xs = [3, -1, 2.5, 0, 10];
    expect(sortSamples(xs)).toEqual([-1, 0, 2.5, 3, 10]);
    expect(xs).toEqual([3, -1, 2.5, 0, 10]);
  });

  it("sorts numerically, not as strings", () => {
    expect(sortSamples([10, 9, 100, 1])).toEqual([1, 9, 10, 100]);
  });

  it("accepts a typed array", () => {
    expect(sortSamples(Float64Array.of(2, 1, 3))).toEqual([1, 2, 3]);
  });

  it("rejects an empty array and non-finite values", () => {
    expect(() => sortSamples([])).toThrow(/no samples/);
    expect(() => sortSamples([1, NaN])).toThrow(/sample 1 is NaN/);
    expect(() => sortSamples([Infinity])).toThrow(/not a finite number/);
  });
});

describe("quantile (Hyndman–Fan type 7)", () => {
  // h = (n - 1)p, 0-based; interpolate between x[floor h] and x[floor h + 1].
  const four = sortSamples([4, 1, 3, 2]);

  it("interpolates linearly between order statistics", () => {
    expect(quantile(four, 0.5)).toBe(2.5); // h = 1.5
    expect(quantile(four, 0.25)).toBe(1.75); // h = 0.75
    expect(quantile(four, 0.9)).toBeCloseTo(3.7, 12); // h = 2.7
    expect(quantile(sortSamples([10, 20, 30, 40, 50]), 0.1)).toBe(14); // h = 0.4
  });

  it("returns the extremes at p = 0 and p = 1", () => {
    expect(quantile(four, 0)).toBe(1);
    expect(quantile(four, 1)).toBe(4);
  });

  it("returns an exact sample when h is an integer, and the only sample when n = 1", () => {
    expect(quantile(sortSamples([1, 2, 3, 4, 5]), 0.75)).toBe(4); // h = 3
    const one = sortSamples([7]);
    for (const p of [0, 0.5, 0.999, 1]) expect(quantile(one, p)).toBe(7);
  });

  it("rejects p outside [0, 1]", () => {
    expect(() => quantile(four, 1.01)).toThrow(RangeError);
    expect(() => quantile(four, -0.1)).toThrow(RangeError);
    expect(() => quantile(four, NaN)).toThrow(RangeError);
  });
});
