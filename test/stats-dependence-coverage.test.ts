/**
 * Coverage by simulation of the dependence-aware intervals (src/stats/dependent.ts): 1,000 series
 * per case, 95% intervals, and the truth should be covered 930..970 times (±3 binomial sd, as in
 * stats-coverage.test.ts). Seeds are fixed, so the counts are deterministic.
 *
 * The autocorrelated series are lognormal latencies driven by a Gaussian AR(1): log x_t = v_t,
 * v_t = φ v_{t−1} + ε_t with ε_t ~ N(0, σ²(1 − φ²)), started stationary, so the marginal is
 * lognormal(0, σ) whatever φ: quantiles exp(σ z_p) and mean exp(σ²/2) in closed form. σ = 0.5
 * (a spread like real latencies; a heavier tail would test the skewness of the mean, not the
 * dependence). The naive intervals of intervals.ts are run on the same series to show they
 * under-cover badly, i.e. that the correction is what makes the coverage right.
 */
import { describe, expect, it } from "vitest";
import { batchMeansCI, meanCI, quantileCI, quantileCIDependent, sortSamples, type Interval } from "../src/stats/index.js";
import { createRng, type Rng } from "../src/util/rng.js";
import { latencySeries } from "./helpers/latency-series.js";

const SIMULATIONS = 1000;
const SIGMA = 0.5;
const Z90 = 1.2815515655446004;

interface Counts {
  p50: number;
  p90: number;
  mean: number;
}

function lognormalAr1(rng: Rng, n: number, phi: number): Float64Array {
  const xs = latencySeries(rng, { n, medianMs: 1, sigma: SIGMA, phi });
  rng.normal(); // one innovation past the end, as the pinned counts were drawn
  return xs;
}

const covers = (ci: Interval | null, truth: number): number => (ci !== null && ci.lo <= truth && truth <= ci.hi ? 1 : 0);

/** Coverage counts of the corrected and the naive (independence-assuming) intervals. */
function simulate(draw: (rng: Rng) => Float64Array, truth: Counts, seed: number): { corrected: Counts; naive: Counts } {
  const rng = createRng(seed);
  const corrected: Counts = { p50: 0, p90: 0, mean: 0 };
  const naive: Counts = { p50: 0, p90: 0, mean: 0 };
  for (let s = 0; s < SIMULATIONS; s++) {
    const xs = draw(rng);
    const sorted = sortSamples(xs);
    corrected.p50 += covers(quantileCIDependent(xs, sorted, 0.5), truth.p50);
    corrected.p90 += covers(quantileCIDependent(xs, sorted, 0.9), truth.p90);
    corrected.mean += covers(batchMeansCI(xs), truth.mean);
    naive.p50 += covers(quantileCI(sorted, 0.5), truth.p50);
    naive.p90 += covers(quantileCI(sorted, 0.9), truth.p90);
    naive.mean += covers(meanCI(xs), truth.mean);
  }
  return { corrected, naive };
}

function expectNominal(counts: Counts): void {
  for (const [name, count] of Object.entries(counts)) {
    expect(count, name).toBeGreaterThanOrEqual(930);
    expect(count, name).toBeLessThanOrEqual(970);
  }
}

const lognormalTruth: Counts = { p50: 1, p90: Math.exp(SIGMA * Z90), mean: Math.exp((SIGMA * SIGMA) / 2) };

describe("coverage on independent samples (where the exact interval covers ~0.952)", () => {
  it("covers p50, p90 and the mean of lognormal(0, 0.5) 930..970 times in 1000 at n = 4000", () => {
    const { corrected } = simulate((rng) => lognormalAr1(rng, 4000, 0), lognormalTruth, 7001);
    expectNominal(corrected);
  });

  it("covers p50, p90 and the mean of exponential(1) 930..970 times in 1000 at n = 4000", () => {
    const truth: Counts = { p50: Math.LN2, p90: Math.log(10), mean: 1 };
    const draw = (rng: Rng): Float64Array => Float64Array.from({ length: 4000 }, () => -Math.log1p(-rng.next()));
    const { corrected } = simulate(draw, truth, 7002);
    expectNominal(corrected);
  });
});

describe("coverage on autocorrelated samples (lognormal driven by a Gaussian AR(1))", () => {
  it("covers p50, p90 and the mean 930..970 times at φ = 0.5, n = 2000, where the naive intervals do not", () => {
    const { corrected, naive } = simulate((rng) => lognormalAr1(rng, 2000, 0.5), lognormalTruth, 7003);
    expectNominal(corrected);
    for (const [name, count] of Object.entries(naive)) expect(count, `naive ${name}`).toBeLessThan(900);
  });

  it("covers p50, p90 and the mean 930..970 times at φ = 0.8, n = 4000; naive intervals fall below 85%", () => {
    const { corrected, naive } = simulate((rng) => lognormalAr1(rng, 4000, 0.8), lognormalTruth, 7004);
    expectNominal(corrected);
    for (const [name, count] of Object.entries(naive)) expect(count, `naive ${name}`).toBeLessThan(850);
  });
});
