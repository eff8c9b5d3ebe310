/**
 * Coverage by simulation: 1,000 samples from distributions whose quantiles and mean are known in
 * closed form; a 95% interval should contain the truth about 950 times. Seeds are fixed, so the
 * counts are deterministic. The binomial standard error of a count is √(1000 · 0.95 · 0.05) ≈ 6.9,
 * and 930..970 is about ±3 of them.
 *
 * The order-statistic intervals are exact but discrete: their true coverage at a given n is
 * `orderStatisticRanks(n, p).coverage` (>= 0.95), which at some n is as high as 0.96–0.98. The main
 * check uses n = 4000, where it is 0.952 for p50, p90 and p99 alike; a second check at the sizes
 * where an interval first becomes routine (p50 at 200, p99 at 1000; exact 0.960 and 0.957) tests
 * the simulation against the exact figure instead.
 */
import { describe, expect, it } from "vitest";
import { meanCI, orderStatisticRanks, quantileCI, sortSamples } from "../src/stats/index.js";
import { createRng, type Rng } from "../src/util/rng.js";

const SIMULATIONS = 1000;

interface Distribution {
  name: string;
  draw(rng: Rng): number;
  quantile(p: number): number;
}

// Standard normal quantiles z_p, for the lognormal's closed-form quantiles exp(z_p).
const Z: Record<number, number> = { 0.5: 0, 0.9: 1.2815515655446004, 0.99: 2.3263478740408408 };

const exponential: Distribution = {
  name: "exponential(1)",
  draw: (rng) => -Math.log1p(-rng.next()),
  quantile: (p) => -Math.log1p(-p),
};
const lognormal: Distribution = {
  name: "lognormal(0, 1)",
  draw: (rng) => Math.exp(rng.normal()),
  quantile: (p) => Math.exp(Z[p] ?? NaN),
};

/** How many of SIMULATIONS intervals, one per fresh sample of size n, cover each true quantile. */
function quantileCoverage(dist: Distribution, n: number, ps: readonly number[], seed: number): number[] {
  const rng = createRng(seed);
  const covered = ps.map(() => 0);
  for (let s = 0; s < SIMULATIONS; s++) {
    const sorted = sortSamples(Array.from({ length: n }, () => dist.draw(rng)));
    ps.forEach((p, i) => {
      const ci = quantileCI(sorted, p);
      if (ci === null) throw new Error(`no interval for p=${p} at n=${n}`);
      const truth = dist.quantile(p);
      if (ci.lo <= truth && truth <= ci.hi) covered[i] = (covered[i] ?? 0) + 1;
    });
  }
  return covered;
}

/** The count is within four binomial standard errors of what the exact coverage predicts. */
function expectConsistentWithExact(count: number, n: number, p: number): void {
  const exact = orderStatisticRanks(n, p)?.coverage ?? NaN;
  const sd = Math.sqrt(SIMULATIONS * exact * (1 - exact));
  const label = `p=${p} n=${n}: ${count} vs exact ${exact}`;
  expect(Math.abs(count - SIMULATIONS * exact), label).toBeLessThan(4 * sd);
}

describe("simulated coverage of 95% quantile intervals", () => {
  const ps = [0.5, 0.9, 0.99] as const;
  for (const [dist, seed] of [
    [exponential, 101],
    [lognormal, 202],
  ] as const) {
    it(`covers p50, p90 and p99 of ${dist.name} 930..970 times in 1000 at n = 4000`, () => {
      const counts = quantileCoverage(dist, 4000, ps, seed);
      counts.forEach((count, i) => {
        const p = ps[i] ?? NaN;
        expect(count, `p=${p}`).toBeGreaterThanOrEqual(930);
        expect(count, `p=${p}`).toBeLessThanOrEqual(970);
        expectConsistentWithExact(count, 4000, p);
      });
    });
  }

  it("matches the exact (conservative) coverage for p50 at n = 200 and p99 at n = 1000", () => {
    const [p50] = quantileCoverage(exponential, 200, [0.5], 303);
    const [p99] = quantileCoverage(exponential, 1000, [0.99], 404);
    expect(p50).toBeGreaterThanOrEqual(930);
    expect(p99).toBeGreaterThanOrEqual(930);
    expectConsistentWithExact(p50 ?? NaN, 200, 0.5);
    expectConsistentWithExact(p99 ?? NaN, 1000, 0.99);
  });
});

describe("simulated coverage of 95% mean intervals", () => {
  for (const [n, seed] of [
    [5, 505],
    [30, 606],
  ] as const) {
    it(`covers the mean of normal(10, 2) data 930..970 times in 1000 at n = ${n}`, () => {
      const rng = createRng(seed);
      let covered = 0;
      for (let s = 0; s < SIMULATIONS; s++) {
        const ci = meanCI(Array.from({ length: n }, () => 10 + 2 * rng.normal()));
        if (ci !== null && ci.lo <= 10 && 10 <= ci.hi) covered++;
      }
      expect(covered).toBeGreaterThanOrEqual(930);
      expect(covered).toBeLessThanOrEqual(970);
    });
  }
});
