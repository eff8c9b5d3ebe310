/**
 * Block length for the circular block bootstrap, by the automatic rule of D. N. Politis and
 * H. White, "Automatic Block-Length Selection for the Dependent Bootstrap", Econometric Reviews
 * 23(1), 2004, with the correction of A. Patton, D. N. Politis and H. White, Econometric Reviews
 * 28(4), 2009 (the constant D_CB = (4/3) ĝ(0)²). It follows Patton's reference MATLAB code
 * (opt_block_length_REV_dec07.m) and arch.bootstrap.optimal_block_length step by step.
 */
import { mean } from "./descriptive.js";

function autocovariance(centered: Float64Array, lag: number): number {
  let sum = 0;
  for (let t = 0; t + lag < centered.length; t++) sum += (centered[t] as number) * (centered[t + lag] as number);
  return sum / centered.length;
}

/**
 * b̂ = (2 Ĝ² / D̂_CB)^(1/3) n^(1/3), rounded up, at least 1 and at most min(3√n, n/3), where
 * Ĝ = Σ λ(k/M) |k| R̂(k) and ĝ(0) = Σ λ(k/M) R̂(k) over |k| <= M, with the flat-top lag window λ
 * (1 up to ½, then linear down to 0 at 1). M = 2 m̂, where m̂ is the smallest lag after which
 * K_n = 5 consecutive autocorrelations are insignificant, |ρ̂| < 2 √(log10(n)/n).
 * MSE-optimal for the bootstrap variance; returns 1 for independent data (the plain bootstrap).
 */
export function circularBlockLength(xs: ArrayLike<number>): number {
  return politisWhite(xs).blockLength;
}

export interface BlockLengthEstimate {
  blockLength: number;
  /**
   * Ĝ / ĝ(0), the flat-top estimates of Σ|k|γ(k) over Σγ(k); 0 without dependence. The block
   * bootstrap variance with blocks of ℓ falls short of the long-run variance by the fraction
   * lagMoment/ℓ to first order (Künsch 1989, Ann. Statist. 17(3), Thm 3.1; the bias term of
   * Politis & White's MSE).
   */
  lagMoment: number;
}

/** `circularBlockLength` with the lag moment it was derived from. */
export function politisWhite(xs: ArrayLike<number>): BlockLengthEstimate {
  const n = xs.length;
  if (n < 8) return { blockLength: 1, lagMoment: 0 };
  const centre = mean(xs);
  const centered = new Float64Array(n);
  for (let i = 0; i < n; i++) centered[i] = (xs[i] as number) - centre;
  const variance = autocovariance(centered, 0);
  if (variance === 0) return { blockLength: 1, lagMoment: 0 };

  const kn = 5; // K_n = max(5, √log10 n), which is 5 below n = 10^25
  const mMax = Math.min(n - 1, Math.ceil(Math.sqrt(n)) + kn);
  const critical = 2 * Math.sqrt(Math.log10(n) / n);
  const acv = [variance];
  let insignificantRun = 0;
  let mHat: number | undefined;
  for (let lag = 1; lag <= mMax && mHat === undefined; lag++) {
    acv.push(autocovariance(centered, lag));
    insignificantRun = Math.abs((acv[lag] as number) / variance) < critical ? insignificantRun + 1 : 0;
    if (insignificantRun === kn) mHat = lag - kn;
  }
  const bigM = mHat === undefined ? mMax : Math.min(2 * Math.max(mHat, 1), mMax);
  for (let lag = acv.length; lag <= bigM; lag++) acv.push(autocovariance(centered, lag));

  let g = 0;
  let longRun = variance;
  for (let k = 1; k <= bigM; k++) {
    const lambda = k / bigM <= 0.5 ? 1 : 2 * (1 - k / bigM);
    g += 2 * lambda * k * (acv[k] as number);
    longRun += 2 * lambda * (acv[k] as number);
  }
  const dCB = (4 / 3) * longRun * longRun;
  const optimal = Math.cbrt((2 * g * g) / dCB) * Math.cbrt(n);
  const maximum = Math.ceil(Math.min(3 * Math.sqrt(n), n / 3));
  const lagMoment = longRun > 0 ? g / longRun : 0;
  if (!Number.isFinite(optimal)) return { blockLength: maximum, lagMoment };
  return { blockLength: Math.max(1, Math.min(maximum, Math.ceil(optimal))), lagMoment };
}
