import type { ResolvedSuite, ResolvedTarget, ResolvedVariant } from "./resolve.js";

/**
 * One point of the matrix. Its id is the key that matches cells across runs and baselines:
 * `target/variant/bBATCH/PROVIDER/tTHREADS` for a local model timed one call at a time, with
 * `/cN` (N calls in flight) or `/rR` (R calls per second) for a local model under load, and
 * `target/variant/bBATCH/cN` or `/rR` for a remote one.
 */
export interface Cell {
  id: string;
  kind: "onnx" | "http";
  target: string;
  variant: string;
  batch: number;
  /** The execution provider; "http" for a remote target. */
  provider: string;
  /** Intra-op threads; null for a remote target. */
  threads: number | null;
  /** Closed loop: requests in flight; null otherwise. */
  concurrency: number | null;
  /** Open loop: requests per second; null otherwise. */
  rate: number | null;
}

export function cellId(c: Omit<Cell, "id">): string {
  const load = c.concurrency !== null ? `/c${c.concurrency}` : c.rate !== null ? `/r${c.rate}` : "";
  if (c.kind === "http") return `${c.target}/${c.variant}/b${c.batch}${load}`;
  return `${c.target}/${c.variant}/b${c.batch}/${c.provider}/t${c.threads}${load}`;
}

export interface PlannedCell extends Cell {
  targetSpec: ResolvedTarget;
  variantSpec: ResolvedVariant;
}

/** The load points of a target: each concurrency, then each rate; one call at a time when there are none. */
function loadPoints(t: ResolvedTarget): { concurrency: number | null; rate: number | null }[] {
  const points = [
    ...unique(t.concurrency).map((concurrency) => ({ concurrency, rate: null })),
    ...unique(t.rate).map((rate) => ({ concurrency: null, rate })),
  ];
  return points.length > 0 ? points : [{ concurrency: null, rate: null }];
}

/** Target × variant × batch × provider × threads × load, in the order the suite lists them. */
export function expandCells(suite: ResolvedSuite): PlannedCell[] {
  const cells: PlannedCell[] = [];
  for (const t of suite.targets) {
    const machines = t.kind === "onnx" ? unique(t.providers).flatMap((provider) => unique(t.threads).map((threads) => ({ provider, threads }))) : [{ provider: "http", threads: null }];
    for (const v of t.variants) {
      for (const batch of unique(t.batch)) {
        for (const { provider, threads } of machines) {
          for (const { concurrency, rate } of loadPoints(t)) {
            const cell = { kind: t.kind, target: t.name, variant: v.name, batch, provider, threads, concurrency, rate };
            cells.push({ ...cell, id: cellId(cell), targetSpec: t, variantSpec: v });
          }
        }
      }
    }
  }
  return cells;
}

function unique<T>(xs: readonly T[]): T[] {
  return [...new Set(xs)];
}

/** Keep the cells whose id matches any of the patterns ('*' matches within one id segment). */
export function filterCells<C extends Cell>(cells: C[], patterns: readonly string[]): C[] {
  if (patterns.length === 0) return cells;
  const res = patterns.map(globToRegExp);
  return cells.filter((c) => res.some((re) => re.test(c.id)));
}

function globToRegExp(glob: string): RegExp {
  const escaped = glob.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/\*/g, "[^/]*");
  // A pattern with fewer segments than an id matches its prefix: `mlp` selects every mlp cell.
  return new RegExp(`^${escaped}(/.*)?$`);
}
