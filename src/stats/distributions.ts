/**
 * Inverse CDFs of the standard normal and Student's t distributions.
 *
 * simple-statistics' `probit` is not used: it rests on Winitzki's closed-form inverse erf, which
 * is off by 2.8e-3 at p = 0.975 (1.9572 instead of 1.95996), 6.7e-3 at 0.995 and 1.3e-2 at 1e-6,
 * too coarse for interval endpoints. Wichura's AS 241 below is accurate to about 1e-16.
 */
import { checkProbability } from "./quantile.js";
import { logGamma, regularizedBeta } from "./special.js";

function poly(coefficients: readonly number[], x: number): number {
  let acc = 0;
  for (let i = coefficients.length - 1; i >= 0; i--) acc = acc * x + (coefficients[i] ?? 0);
  return acc;
}

// Wichura, M. J. (1988). Algorithm AS 241: The percentage points of the normal distribution.
// Applied Statistics 37(3), 477–484. PPND16; coefficients in ascending powers.
const A = [
  3.387132872796366608, 133.14166789178437745, 1971.5909503065514427, 13731.693765509461125, 45921.953931549871457, 67265.770927008700853,
  33430.575583588128105, 2509.0809287301226727,
];
const B = [
  1, 42.313330701600911252, 687.1870074920579083, 5394.1960214247511077, 21213.794301586595867, 39307.89580009271061, 28729.085735721942674,
  5226.495278852854561,
];
const C = [
  1.42343711074968357734, 4.6303378461565452959, 5.7694972214606914055, 3.64784832476320460504, 1.27045825245236838258, 0.24178072517745061177,
  0.0227238449892691845833, 7.7454501427834140764e-4,
];
const D = [
  1, 2.05319162663775882187, 1.6763848301838038494, 0.68976733498510000455, 0.14810397642748007459, 0.0151986665636164571966, 5.475938084995344946e-4,
  1.05075007164441684324e-9,
];
const E = [
  6.6579046435011037772, 5.4637849111641143699, 1.7848265399172913358, 0.29656057182850489123, 0.026532189526576123093, 0.0012426609473880784386,
  2.71155556874348757815e-5, 2.01033439929228813265e-7,
];
const F = [
  1, 0.59983220655588793769, 0.13692988092273580531, 0.0148753612908506148525, 7.868691311456132591e-4, 1.8463183175100546818e-5, 1.4215117583164458887e-7,
  2.04426310338993978564e-15,
];

/** Inverse CDF of the standard normal distribution (Wichura 1988, AS 241). */
export function normalQuantile(p: number): number {
  checkProbability(p, "normalQuantile");
  if (p === 0) return -Infinity;
  if (p === 1) return Infinity;
  const q = p - 0.5;
  if (Math.abs(q) <= 0.425) {
    const r = 0.180625 - q * q;
    return (q * poly(A, r)) / poly(B, r);
  }
  const r = Math.sqrt(-Math.log(q < 0 ? p : 1 - p));
  const z = r <= 5 ? poly(C, r - 1.6) / poly(D, r - 1.6) : poly(E, r - 5) / poly(F, r - 5);
  return q < 0 ? -z : z;
}

/** P(T > t) for t >= 0, by the standard identity ½ · I_{ν/(ν+t²)}(ν/2, ½) (A&S ch. 26). */
function tUpperTail(t: number, df: number): number {
  const t2 = t * t;
  return 0.5 * regularizedBeta(df / (df + t2), df / 2, 0.5, t2 / (df + t2));
}

// From here on the Cornish–Fisher series is good to ~1e-11 relative even at p = 1e-8 (checked
// against SciPy), and it avoids the incomplete-beta fraction, which slows down as ν/2 grows.
const CORNISH_FISHER_MIN_DF = 1000;

/** Abramowitz & Stegun 26.7.5: t_ν(p) as a series in 1/ν around the normal quantile z. */
function cornishFisher(z: number, df: number): number {
  const z2 = z * z;
  const g1 = (z * (z2 + 1)) / 4;
  const g2 = (z * ((5 * z2 + 16) * z2 + 3)) / 96;
  const g3 = (z * (((3 * z2 + 19) * z2 + 17) * z2 - 15)) / 384;
  const g4 = (z * ((((79 * z2 + 776) * z2 + 1482) * z2 - 1920) * z2 - 945)) / 92160;
  return z + (g1 + (g2 + (g3 + g4 / df) / df) / df) / df;
}

/**
 * Hill, G. W. (1970). Algorithm 396: Student's t-quantiles. CACM 13(10), 619–620. Used only as the
 * starting point of the Newton refinement in tQuantile; `q` is the one-sided upper-tail probability.
 */
function hillStart(q: number, df: number): number {
  const p2 = 2 * q;
  const a = 1 / (df - 0.5);
  const b = 48 / (a * a);
  let c = (((20700 * a) / b - 98) * a - 16) * a + 96.36;
  const d = ((94.5 / (b + c) - 3) / b + 1) * Math.sqrt((a * Math.PI) / 2) * df;
  let y = (d * p2) ** (2 / df);
  if (y > 0.05 + a) {
    const x = normalQuantile(q);
    y = x * x;
    if (df < 5) c += 0.3 * (df - 4.5) * (x + 0.6);
    c = (((0.05 * d * x - 5) * x - 7) * x - 2) * x + b + c;
    y = (((((0.4 * y + 6.3) * y + 36) * y + 94.5) / c - y - 3) / b + 1) * x;
    y = Math.expm1(a * y * y);
  } else {
    y = (((1 / (((df + 6) / (df * y) - 0.089 * d - 0.822) * (df + 2) * 3) + 0.5 / (df + 4)) * y - 1) * (df + 1)) / (df + 2) + 1 / y;
  }
  return Math.sqrt(df * y);
}

/**
 * Inverse CDF of Student's t with `df` > 0 degrees of freedom (non-integer allowed, e.g. Welch).
 * Closed forms for ν = 1, 2; Cornish–Fisher for ν >= 1000; otherwise Hill's approximation refined
 * by safeguarded Newton steps on the exact tail probability, so the result is accurate to ~1e-13.
 */
export function tQuantile(p: number, df: number): number {
  checkProbability(p, "tQuantile");
  if (!(df > 0)) throw new RangeError(`tQuantile: df must be > 0, got ${df}`);
  if (p === 0) return -Infinity;
  if (p === 1) return Infinity;
  if (p === 0.5) return 0;
  if (df === Infinity) return normalQuantile(p);
  const q = Math.min(p, 1 - p); // upper-tail probability of |t|; exact for p >= 0.5 (Sterbenz)
  const sign = p < 0.5 ? -1 : 1;
  if (df === 1) return sign / Math.tan(Math.PI * q); // Cauchy
  if (df === 2) return sign * Math.sqrt(1 / (2 * q * (1 - q)) - 2);
  if (df >= CORNISH_FISHER_MIN_DF) return sign * cornishFisher(-normalQuantile(q), df);

  const logDensityConst = logGamma((df + 1) / 2) - logGamma(df / 2) - 0.5 * Math.log(df * Math.PI);
  const density = (t: number): number => Math.exp(logDensityConst - ((df + 1) / 2) * Math.log1p((t * t) / df));
  let t = df >= 3 ? hillStart(q, df) : 1 / Math.tan(Math.PI * q);
  if (!(t > 0 && Number.isFinite(t))) t = 1;
  // Bracket the root so a wild Newton step can fall back to bisection.
  let lo = 0;
  let hi = t;
  while (tUpperTail(hi, df) > q) {
    lo = hi;
    hi *= 2;
  }
  for (let i = 0; i < 100; i++) {
    const excess = tUpperTail(t, df) - q; // decreasing in t
    if (excess === 0) break;
    if (excess > 0) lo = t;
    else hi = t;
    let next = t + excess / density(t);
    if (!(next > lo && next < hi)) next = (lo + hi) / 2;
    const done = Math.abs(next - t) <= 1e-15 * next;
    t = next;
    if (done) break;
  }
  return sign * t;
}
