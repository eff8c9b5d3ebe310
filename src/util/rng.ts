/**
 * Seeded pseudo-random numbers. Every generated input and every simulation in the tests draws from
 * here so that a seed fixes the bytes: mulberry32 (Tommy Ettinger's 32-bit generator, public
 * domain) is tiny, fast and passes the tests that matter for benchmark inputs; it is not crypto.
 */
export interface Rng {
  /** Uniform on [0, 1). */
  next(): number;
  /** Standard normal, by the Box–Muller transform. */
  normal(): number;
  /** Integer uniform on [lo, hi). */
  int(lo: number, hi: number): number;
}

export function createRng(seed: number): Rng {
  let state = seed >>> 0;
  let spare: number | undefined;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const normal = (): number => {
    if (spare !== undefined) {
      const s = spare;
      spare = undefined;
      return s;
    }
    let u = next();
    while (u === 0) u = next();
    const v = next();
    const r = Math.sqrt(-2 * Math.log(u));
    spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  };
  const int = (lo: number, hi: number): number => lo + Math.floor(next() * (hi - lo));
  return { next, normal, int };
}

/** Derive an independent seed for a named stream (e.g. one input of one cell) from a base seed. */
export function deriveSeed(seed: number, label: string): number {
  // FNV-1a over the label, mixed with the seed: stable across platforms and Node versions.
  let h = 0x811c9dc5 ^ (seed >>> 0);
  for (let i = 0; i < label.length; i++) {
    h ^= label.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}
