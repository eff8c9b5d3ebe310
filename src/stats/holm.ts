/**
 * Holm–Bonferroni step-down adjustment (S. Holm, "A Simple Sequentially Rejective Multiple Test
 * Procedure", Scand. J. Statistics 6(2), 1979). Controls the family-wise error rate under any
 * dependence between the tests, which matters here: the five metrics of one cell are computed
 * from the same samples and are strongly correlated, so procedures that assume independence or
 * positive dependence in a particular form (Šidák, Hochberg) are not safe to use.
 */

/**
 * Adjusted p-values in the input order: with p_(1) <= … <= p_(m) sorted ascending,
 * p̃_(i) = max_{j <= i} min(1, (m − j + 1) p_(j)). Rejecting where p̃ < α is Holm's procedure at
 * level α; the result is what statsmodels' multipletests(method="holm") returns.
 */
export function holm(pValues: readonly number[]): number[] {
  const m = pValues.length;
  pValues.forEach((p, i) => {
    if (!(p >= 0 && p <= 1)) throw new RangeError(`holm: p-value ${i} is ${p}, not in [0, 1]`);
  });
  // Stable ascending order, so equal p-values keep their input order (and equal adjustments).
  const order = pValues.map((_, i) => i).sort((i, j) => (pValues[i] as number) - (pValues[j] as number) || i - j);
  const adjusted = new Array<number>(m);
  let running = 0;
  order.forEach((index, rank) => {
    running = Math.max(running, Math.min(1, (m - rank) * (pValues[index] as number)));
    adjusted[index] = running;
  });
  return adjusted;
}
