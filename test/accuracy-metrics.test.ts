import { describe, expect, it } from "vitest";
import { compareOutput } from "../src/accuracy/metrics.js";
import { wilsonInterval } from "../src/stats/binomial.js";

const out = (data: number[], dims: number[]) => ({ data, dims });

describe("compareOutput", () => {
  it("absolute, relative errors and cosine against hand-computed values", () => {
    // reference [1, -2, 4, 0.5], variant [1.1, -2, 3.8, 0.5]: |err| 0.1, 0, 0.2, 0.
    const a = compareOutput([out([1, -2, 4, 0.5], [4])], [out([1.1, -2, 3.8, 0.5], [4])]);
    expect(a.elements).toBe(4);
    expect(a.maxAbsError).toBeCloseTo(0.2, 12);
    expect(a.meanAbsError).toBeCloseTo(0.075, 12);
    expect(a.maxRelError).toBeCloseTo(0.1, 12); // 0.1 / 1 beats 0.2 / 4
    // dot 1.1 + 4 + 15.2 + 0.25 = 20.55; |r|² 21.25; |v|² 1.21 + 4 + 14.44 + 0.25 = 19.9
    expect(a.cosine).toBeCloseTo(20.55 / Math.sqrt(21.25 * 19.9), 12);
    expect(a.top1Agreement).toBeNull(); // rank 1: not read as scores
  });

  it("a variant perturbed by a known amount reports that amount", () => {
    const ref = Array.from({ length: 100 }, (_, i) => Math.sin(i) + 2);
    const a = compareOutput(
      [out(ref, [10, 10])],
      [
        out(
          ref.map((x) => x + 0.01),
          [10, 10],
        ),
      ],
    );
    expect(a.maxAbsError).toBeCloseTo(0.01, 10);
    expect(a.meanAbsError).toBeCloseTo(0.01, 10);
    const scaled = compareOutput(
      [out(ref, [10, 10])],
      [
        out(
          ref.map((x) => x * 1.05),
          [10, 10],
        ),
      ],
    );
    expect(scaled.maxRelError).toBeCloseTo(0.05, 10);
    expect(scaled.cosine).toBeCloseTo(1, 12); // a scale does not turn a vector
  });

  it("top-1 and top-5 agreement per row of scores, with Wilson intervals", () => {
    // 4 rows × 6 classes over two input sets of 2 rows each. The variant changes the top class of one
    // row (the reference's top is then second: still in the top 5) and drops another row's top class
    // to last place (out of the top 5): top-1 2 of 4, top-5 3 of 4.
    const ref = [
      [0, 9, 1, 2, 3, 4],
      [5, 0, 1, 2, 3, 4],
    ];
    const set1 = out(ref.flat(), [2, 6]);
    const set2 = out(ref.flat(), [2, 6]);
    const v1 = out([0, 9, 1, 2, 3, 4, 4, 0, 1, 2, 3, 5], [2, 6]); // row 2: top is class 5, reference's class 0 second
    const v2 = out([0, -1, 1, 2, 3, 4, 5, 0, 1, 2, 3, 4], [2, 6]); // row 1: class 1 (reference's top) now last
    const a = compareOutput([set1, set2], [v1, v2]);
    expect(a.top1Agreement?.rows).toBe(4);
    expect(a.top1Agreement?.value).toBe(0.5);
    expect(a.top1Agreement?.ci).toEqual(wilsonInterval(2, 4));
    expect(a.top5Agreement?.value).toBe(0.75);
  });

  it("refuses outputs of different shapes", () => {
    expect(() => compareOutput([out([1, 2], [2])], [out([1, 2, 3], [3])])).toThrow(/shape \[3\] against the reference's \[2\]/);
  });
});

describe("wilsonInterval", () => {
  it("matches the closed form", () => {
    // k = 2, n = 4, z² = 3.8415: (2 + 1.92073 ∓ 1.95996·√(1 + 0.96037)) / 7.8415 = 0.150039, 0.849961
    const [lo, hi] = wilsonInterval(2, 4);
    expect(lo).toBeCloseTo(0.15003898, 7);
    expect(hi).toBeCloseTo(0.84996102, 7);
    // k = n: the upper end is 1 and the lower end n/(n + z²) = 16/(16 + 3.8415)
    const [lo16, hi16] = wilsonInterval(16, 16);
    expect(hi16).toBe(1);
    expect(lo16).toBeCloseTo(16 / (16 + 1.959963984540054 ** 2), 10);
  });
});
