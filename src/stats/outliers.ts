/**
 * Outliers are classified and counted, never dropped: on a shared machine a slow iteration is
 * part of the latency a user will see, and removing it would bias every high percentile.
 */
import { medianAbsoluteDeviation } from "./descriptive.js";
import { normalQuantile } from "./distributions.js";
import { quantile, type SortedSamples } from "./quantile.js";

/** 1/Φ⁻¹(3/4) ≈ 1.4826: scales the MAD to estimate σ for normal data (scipy's scale='normal'). */
export const MAD_NORMAL_SCALE = 1 / normalQuantile(0.75);

/** Iglewicz & Hoaglin's cut-off for the modified z-score. */
const MODIFIED_Z_LIMIT = 3.5;

export interface TukeyFences {
  lowSevere: number;
  lowMild: number;
  highMild: number;
  highSevere: number;
}

/** Counts by category, flat and JSON-friendly. A severe outlier is not also counted as mild. */
export interface OutlierCounts {
  /** Below Q1 − 3·IQR. */
  lowSevere: number;
  /** In [Q1 − 3·IQR, Q1 − 1.5·IQR). */
  lowMild: number;
  /** In (Q3 + 1.5·IQR, Q3 + 3·IQR]. */
  highMild: number;
  /** Above Q3 + 3·IQR. */
  highSevere: number;
  /** Modified z-score |x − median| / (1.4826 · MAD) above 3.5, either side. */
  mad: number;
}

export interface OutlierClassification extends OutlierCounts {
  fences: TukeyFences;
  median: number;
  /** Median absolute deviation from the median, unscaled. */
  medianAbsoluteDeviation: number;
}

/**
 * Tukey's fences (Tukey 1977, "Exploratory Data Analysis": Q1 − k·IQR and Q3 + k·IQR, k = 1.5 for
 * mild and 3 for severe outliers), counted low/high and mild/severe as Criterion.rs does, with
 * type-7 quartiles; and the modified z-score rule of Iglewicz & Hoaglin (1993, "How to Detect and
 * Handle Outliers", ASQC): |x − median| / (1.4826 · MAD) > 3.5. When more than half the samples
 * are equal the MAD is 0; every sample off the median then has an infinite score and counts.
 */
export function classifyOutliers(sorted: SortedSamples): OutlierClassification {
  const q1 = quantile(sorted, 0.25);
  const q3 = quantile(sorted, 0.75);
  const iqr = q3 - q1;
  const fences: TukeyFences = {
    lowSevere: q1 - 3 * iqr,
    lowMild: q1 - 1.5 * iqr,
    highMild: q3 + 1.5 * iqr,
    highSevere: q3 + 3 * iqr,
  };
  const median = quantile(sorted, 0.5);
  const mad = medianAbsoluteDeviation(sorted);
  const counts: OutlierCounts = { lowSevere: 0, lowMild: 0, highMild: 0, highSevere: 0, mad: 0 };
  for (const x of sorted) {
    if (x < fences.lowSevere) counts.lowSevere++;
    else if (x > fences.highSevere) counts.highSevere++;
    else if (x < fences.lowMild) counts.lowMild++;
    else if (x > fences.highMild) counts.highMild++;
    const deviation = Math.abs(x - median);
    if (mad === 0 ? deviation > 0 : deviation / (MAD_NORMAL_SCALE * mad) > MODIFIED_Z_LIMIT) counts.mad++;
  }
  return { ...counts, fences, median, medianAbsoluteDeviation: mad };
}
