import { describe, expect, it } from "vitest";
import { minRequestsToPass, testPercentile } from "../src/stats/percentile-test.js";
import { createRng } from "../src/util/rng.js";

/** A simulated step: n requests, each over the threshold with probability `overShare`; the test's verdict. */
function simulate(n: number, overShare: number, probability: number, confidence: number, seed: number): string {
  const rng = createRng(seed);
  let over = 0;
  for (let i = 0; i < n; i++) if (rng.next() < overShare) over++;
  return testPercentile(n, over, probability, confidence).verdict;
}

function verdicts(trials: number, run: (seed: number) => string): Record<string, number> {
  const counts: Record<string, number> = { pass: 0, fail: 0, undecided: 0 };
  for (let s = 1; s <= trials; s++) {
    const v = run(s);
    counts[v] = (counts[v] ?? 0) + 1;
  }
  return counts;
}

describe("binomial percentile test (MLPerf LoadGen early stopping)", () => {
  it("needs LoadGen's request counts to pass with no request over the threshold", () => {
    // REFERENCES.md: a Server-scenario p99 at 99% confidence with 0 late queries needs 459.
    expect(minRequestsToPass(0.99, 0.99)).toBe(459);
    expect(testPercentile(459, 0, 0.99, 0.99).verdict).toBe("pass");
    expect(testPercentile(458, 0, 0.99, 0.99).verdict).toBe("undecided");
    // 0.99^299 = 0.0495 <= 0.05 < 0.99^298.
    expect(minRequestsToPass(0.99, 0.95)).toBe(299);
    expect(testPercentile(299, 0, 0.99, 0.95).verdict).toBe("pass");
    expect(testPercentile(298, 0, 0.99, 0.95).verdict).toBe("undecided");
    expect(minRequestsToPass(0.9, 0.95)).toBe(29);
  });

  it("fails when far more requests are over than the percentile allows, and never both", () => {
    expect(testPercentile(100, 5, 0.99, 0.95).verdict).toBe("fail"); // 5% over where 1% is allowed
    expect(testPercentile(100, 2, 0.99, 0.95).verdict).toBe("undecided");
    expect(testPercentile(0, 0, 0.99, 0.95).verdict).toBe("undecided");
    for (let n = 1; n <= 300; n += 7) {
      for (let k = 0; k <= n; k += Math.max(1, Math.floor(n / 13))) {
        const t = testPercentile(n, k, 0.95, 0.9);
        expect(t.pPass + t.pFail, `n ${n} k ${k}`).toBeGreaterThanOrEqual(1 - 1e-9);
      }
    }
  });

  it("passes a step whose true p99 is well inside the threshold, fails one well outside", () => {
    // True share over the threshold 0.2% (p99 well inside) and 5% (well outside), 2,000 requests.
    const inside = verdicts(200, (seed) => simulate(2000, 0.002, 0.99, 0.95, seed));
    const outside = verdicts(200, (seed) => simulate(2000, 0.05, 0.99, 0.95, seed));
    expect(inside.pass, JSON.stringify(inside)).toBeGreaterThanOrEqual(195);
    expect(inside.fail).toBe(0);
    expect(outside.fail, JSON.stringify(outside)).toBe(200);
  });

  it("is undecided near the edge with few requests, and wrong at most 1 - confidence of the time at the edge", () => {
    // 1.2% over for a p99, 150 requests: too few to tell either way.
    const near = verdicts(200, (seed) => simulate(150, 0.012, 0.99, 0.95, seed));
    expect(near.undecided, JSON.stringify(near)).toBeGreaterThanOrEqual(180);
    expect(near.pass).toBe(0);
    // Exactly at the edge (1% over): a pass is a false claim, at most 5% of the time; so is a fail.
    const edge = verdicts(1000, (seed) => simulate(1000, 0.01, 0.99, 0.95, seed + 1000));
    expect(edge.pass, JSON.stringify(edge)).toBeLessThanOrEqual(50);
    expect(edge.fail, JSON.stringify(edge)).toBeLessThanOrEqual(50);
  });
});
