/**
 * Empirical-Bayes moderated variances: G. K. Smyth, "Linear models and empirical Bayes methods for
 * assessing differential expression in microarray experiments", Statistical Applications in
 * Genetics and Molecular Biology 3(1), 2004 (limma's `fitFDist` and `squeezeVar`).
 *
 * A run measures each cell in a handful of trials, so each cell's own variance s² has only T − 1
 * degrees of freedom and is itself very uncertain. Smyth's model: the cells' true variances σ_c²
 * are draws from a scaled inverse χ² prior (s0², d0), and s_c² | σ_c² ~ σ_c² χ²_{d_c}/d_c. The
 * posterior mean of 1/σ_c² gives the moderated variance
 *   s̃_c² = (d0 s0² + d_c s_c²) / (d0 + d_c),   with d0 + d_c degrees of freedom,
 * and t statistics built on s̃_c keep an exact t distribution under the model.
 */
import { digamma, trigamma, trigammaInverse } from "./polygamma.js";
import { regularizedBeta } from "./special.js";

/** One cell's sample variance (of log values) and its degrees of freedom (T − 1, or 0). */
export interface VarianceEstimate {
  variance: number;
  df: number;
}

/** The prior (s0², d0) of the cells' variances, estimated from the cells of a run. */
export interface VariancePrior {
  /** s0², on the scale of the inputs (variance of log values). */
  variance: number;
  /** d0: Infinity when every cell's variance is consistent with the one value s0². */
  df: number;
  /**
   * Σ d_c over every cell given. s0² is itself an estimate from at most that many degrees of
   * freedom, so no moderated estimate gets more (limma's eBayes caps df.total at df.pooled for the
   * same reason); with d0 = ∞ this is the df the moderated variance gets.
   */
  pooledDf: number;
  /** Cells that entered the estimate (positive variance and df). */
  cells: number;
}

export type ModeratedVariance = { variance: number; df: number; reason?: undefined } | { variance: null; df: 0; reason: string };

function check(estimates: readonly VarianceEstimate[]): void {
  estimates.forEach(({ variance, df }, i) => {
    if (!(variance >= 0 && variance < Infinity)) throw new RangeError(`variance ${i} is ${variance}, not a finite number >= 0`);
    if (!(df >= 0 && df < Infinity)) throw new RangeError(`df ${i} of variance ${i} is ${df}, not a finite number >= 0`);
  });
}

/**
 * Smyth's method of moments on log s² (2004, §6.2): with e_c = log s_c² − ψ(d_c/2) + log(d_c/2),
 * E[e_c] = log s0² − ψ(d0/2) + log(d0/2) and Var[e_c] = ψ′(d_c/2) + ψ′(d0/2). So
 * ψ′(d0/2) = mean over c of [(e_c − ē)² G/(G − 1) − ψ′(d_c/2)], solved by trigammaInverse; when
 * that is <= 0 the cells vary no more than sampling alone explains and d0 = ∞, s0² = exp(ē).
 * Cells with s² = 0 (identical trials) or no df are left out: log 0 has no moment. Null when
 * fewer than two cells remain (a single cell cannot tell its own noise from the prior's).
 */
export function estimateVariancePrior(estimates: readonly VarianceEstimate[]): VariancePrior | null {
  check(estimates);
  const usable = estimates.filter((e) => e.variance > 0 && e.df > 0);
  const g = usable.length;
  if (g < 2) return null;
  const e = usable.map(({ variance, df }) => Math.log(variance) - digamma(df / 2) + Math.log(df / 2));
  const eBar = e.reduce((a, x) => a + x, 0) / g;
  let excess = 0;
  usable.forEach(({ df }, i) => {
    excess += ((e[i] as number) - eBar) ** 2 * (g / (g - 1)) - trigamma(df / 2);
  });
  excess /= g;
  const pooledDf = estimates.reduce((a, { df }) => a + df, 0);
  if (!(excess > 0)) return { variance: Math.exp(eBar), df: Infinity, pooledDf, cells: g };
  const d0 = 2 * trigammaInverse(excess);
  return { variance: Math.exp(eBar + digamma(d0 / 2) - Math.log(d0 / 2)), df: d0, pooledDf, cells: g };
}

/**
 * s̃² = (d0 s0² + d s²)/(d0 + d) with df min(d0 + d, max(d, pooledDf)); d0 = ∞ gives s0². No
 * prior: the cell's own s² and d (classical), and null when d = 0 (one trial) or s² = 0 (identical
 * trials: the data show no noise, which is not the same as knowing there is none).
 */
export function moderateVariance(own: VarianceEstimate, prior: VariancePrior | null): ModeratedVariance {
  check([own]);
  if (own.df === 0) return { variance: null, df: 0, reason: "one trial: no between-trial variance" };
  if (prior === null) {
    if (own.variance === 0) return { variance: null, df: 0, reason: "every trial gave the same value" };
    return { variance: own.variance, df: own.df };
  }
  // A cell far noisier than the prior allows (a block disturbed by a neighbour, left in) is not
  // shrunk toward the calm cells: it keeps its own variance and df.
  if (hypervariable(own, prior)) return { variance: own.variance, df: own.df };
  const variance = prior.df === Infinity ? prior.variance : (prior.df * prior.variance + own.df * own.variance) / (prior.df + own.df);
  return { variance, df: Math.min(prior.df + own.df, Math.max(own.df, prior.pooledDf)) };
}

/** A cell's variance is called hypervariable when the prior gives a larger one this rarely. */
export const HYPERVARIABLE_P = 0.01;
/** F's second df standing in for d0 = ∞ (s0² known): the χ²_d/d limit to well within 1e-4 at d <= 20. */
const KNOWN_PRIOR_DF = 1e7;

/**
 * Whether s² is an outlier above the prior: under Smyth's model s²/s0² ~ F(d, d0), and the upper
 * tail P(F > s²/s0²) = I_{d0/(d0 + d·f)}(d0/2, d/2) is below HYPERVARIABLE_P. Smyth's model assumes
 * every cell's variance is a draw from one prior; a cell whose trials include a disturbed one
 * breaks it, and shrinking that cell's variance toward the calm ones' would make its one slow trial
 * a significant change (the "hypervariable genes" of Phipson et al., Annals of Applied Statistics
 * 10(2), 2016, whose robust estimation gives such cells little prior weight; here they get none).
 */
export function hypervariable(own: VarianceEstimate, prior: VariancePrior): boolean {
  if (own.df === 0 || own.variance <= prior.variance) return false;
  const d0 = prior.df === Infinity ? KNOWN_PRIOR_DF : prior.df;
  const f = own.variance / prior.variance;
  const total = d0 + own.df * f;
  return regularizedBeta(d0 / total, d0 / 2, own.df / 2, (own.df * f) / total) < HYPERVARIABLE_P;
}

/** Sample variance (n − 1 denominator) and its df of a list of values; two-pass for accuracy. */
export function sampleVariance(xs: ArrayLike<number>): VarianceEstimate {
  const n = xs.length;
  if (n < 2) return { variance: 0, df: 0 };
  let mean = 0;
  for (let i = 0; i < n; i++) mean += xs[i] as number;
  mean /= n;
  let ss = 0;
  for (let i = 0; i < n; i++) ss += ((xs[i] as number) - mean) ** 2;
  return { variance: ss / (n - 1), df: n - 1 };
}
