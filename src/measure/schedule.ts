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

/**
 * A seeded order in which items sharing a key stay side by side: the groups in shuffled order,
 * each group's items shuffled within it. A trial measures the variants of one cell back to back
 * this way, so that a slow spell of the machine lasting longer than a block falls on both sides of
 * an A/B alike and cancels in the trial's paired difference, instead of landing on one variant only.
 */
export function groupedOrder<T>(items: readonly T[], keyOf: (item: T) => string, shuffle: <U>(xs: readonly U[]) => U[]): T[] {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const key = keyOf(item);
    const group = groups.get(key);
    if (group) group.push(item);
    else groups.set(key, [item]);
  }
  return shuffle([...groups.values()]).flatMap((group) => shuffle(group));
}
