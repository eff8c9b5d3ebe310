import { createRng, type Rng } from "../util/rng.js";
import { median } from "./descriptive.js";

/**
 * Change points in a short series of run-level statistics (one value per stored run, oldest
 * first): binary segmentation (Scott & Knott 1974; Killick & Eckley's `changepoint` package calls
 * it BinSeg) with a rank statistic and a permutation test for every split.
 *
 * The statistic of a segment is the largest standardized Wilcoxon rank-sum over its admissible
 * splits (at least `minSegment` points on each side): Pettitt's (1979) rank CUSUM, standardized so
 * that a split near an edge competes fairly with one in the middle. Its null distribution (no change
 * in the segment: its points exchangeable) is found by permuting the segment, which accounts for
 * the maximum over splits exactly, with no asymptotic formula; ranks make it blind to the heavy
 * tails and outlier runs of benchmark histories (a run on a disturbed machine).
 *
 * Family-wise error: the whole series is tested at `alpha`, so a flat series gets a change point
 * with probability at most `alpha`. Each later test (a segment left by an earlier split) is made at
 * `alpha` divided by the number of segments open at that moment (Bonferroni over the segments
 * tested together), and a segment that is not significant is not split further. A regression that
 * crept in over several small steps shifts the level between the early and the late runs as much
 * as one step of the same total size would: the best split lands inside the ramp and is found.
 *
 * Assumes the points are exchangeable under no change: runs made in sequence on a machine whose
 * speed wanders slowly (autocorrelated drift) look like change, as they would to any test.
 */
export interface ChangePointOptions {
  /** Family-wise error rate: the chance of any change point in a series without change. Default 0.01: a report's false change
   * point costs someone an afternoon. */
  alpha?: number;
  /** At least this many points on each side of a change point. Default 3. */
  minSegment?: number;
  /** Permutations per test. Default 999. */
  permutations?: number;
  /** Seed of the permutations, so a report is the same every time it is made. Default 1. */
  seed?: number;
}

export interface FoundChange {
  /** values[index] is the first point of the new level. */
  index: number;
  /** Median of the segment before and after (between the neighbouring change points). */
  before: number;
  after: number;
  /** after / before − 1. */
  change: number;
  /** The permutation p-value of the split, as tested (before the Bonferroni division). */
  pValue: number;
}

export function findChangePoints(values: readonly number[], options: ChangePointOptions = {}): FoundChange[] {
  const alpha = options.alpha ?? 0.01;
  const minSegment = Math.max(1, Math.floor(options.minSegment ?? 3));
  const permutations = Math.max(19, Math.floor(options.permutations ?? 999));
  const rng = createRng(options.seed ?? 1);
  if (values.some((v) => !Number.isFinite(v))) throw new RangeError("findChangePoints: every value must be a finite number");

  const splits: { index: number; pValue: number }[] = [];
  // Segments [from, to) still to test; a stack, largest first in practice.
  let open: [number, number][] = [[0, values.length]];
  while (open.length > 0) {
    const level = alpha / open.length;
    const next: [number, number][] = [];
    for (const [from, to] of open) {
      const found = bestSplit(values.slice(from, to), minSegment, permutations, level, rng);
      if (!found || found.pValue > level) continue;
      const at = from + found.offset;
      splits.push({ index: at, pValue: found.pValue });
      next.push([from, at], [at, to]);
    }
    open = next.filter(([from, to]) => to - from >= 2 * minSegment);
  }
  splits.sort((a, b) => a.index - b.index);
  const bounds = [0, ...splits.map((s) => s.index), values.length];
  return splits.map((s, i) => {
    const before = median(values.slice(bounds[i], bounds[i + 1]));
    const after = median(values.slice(bounds[i + 1], bounds[i + 2]));
    return { index: s.index, before, after, change: after / before - 1, pValue: s.pValue };
  });
}

/**
 * The split with the largest standardized rank-sum in `segment` and its permutation p-value;
 * null when the segment is too short to split. Stops permuting once the p-value cannot reach
 * `level` (it is then reported as at least that).
 */
function bestSplit(segment: readonly number[], minSegment: number, permutations: number, level: number, rng: Rng): { offset: number; pValue: number } | null {
  const n = segment.length;
  if (n < 2 * minSegment) return null;
  const ranks = midranks(segment);
  const scale = tieScale(segment);
  if (scale === 0) return null; // every value equal: nothing to split
  const observed = maxStatistic(ranks, minSegment, scale);
  const shuffled = Float64Array.from(ranks);
  let atLeast = 0;
  const giveUp = Math.ceil(level * (permutations + 1));
  let done = 0;
  for (; done < permutations; done++) {
    shuffle(shuffled, rng);
    if (maxStatistic(shuffled, minSegment, scale).value >= observed.value - 1e-9) atLeast++;
    if (atLeast > giveUp) {
      done++;
      break;
    }
  }
  // Stopped early: the p-value is at least this, and above the level.
  const pValue = done < permutations ? Math.max((atLeast + 1) / (done + 1), (giveUp + 1) / (permutations + 1)) : (atLeast + 1) / (permutations + 1);
  return { offset: observed.offset, pValue: Math.min(1, pValue) };
}

/** max over k of |W_k − E W_k| / sd(W_k), W_k the rank sum of the first k points. */
function maxStatistic(ranks: ArrayLike<number>, minSegment: number, scale: number): { value: number; offset: number } {
  const n = ranks.length;
  let sum = 0;
  let best = -1;
  let offset = minSegment;
  for (let k = 1; k < n; k++) {
    sum += ranks[k - 1] as number;
    if (k < minSegment || n - k < minSegment) continue;
    const expected = (k * (n + 1)) / 2;
    const sd = Math.sqrt(((k * (n - k)) / 12) * scale);
    const z = Math.abs(sum - expected) / sd;
    if (z > best) {
      best = z;
      offset = k;
    }
  }
  return { value: best, offset };
}

/** (n + 1) − Σ(t³ − t) / (n(n − 1)): the rank-sum variance's factor with the correction for ties. */
function tieScale(values: readonly number[]): number {
  const n = values.length;
  const counts = new Map<number, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  let ties = 0;
  for (const t of counts.values()) ties += t * t * t - t;
  return n + 1 - ties / (n * (n - 1));
}

function midranks(values: readonly number[]): Float64Array {
  const order = values.map((v, i) => [v, i] as const).sort((a, b) => a[0] - b[0]);
  const ranks = new Float64Array(values.length);
  for (let i = 0; i < order.length;) {
    let j = i;
    while (j + 1 < order.length && order[j + 1]?.[0] === order[i]?.[0]) j++;
    for (let k = i; k <= j; k++) ranks[order[k]?.[1] as number] = (i + j) / 2 + 1;
    i = j + 1;
  }
  return ranks;
}

function shuffle(a: Float64Array, rng: Rng): void {
  for (let i = a.length - 1; i > 0; i--) {
    const j = rng.int(0, i + 1);
    const t = a[i] as number;
    a[i] = a[j] as number;
    a[j] = t;
  }
}
