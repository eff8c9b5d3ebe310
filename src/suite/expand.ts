import type { Provider } from "./schema.js";
import type { ResolvedSuite, ResolvedTarget, ResolvedVariant } from "./resolve.js";

/** One point of the matrix. Its id is the key that matches cells across runs and baselines. */
export interface Cell {
  id: string;
  target: string;
  variant: string;
  batch: number;
  provider: Provider;
  threads: number;
}

export function cellId(c: Omit<Cell, "id">): string {
  return `${c.target}/${c.variant}/b${c.batch}/${c.provider}/t${c.threads}`;
}

export interface PlannedCell extends Cell {
  targetSpec: ResolvedTarget;
  variantSpec: ResolvedVariant;
}

/** Target × variant × batch × provider × threads, in the order the suite lists them. */
export function expandCells(suite: ResolvedSuite): PlannedCell[] {
  const cells: PlannedCell[] = [];
  for (const t of suite.targets) {
    for (const v of t.variants) {
      for (const batch of unique(t.batch)) {
        for (const provider of unique(t.providers)) {
          for (const threads of unique(t.threads)) {
            const cell = { target: t.name, variant: v.name, batch, provider, threads };
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
  const escaped = glob.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, "[^/]*");
  // A pattern with fewer segments than an id matches its prefix: `mlp` selects every mlp cell.
  return new RegExp(`^${escaped}(/.*)?$`);
}
