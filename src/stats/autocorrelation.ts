/**
 * Serial dependence of a latency series. Consecutive timings share caches, GC state and CPU
 * frequency, so n samples carry less information than n independent ones; the effective sample
 * size says how much less.
 */
import { mean } from "./descriptive.js";

// Up to this many lags the direct O(n · lags) sum is cheaper than an FFT of twice the series.
const DIRECT_MAX_LAG = 64;

/** In-place iterative radix-2 Cooley–Tukey FFT; the length must be a power of two. */
function fft(re: Float64Array, im: Float64Array): void {
  const n = re.length;
  for (let i = 1, j = 0; i < n; i++) {
    let bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) {
      [re[i], re[j]] = [re[j] as number, re[i] as number];
      [im[i], im[j]] = [im[j] as number, im[i] as number];
    }
  }
  // Twiddles e^{-2πik/n} tabulated once from sin/cos (no drift from a recurrence); a stage of
  // length len uses every (n/len)-th one.
  const cos = new Float64Array(n / 2);
  const sin = new Float64Array(n / 2);
  for (let k = 0; k < n / 2; k++) {
    cos[k] = Math.cos((2 * Math.PI * k) / n);
    sin[k] = -Math.sin((2 * Math.PI * k) / n);
  }
  for (let len = 2; len <= n; len <<= 1) {
    const halfLen = len >> 1;
    const stride = n / len;
    for (let start = 0; start < n; start += len) {
      for (let k = 0; k < halfLen; k++) {
        const wr = cos[k * stride] as number;
        const wi = sin[k * stride] as number;
        const a = start + k;
        const b = a + halfLen;
        const xr = (re[b] as number) * wr - (im[b] as number) * wi;
        const xi = (re[b] as number) * wi + (im[b] as number) * wr;
        re[b] = (re[a] as number) - xr;
        im[b] = (im[a] as number) - xi;
        re[a] = (re[a] as number) + xr;
        im[a] = (im[a] as number) + xi;
      }
    }
  }
}

/**
 * Autocovariance sums c_k = Σ d_i d_{i+k}, k = 0..lags, by the Wiener–Khinchin theorem: the
 * inverse transform of |FFT(d)|², zero-padded to ≥ 2n so the circular sum is the linear one.
 * O(n log n) for every lag at once (Numerical Recipes 3rd ed. §13.2, "Correlation and
 * Autocorrelation Using the FFT").
 */
function autocovariancesFft(d: Float64Array, lags: number): Float64Array {
  let size = 1;
  while (size < 2 * d.length) size <<= 1;
  const re = new Float64Array(size);
  const im = new Float64Array(size);
  re.set(d);
  fft(re, im);
  for (let i = 0; i < size; i++) {
    re[i] = (re[i] as number) ** 2 + (im[i] as number) ** 2;
    im[i] = 0;
  }
  fft(re, im); // the power spectrum is real and even, so the forward transform inverts it (× size)
  const c = new Float64Array(lags + 1);
  for (let k = 0; k <= lags; k++) c[k] = (re[k] as number) / size;
  return c;
}

/**
 * Sample autocorrelations ρ_0..ρ_maxLag, with the usual biased estimator (divide by n, not n − k),
 * which keeps the sequence positive semi-definite (Box & Jenkins, "Time Series Analysis", §2.1.6).
 * A constant series has ρ_k = 0 for k ≥ 1 by convention; an empty one has no lags at all. Many
 * lags go through an FFT, so the cost is at most O(64 n + n log n) whatever maxLag is.
 */
export function autocorrelations(xs: ArrayLike<number>, maxLag: number): Float64Array {
  const n = xs.length;
  if (n === 0) return new Float64Array(0);
  const lags = Math.max(0, Math.min(maxLag, n - 1));
  const rho = new Float64Array(lags + 1);
  const centre = mean(xs);
  const d = new Float64Array(n);
  let c0 = 0;
  for (let i = 0; i < n; i++) {
    d[i] = (xs[i] as number) - centre;
    c0 += (d[i] as number) ** 2;
  }
  rho[0] = 1;
  if (c0 === 0) return rho;
  if (lags > DIRECT_MAX_LAG) {
    const c = autocovariancesFft(d, lags);
    for (let k = 1; k <= lags; k++) rho[k] = (c[k] as number) / c0;
    return rho;
  }
  for (let k = 1; k <= lags; k++) {
    let c = 0;
    for (let i = 0; i + k < n; i++) c += (d[i] as number) * (d[i + k] as number);
    rho[k] = c / c0;
  }
  return rho;
}

export function lag1Autocorrelation(xs: ArrayLike<number>): number {
  return autocorrelations(xs, 1)[1] ?? 0;
}

/**
 * −1 + 2 Σ Γ_m over the initial run of positive pairs Γ_m = ρ_2m + ρ_2m+1 within `rho`, and
 * whether the run ended there (a pair ≤ 0 was found) or may go on beyond the lags given.
 */
function initialPositiveSum(rho: Float64Array): { tau: number; ended: boolean } {
  let sum = 0;
  for (let m = 0; 2 * m + 1 < rho.length; m++) {
    const gamma = (rho[2 * m] as number) + (rho[2 * m + 1] as number);
    if (gamma <= 0) return { tau: -1 + 2 * sum, ended: true };
    sum += gamma;
  }
  return { tau: -1 + 2 * sum, ended: false };
}

/**
 * Integrated autocorrelation time τ = 1 + 2 Σ ρ_k, truncated by Geyer's initial positive sequence
 * estimator (Geyer 1992, "Practical Markov Chain Monte Carlo", Statistical Science 7(4)): sum the
 * pairs Γ_m = ρ_2m + ρ_2m+1 while they stay positive, at most up to lag n/2 (a trend keeps them
 * positive to the end). τ ≥ 1 by construction here (we never claim more information than
 * independent samples would carry), and n/τ is the effective sample size. O(64 n) when the
 * correlations die out within 64 lags, the usual case; O(n log n) otherwise.
 */
export function integratedAutocorrelationTime(xs: ArrayLike<number>): number {
  const n = xs.length;
  if (n < 4) return 1;
  const half = Math.floor(n / 2);
  const short = initialPositiveSum(autocorrelations(xs, Math.min(half, DIRECT_MAX_LAG)));
  if (short.ended || half <= DIRECT_MAX_LAG) return Math.max(1, short.tau);
  // Still positive at lag 64: every lag up to n/2 from one FFT.
  return Math.max(1, initialPositiveSum(autocorrelations(xs, half)).tau);
}

export function effectiveSampleSize(xs: ArrayLike<number>): number {
  return xs.length / integratedAutocorrelationTime(xs);
}
