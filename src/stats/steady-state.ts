/**
 * Where the warm-up transient ends: MSER-5, the Marginal Standard Error Rule on batch means of 5
 * (White 1997, "An effective truncation heuristic for bias reduction in simulation output",
 * Simulation 69(6); Franklin & White 2008, "Stationarity tests and MSER-5: exploring the
 * intuition behind mean-squared-error-reduction in detecting and correcting initialization
 * bias", Proc. Winter Simulation Conference).
 */

const BATCH = 5;

/**
 * A minimiser this close to the end is an artefact: the statistic of the last few batch means is
 * a tiny χ² draw (0 for the very last one), not a sign of steady state. Candidates for the global
 * minimum keep at least this many batches (50 samples) after the cut.
 */
const MIN_BATCHES_LEFT = 10;

export interface SteadyState {
  /** Samples to discard from the start: 5 · d*, where d* minimises the MSER statistic, d* <= b/2. */
  truncate: number;
  /**
   * False when the statistic's minimum over all cuts lies beyond half of the series (the usual
   * reading: no steady state was reached, e.g. a drift or a transient longer than half the run)
   * or when the series is too short to judge (fewer than 2 · 10 batches). `truncate` is then
   * still the best cut within the first half.
   */
  reliable: boolean;
}

/**
 * MSER-5. With Y_1..Y_b the means of consecutive batches of 5 (a trailing partial batch is
 * ignored), the cut d minimises
 *
 *   MSER(d) = Σ_{i>d} (Y_i − Ȳ_d)² / (b − d)²,   Ȳ_d the mean of Y_{d+1..b},
 *
 * i.e. the squared half-width of a naive interval for the mean of what is kept: dropping a biased
 * start narrows it, dropping good data widens it. We search d <= b/2 (standard practice) and flag
 * the result unreliable when the unrestricted minimiser lies in the second half. One backward pass
 * with Welford's update adds Y_{d+1} to the suffix, so the cost is O(n).
 */
export function mser5(series: ArrayLike<number>): SteadyState {
  const b = Math.floor(series.length / BATCH);
  if (b < 2) return { truncate: 0, reliable: false };
  const y = new Float64Array(b);
  for (let i = 0; i < b; i++) {
    let s = 0;
    for (let j = 0; j < BATCH; j++) {
      const x = series[BATCH * i + j] ?? NaN;
      if (!Number.isFinite(x)) throw new RangeError(`mser5: sample ${BATCH * i + j} is ${x}, not a finite number`);
      s += x;
    }
    y[i] = s / BATCH;
  }
  const half = Math.floor(b / 2);
  const lastCandidate = b - MIN_BATCHES_LEFT;
  let best = 0;
  let bestValue = Infinity;
  let globalBest = 0;
  let globalValue = Infinity;
  let mean = 0;
  let m2 = 0;
  for (let d = b - 1; d >= 0; d--) {
    const count = b - d;
    const delta = (y[d] as number) - mean;
    mean += delta / count;
    m2 += delta * ((y[d] as number) - mean);
    const value = m2 / (count * count);
    // Ties go to the smaller cut: never discard data for nothing.
    if (d <= half && value <= bestValue) {
      best = d;
      bestValue = value;
    }
    if (d <= lastCandidate && value <= globalValue) {
      globalBest = d;
      globalValue = value;
    }
  }
  const reliable = b >= 2 * MIN_BATCHES_LEFT && globalBest <= half;
  return { truncate: BATCH * best, reliable };
}
