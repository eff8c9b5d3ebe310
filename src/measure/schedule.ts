import { createRng, deriveSeed } from "../util/rng.js";

/**
 * Seeded Fisher–Yates shuffles (each call a new order; a trial takes one for its cells), so slow drift of the machine (thermal, other tenants) spreads over every cell
 * alike instead of biasing whichever ran last (Mytkowicz et al., "Producing Wrong Data Without
 * Doing Anything Obviously Wrong!", ASPLOS 2009, on measurement bias from fixed orders).
 */
export function roundShuffler(seed: number): <T>(items: readonly T[]) => T[] {
  const rng = createRng(deriveSeed(seed, "interleave"));
  return <T>(items: readonly T[]): T[] => {
    const out = [...items];
    for (let i = out.length - 1; i > 0; i--) {
      const j = rng.int(0, i + 1);
      [out[i], out[j]] = [out[j] as T, out[i] as T];
    }
    return out;
  };
}
