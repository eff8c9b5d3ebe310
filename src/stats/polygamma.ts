/**
 * Digamma ψ, trigamma ψ′ and tetragamma ψ″, and the inverse of trigamma: what the empirical-Bayes
 * variance prior of moderated.ts is built on (Smyth 2004, §6.2). Recurrence up to x >= 10, then
 * the asymptotic series in Bernoulli numbers (Abramowitz & Stegun 6.3.18, 6.4.11): ~1e-14 relative.
 */

const SHIFT_TO = 10;

/** ψ(x) = d/dx ln Γ(x), for x > 0. */
export function digamma(x: number): number {
  if (!(x > 0)) throw new RangeError(`digamma: x must be > 0, got ${x}`);
  let acc = 0;
  while (x < SHIFT_TO) {
    acc -= 1 / x; // ψ(x) = ψ(x + 1) − 1/x
    x += 1;
  }
  const r = 1 / (x * x);
  const series = r * (1 / 12 - r * (1 / 120 - r * (1 / 252 - r * (1 / 240 - r * (1 / 132)))));
  return acc + Math.log(x) - 0.5 / x - series;
}

/** ψ′(x), for x > 0. */
export function trigamma(x: number): number {
  if (!(x > 0)) throw new RangeError(`trigamma: x must be > 0, got ${x}`);
  let acc = 0;
  while (x < SHIFT_TO) {
    acc += 1 / (x * x); // ψ′(x) = ψ′(x + 1) + 1/x²
    x += 1;
  }
  const r = 1 / (x * x);
  const series = ((1 / 6 - r * (1 / 30 - r * (1 / 42 - r * (1 / 30 - r * (5 / 66))))) * r) / x;
  return acc + 1 / x + 0.5 * r + series;
}

/** ψ″(x), for x > 0. */
export function tetragamma(x: number): number {
  if (!(x > 0)) throw new RangeError(`tetragamma: x must be > 0, got ${x}`);
  let acc = 0;
  while (x < SHIFT_TO) {
    acc -= 2 / (x * x * x); // ψ″(x) = ψ″(x + 1) − 2/x³
    x += 1;
  }
  const r = 1 / (x * x);
  const series = r * r * (0.5 - r * (1 / 6 - r * (1 / 6 - r * (3 / 10 - r * (5 / 6)))));
  return acc - r - r / x - series;
}

/**
 * y with ψ′(y) = x, for x > 0: Newton's method on 1/ψ′(y), started at ½ + 1/x, exactly as limma's
 * `trigammaInverse` (Smyth 2004; the iteration is monotone, so it converges from that start).
 */
export function trigammaInverse(x: number): number {
  if (!(x > 0 && x < Infinity)) throw new RangeError(`trigammaInverse: x must be a positive number, got ${x}`);
  if (x > 1e7) return 1 / Math.sqrt(x);
  if (x < 1e-6) return 1 / x;
  let y = 0.5 + 1 / x;
  for (let i = 0; i < 50; i++) {
    const tri = trigamma(y);
    const step = (tri * (1 - tri / x)) / tetragamma(y);
    y += step;
    if (-step / y < 1e-8) break;
  }
  return y;
}
