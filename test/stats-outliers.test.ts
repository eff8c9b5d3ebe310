/** Outlier classification: Tukey fences (mild/severe, low/high) and the modified z-score. */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { classifyOutliers, MAD_NORMAL_SCALE, sortSamples } from "../src/stats/index.js";

interface Fixture {
  outliers: {
    xs: number[];
    fences: { lowSevere: number; lowMild: number; highMild: number; highSevere: number };
    median: number;
    madScaled: number;
    counts: { lowSevere: number; lowMild: number; highMild: number; highSevere: number; mad: number };
  }[];
}
const fixture = JSON.parse(readFileSync(new URL("fixtures/stats/dependence.json", import.meta.url), "utf8")) as Fixture;

describe("classifyOutliers", () => {
  it("counts by Tukey's fences, a severe outlier not also as mild", () => {
    // −20, −2, 1..15, 27.5, 30, 45 (20 values). Type 7: Q1 at h = 4.75 is 3.75, Q3 at h = 14.25 is
    // 13.25, IQR = 9.5; fences 3.75 − 28.5, 3.75 − 14.25, 13.25 + 14.25, 13.25 + 28.5.
    const xs = sortSamples([-20, -2, ...Array.from({ length: 15 }, (_, i) => i + 1), 27.5, 30, 45]);
    const r = classifyOutliers(xs);
    expect(r.fences).toEqual({ lowSevere: -24.75, lowMild: -10.5, highMild: 27.5, highSevere: 41.75 });
    // 27.5 lies on the mild fence and is not beyond it (strict inequalities, as Criterion.rs).
    expect(r).toMatchObject({ lowSevere: 0, lowMild: 1, highMild: 1, highSevere: 1 });
    // Median 8.5; |x − 8.5| has median 5, so the cut-off is 3.5 · 1.4826 · 5 = 25.9: −20 and 45.
    expect(r).toMatchObject({ median: 8.5, medianAbsoluteDeviation: 5, mad: 2 });
  });

  it("finds nothing in evenly spread data", () => {
    const r = classifyOutliers(sortSamples([10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20]));
    expect(r).toMatchObject({ lowSevere: 0, lowMild: 0, highMild: 0, highSevere: 0, mad: 0, median: 15 });
    expect(r.fences).toEqual({ lowSevere: -2.5, lowMild: 5, highMild: 25, highSevere: 32.5 });
  });

  it("uses 1/Φ⁻¹(0.75) ≈ 1.4826 to scale the MAD and 3.5 as the cut-off", () => {
    expect(MAD_NORMAL_SCALE).toBeCloseTo(1.482602218505602, 14);
    // Median 10; deviations 10, 4, 2, 1, 0, 0, 1, 2, 4, 10.3, 10.4 have median 2, scaled 2.9652;
    // the cut-off 3.5 · 2.9652 = 10.378.
    const xs = sortSamples([0, 6, 8, 9, 10, 10, 11, 12, 14, 20.3, 20.4]);
    const r = classifyOutliers(xs);
    expect(r.median).toBe(10);
    expect(r.medianAbsoluteDeviation).toBe(2);
    expect(r.mad).toBe(1); // only 20.4 - 10 = 10.4 > 10.378; 20.3 and 0 stay inside
  });

  it("counts every sample off the median when the MAD is 0", () => {
    const r = classifyOutliers(sortSamples([5, 5, 5, 5, 5, 6, 4.5]));
    expect(r.medianAbsoluteDeviation).toBe(0);
    expect(r.mad).toBe(2);
  });

  it("matches numpy.percentile fences and scipy.stats.median_abs_deviation", () => {
    for (const { xs, fences, median, madScaled, counts } of fixture.outliers) {
      const r = classifyOutliers(sortSamples(xs));
      for (const key of ["lowSevere", "lowMild", "highMild", "highSevere"] as const) {
        expect(r.fences[key]).toBeCloseTo(fences[key], 12);
      }
      expect(r.median).toBeCloseTo(median, 14);
      expect(r.medianAbsoluteDeviation * MAD_NORMAL_SCALE).toBeCloseTo(madScaled, 12);
      const { lowSevere, lowMild, highMild, highSevere, mad } = r;
      expect({ lowSevere, lowMild, highMild, highSevere, mad }).toEqual(counts);
    }
  });
});
