import { deriveSeed } from "../util/rng.js";
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
  load: CellLoad;
}

/**
 * How a cell is driven: one call at a time (timed by the measurement loop), a closed loop of
 * `concurrency` calls in flight, or an open loop of `rate` calls per second.
 */
export type CellLoad = { mode: "single" } | { mode: "closed"; concurrency: number } | { mode: "open"; rate: number };

export const SINGLE: CellLoad = { mode: "single" };

/** The id suffix of a load: `/cN`, `/rR`, or nothing for one call at a time. */
export function loadSuffix(load: CellLoad): string {
  return load.mode === "closed" ? `/c${load.concurrency}` : load.mode === "open" ? `/r${load.rate}` : "";
}

/** The JSON contract's two nullable fields for a load. */
export function loadFields(load: CellLoad): { concurrency: number | null; rate: number | null } {
  return { concurrency: load.mode === "closed" ? load.concurrency : null, rate: load.mode === "open" ? load.rate : null };
}

export function cellId(c: Omit<Cell, "id">): string {
  if (c.kind === "http") return `${c.target}/${c.variant}/b${c.batch}${loadSuffix(c.load)}`;
  return `${c.target}/${c.variant}/b${c.batch}/${c.provider}/t${c.threads}${loadSuffix(c.load)}`;
}

/** The provider of a remote target's cells: the model runs behind an HTTP server. */
export const REMOTE_PROVIDER = "http";

/** A cell (or a result) of a remote target. */
export function isRemote(cell: { provider: string }): boolean {
  return cell.provider === REMOTE_PROVIDER;
}

export interface PlannedCell extends Cell {
  targetSpec: ResolvedTarget;
  variantSpec: ResolvedVariant;
  /** `--load-shard I/N`: this machine sends its share of the cell's load (src/scale/shard.ts). */
  loadShard?: { index: number; count: number };
}

/** The seed of a cell's arrival schedule: each load shard's its own, so that N machines do not send in lockstep. */
export function arrivalSeed(cell: Pick<PlannedCell, "loadShard">, seed: number): number {
  return cell.loadShard ? deriveSeed(seed, `load shard ${cell.loadShard.index}`) : seed;
}

/** The load points of a target: each concurrency, then each rate; one call at a time when there are none. */
function loadPoints(t: ResolvedTarget): CellLoad[] {
  const points: CellLoad[] = [
    ...unique(t.concurrency).map((concurrency) => ({ mode: "closed", concurrency }) as const),
    ...unique(t.rate).map((rate) => ({ mode: "open", rate }) as const),
  ];
  return points.length > 0 ? points : [SINGLE];
}

/** Target × variant × batch × provider × threads × load, in the order the suite lists them. */
export function expandCells(suite: ResolvedSuite): PlannedCell[] {
  const cells: PlannedCell[] = [];
  for (const t of suite.targets) {
    const machines =
      t.kind === "onnx"
        ? unique(t.providers).flatMap((provider) => unique(t.threads).map((threads) => ({ provider, threads })))
        : [{ provider: REMOTE_PROVIDER, threads: null }];
    for (const v of t.variants) {
      for (const batch of unique(t.batch)) {
        for (const { provider, threads } of machines) {
          for (const load of loadPoints(t)) {
            const cell = { kind: t.kind, target: t.name, variant: v.name, batch, provider, threads, load };
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

/** Whether a cell id matches any of the patterns, as filterCells matches them. */
export function matchesCellId(id: string, patterns: readonly string[]): boolean {
  return patterns.map(globToRegExp).some((re) => re.test(id));
}

function globToRegExp(glob: string): RegExp {
  const escaped = glob.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/\*/g, "[^/]*");
  // A pattern with fewer segments than an id matches its prefix: `mlp` selects every mlp cell.
  return new RegExp(`^${escaped}(/.*)?$`);
}
