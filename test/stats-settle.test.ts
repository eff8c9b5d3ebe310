import { describe, expect, it } from "vitest";
import { WarmupSettler } from "../src/load/warmup.js";
import { type SettleRule, settled, significantFall } from "../src/stats/settle.js";
import { createRng } from "../src/util/rng.js";

/** The two callers' rules (measure/loop.ts, load/warmup.ts), written out so a change to either is a decision. */
const QUARTERS: SettleRule = { parts: 4, from: 1, to: 2, tolerance: 0.01 };
const WINDOWS: SettleRule = { parts: 3, from: 0, to: 2, tolerance: 0.1, absolute: 50e3, twoSided: true };

/**
 * Latencies with a machine's noise: log-normal AR(1) (lag-1 correlation phi, marginal sd `sd`), and
 * a spike of 3–10× on `spikes` of the calls (a preemption, a GC).
 */
function noisy(seed: number, n: number, level: (i: number) => number, phi = 0.5, sd = 0.03, spikes = 0.01): Float64Array {
  const rng = createRng(seed);
  const out = new Float64Array(n);
  let e = rng.normal() * sd;
  for (let i = 0; i < n; i++) {
    e = phi * e + Math.sqrt(1 - phi * phi) * sd * rng.normal();
    const spike = rng.next() < spikes ? 3 + 7 * rng.next() : 1;
    out[i] = level(i) * Math.exp(e) * spike;
  }
  return out;
}

describe("the settle rule shared by the timed loop's warm-up and the load generator's", () => {
  it("compares the last part's median with the chosen earlier parts, by a relative or absolute tolerance", () => {
    // Quarters of 8: medians 10 (left out), 5, 3 (the gap), then the last quarter.
    const series = (last: number) => [...Array<number>(8).fill(10), ...Array<number>(8).fill(5), ...Array<number>(8).fill(3), ...Array<number>(8).fill(last)];
    expect(settled(series(4.96), QUARTERS)).toBe(true); // 0.8% below the second quarter
    expect(settled(series(4.94), QUARTERS)).toBe(false); // 1.2% below
    expect(settled(series(50), QUARTERS)).toBe(true); // a rise: one-sided
    expect(settled(series(50), { ...QUARTERS, twoSided: true })).toBe(false);
    expect(settled(series(4), { ...QUARTERS, absolute: 1 })).toBe(true); // within the absolute slack
    // Every compared part counts: the last window against each of the two before it.
    expect(settled([100e3, 100e3, 100e3], WINDOWS)).toBe(true);
    expect(settled([100e3, 200e3, 100e3], WINDOWS)).toBe(false);
    expect(settled([300e3, 100e3, 100e3], WINDOWS)).toBe(false);
    expect(settled([130e3, 100e3, 100e3], WINDOWS)).toBe(true); // 30 µs: the absolute slack (50 µs) covers it
  });

  it("is false on a series shorter than its parts, and refuses a rule whose parts do not fit", () => {
    expect(settled([1, 1], WINDOWS)).toBe(false);
    expect(settled([1, 1, 1], WINDOWS)).toBe(true);
    expect(() => settled([1, 2, 3, 4], { ...QUARTERS, to: 4 })).toThrow(/from < to <= parts - 1/);
    expect(() => settled([1, 2, 3, 4], { ...QUARTERS, from: 2, to: 2 })).toThrow(/from < to/);
    expect(() => settled([1, 2, 3, 4], { ...QUARTERS, tolerance: Number.NaN })).toThrow(/tolerance/);
  });

  it("quarters: a noisy stationary series settles, a decay still 3% above its floor at the end of the span does not", () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      expect(
        settled(
          noisy(seed, 4000, () => 50e3, 0.5, 0.01),
          QUARTERS,
        ),
      ).toBe(true);
      // +50%, time constant 1,000 calls: +1.5% at the last call, the second quarter ~14% above the last.
      expect(
        settled(
          noisy(seed, 4000, (i) => 50e3 * (1 + 0.5 * Math.exp(-i / 1000))),
          QUARTERS,
        ),
      ).toBe(false);
    }
  });
});

describe("a fall through the timed series (what outlasted the warm-up)", () => {
  const N = 1000;

  it("is found when the latency falls by 4% over the series, under AR(1) noise and spikes", () => {
    for (const seed of [21, 22, 23, 24, 25, 26]) {
      const xs = noisy(seed, N, (i) => 50e3 * (1.04 - 0.04 * (i / N)));
      const fall = significantFall(xs, 0.01);
      expect(fall, `seed ${seed}`).not.toBeNull();
      // The thirds' medians are 2/3 of the series apart: about 2.7% of a 4% linear fall.
      expect(fall).toBeGreaterThan(0.01);
      expect(fall).toBeLessThan(0.04);
    }
  });

  it("is not reported on stationary series: independent, AR(1) up to 0.9, with spikes; nor for a rise", () => {
    let flagged = 0;
    let runs = 0;
    for (const phi of [0, 0.5, 0.9]) {
      for (let seed = 1; seed <= 20; seed++) {
        runs++;
        if (
          significantFall(
            noisy(100 * seed + phi * 10, N, () => 50e3, phi, 0.05, 0.02),
            0.01,
          ) !== null
        )
          flagged++;
      }
    }
    // Two 95% intervals apart and a fall over 1%: the false alarms are rare (0 of 60 here).
    expect(flagged / runs).toBeLessThanOrEqual(1 / 60);
    expect(
      significantFall(
        noisy(7, N, (i) => 50e3 * (1 + 0.05 * (i / N))),
        0.01,
      ),
    ).toBeNull();
  });

  it("is not reported below its limit, nor on a series too short for intervals", () => {
    // Thirds 0.9% apart (a step), with intervals far narrower than that: reported at a 0.5% limit, not at 1%.
    const step = noisy(31, N, (i) => 50e3 * (i < N / 3 ? 1.009 : 1), 0, 0.005, 0);
    expect(significantFall(step, 0.01)).toBeNull();
    expect(significantFall(step, 0.005)).toBeCloseTo(0.009, 3);
    // A trend inside each third with no noise to speak of: no interval of the median there, no verdict.
    expect(
      significantFall(
        Float64Array.from({ length: N }, (_, i) => 50e3 * (1.1 - 0.1 * (i / N))),
        0.01,
      ),
    ).toBeNull();
    expect(significantFall([3, 2, 1], 0.01)).toBeNull();
  });
});

describe("the load generator's warm-up with the shared rule", () => {
  it("does not end inside a steady drift of 7% a window, which adjacent windows alone would pass", () => {
    // 1 ms falling by 7% every 100 ms window for 1.5 s, then flat: adjacent windows are within 10%
    // of each other all along (the rule before this one ended at 300 ms), two windows apart they are not.
    const s = new WarmupSettler(20, 5000, 0);
    let ended: number | undefined;
    for (let t = 0; t < 5000 && ended === undefined; t++) {
      const latencyNs = 1e6 * 0.93 ** Math.min(15, Math.floor(t / 100));
      for (let k = 0; k < 5; k++) s.record(latencyNs);
      if (s.over(t * 1e6)) ended = t;
    }
    expect(ended).toBeGreaterThanOrEqual(1500);
    expect(ended).toBeLessThan(2000);
    expect(s.summary?.settled).toBe(true);
  });
});
