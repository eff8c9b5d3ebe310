import { distance } from "fastest-levenshtein";

/**
 * The known name closest to a misspelt one, if it is close enough to be the one meant: at most a
 * third of its letters edited (two at least, so `varaints` finds `variants`; one for names of up
 * to three letters), case ignored; or as far from the start of a longer one. Levenshtein distance
 * (fastest-levenshtein).
 */
export function closestName(name: string, known: Iterable<string>): string | undefined {
  const lower = name.toLowerCase();
  let best: string | undefined;
  let bestDistance = (name.length <= 3 ? 1 : Math.max(2, Math.floor(name.length / 3))) + 1;
  for (const candidate of known) {
    const other = candidate.toLowerCase();
    // A misspelt start of a longer name counts too: `warmpu` for `warmupIterations`.
    const d = oneSwap(lower, other)
      ? 1
      : Math.min(distance(lower, other), name.length >= 4 && other.length > name.length ? distance(lower, other.slice(0, name.length)) : Infinity);
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

/** Two neighbouring letters swapped (`ulr` for `url`): one slip, though Levenshtein counts two. */
function oneSwap(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  const i = a.split("").findIndex((c, k) => c !== b[k]);
  return i >= 0 && a[i] === b[i + 1] && a[i + 1] === b[i] && a.slice(i + 2) === b.slice(i + 2);
}

/** `; did you mean "x"?`, or nothing. */
export function didYouMean(name: string, known: Iterable<string>): string {
  const best = closestName(name, known);
  return best === undefined ? "" : `; did you mean "${best}"?`;
}
