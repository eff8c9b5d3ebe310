/**
 * Serial dependence of a latency series. Consecutive timings share caches, GC state and CPU
 * frequency, so n samples carry less information than n independent ones; the effective sample
 * size says how much less.
 */

function meanOf(xs: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += xs[i] as number;
  return s / xs.length;
}

/**
 * Sample autocorrelations ρ_0..ρ_maxLag, with the usual biased estimator (divide by n, not n − k),
 * which keeps the sequence positive semi-definite (Box & Jenkins, "Time Series Analysis", §2.1.6).
 * A constant series has ρ_k = 0 for k ≥ 1 by convention.
 */
export function autocorrelations(xs: ArrayLike<number>, maxLag: number): Float64Array {
  const n = xs.length;
  const lags = Math.max(0, Math.min(maxLag, n - 1));
  const rho = new Float64Array(lags + 1);
  if (n === 0) return rho;
  const mean = meanOf(xs);
  const d = new Float64Array(n);
  let c0 = 0;
  for (let i = 0; i < n; i++) {
    d[i] = (xs[i] as number) - mean;
    c0 += (d[i] as number) ** 2;
  }
  rho[0] = 1;
  if (c0 === 0) return rho;
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
 * Integrated autocorrelation time τ = 1 + 2 Σ ρ_k, truncated by Geyer's initial positive sequence
 * estimator (Geyer 1992, "Practical Markov Chain Monte Carlo", Statistical Science 7(4)): sum the
 * pairs Γ_m = ρ_2m + ρ_2m+1 while they stay positive. τ ≥ 1 by construction here (we never claim
 * more information than independent samples would carry), and n/τ is the effective sample size.
 */
export function integratedAutocorrelationTime(xs: ArrayLike<number>): number {
  const n = xs.length;
  if (n < 4) return 1;
  let maxLag = Math.min(n - 1, 64);
  let rho = autocorrelations(xs, maxLag);
  for (;;) {
    let sum = 0;
    for (let m = 0; 2 * m + 1 < rho.length; m++) {
      const gamma = (rho[2 * m] as number) + (rho[2 * m + 1] as number);
      if (gamma <= 0) return Math.max(1, -1 + 2 * sum);
      sum += gamma;
    }
    // Still positive at the last lag computed: look further, up to half the series.
    if (maxLag >= Math.floor(n / 2)) return Math.max(1, -1 + 2 * sum);
    maxLag = Math.min(Math.floor(n / 2), maxLag * 4);
    rho = autocorrelations(xs, maxLag);
  }
}

export function effectiveSampleSize(xs: ArrayLike<number>): number {
  return xs.length / integratedAutocorrelationTime(xs);
}
