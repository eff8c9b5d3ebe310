import { UserError } from "../errors.js";
import type { CellResult } from "../results.js";
import { type Comparison, compareCells } from "../stats/compare.js";
import type { Metric } from "../stats/metrics.js";
import type { RegressionPolicy } from "../suite/resolve.js";
import { compareEnvironments, type EnvDifference, type Tolerance } from "./env.js";
import type { RunNoise } from "../baseline/format.js";
import { DEFAULT_RUN_NOISE } from "./policy.js";
import { matchKey, type Side } from "./side.js";
import { isRemote } from "../suite/expand.js";

export interface DiffResult {
  base: string;
  head: string;
  baseRun: string;
  headRun: string;
  environment: EnvDifference[];
  thresholds: Partial<Record<Metric, number>>;
  comparisons: Comparison[];
  /** Cells on one side only, by id. */
  onlyInBase: string[];
  onlyInHead: string[];
  /** Cells on both sides that cannot be compared (failed, skipped, no samples). */
  notComparable: { cell: string; reason: string }[];
  noisy: { base: boolean; head: boolean };
  /** The run-to-run noise the intervals were widened by: none inside one run, else measured or default. */
  runNoise: { source: "none" | "default" | "calibrated"; runs: number; metrics: Partial<Record<Metric, number>> };
}

export interface DiffOptions {
  policy: RegressionPolicy;
  environment?: Partial<Record<string, Tolerance>>;
  seed?: number;
  resamples?: number;
}

/**
 * Match the cells of two sides and compare every metric of every matched pair, with Holm's
 * correction across all of them (src/stats/compare.ts). A cell is named by its id, or for an A/B
 * of two variants (targets) of one run by its id with `BASE→HEAD` in the variant (target) place.
 */
export function diffSides(base: Side, head: Side, options: DiffOptions): DiffResult {
  if ((base.selector?.kind ?? null) !== (head.selector?.kind ?? null)) {
    throw new UserError(`${base.label} vs ${head.label}: pick a variant (or a target) on both sides, or on neither`);
  }
  const remote = (s: Side) => s.cells.some(isRemote);
  const acrossKinds = base.selector?.kind === "target" && remote(base) !== remote(head);
  const byKey = (side: Side) => {
    const map = new Map(side.cells.map((c) => [matchKey(c, side, acrossKinds), c]));
    if (map.size < side.cells.length) {
      throw new UserError(
        `${side.label}: several cells differ only in provider or threads, which a remote target has no counterpart for; run the local target with one provider and thread count`,
      );
    }
    return map;
  };
  const baseByKey = byKey(base);
  const headByKey = byKey(head);
  const name = (key: string) => key.replace("*", `${base.selector?.name}→${head.selector?.name}`);
  const onlyInBase = [...baseByKey.keys()].filter((k) => !headByKey.has(k)).map((k) => baseByKey.get(k)?.id ?? k);
  const onlyInHead = [...headByKey.keys()].filter((k) => !baseByKey.has(k)).map((k) => headByKey.get(k)?.id ?? k);
  const common = [...headByKey.keys()].filter((k) => baseByKey.has(k));
  if (common.length === 0) {
    throw new UserError(`${base.label} and ${head.label} have no cell in common (base: ${base.cells.length} cells, head: ${head.cells.length})`);
  }

  // Two runs differ by more than their own samples show (DEFAULT_RUN_NOISE explains why); two
  // variants of one run share its offset, and interleaving cancels the drift between them.
  const sameRun = base.runId === head.runId;
  const noise: RunNoise | null = sameRun ? null : (base.runNoise ?? head.runNoise ?? { runs: 0, metrics: { ...DEFAULT_RUN_NOISE }, cells: {} });
  const notComparable: DiffResult["notComparable"] = [];
  const pairs = common.flatMap((key) => {
    const b = baseByKey.get(key) as CellResult;
    const h = headByKey.get(key) as CellResult;
    const cell = base.selector ? name(key) : key;
    const why = b.status !== "ok" ? `base is ${b.status}` : h.status !== "ok" ? `head is ${h.status}` : undefined;
    if (why) {
      notComparable.push({ cell, reason: why });
      return [];
    }
    const bs = base.steadySamplesMs(b.id);
    const hs = head.steadySamplesMs(h.id);
    if (!bs || !hs || bs.length < 2 || hs.length < 2) {
      notComparable.push({ cell, reason: "no samples stored" });
      return [];
    }
    // A closed loop's throughput is N·batch per mean latency (Little's law); an open loop's was
    // imposed by its schedule, so there is no throughput to compare.
    return [
      {
        cell,
        base: bs,
        head: hs,
        itemsPerCall: h.batch * (h.concurrency ?? 1),
        ...(h.rate !== null ? { metrics: options.policy.metrics.filter((m) => m !== "throughput") } : {}),
        ...(noise ? { runNoise: cellNoise(noise, h.id) } : {}),
      },
    ];
  });

  const thresholds = { ...options.policy.thresholds };
  let comparisons: Comparison[] = [];
  try {
    if (pairs.length > 0) {
      comparisons = compareCells(pairs, {
        metrics: options.policy.metrics,
        thresholds,
        seed: options.seed ?? 1,
        ...(options.resamples ? { resamples: options.resamples } : {}),
      });
    }
  } catch (err) {
    // Samples that are not positive latencies can only come from a hand-edited or broken file.
    if (err instanceof RangeError) throw new UserError(`${base.label} vs ${head.label}: ${err.message}`);
    throw err;
  }
  // An A/B of two variants compares two models on purpose: only the machine is checked then.
  const models = base.selector
    ? []
    : common.flatMap((key) => {
        const b = baseByKey.get(key)?.model;
        const h = headByKey.get(key)?.model;
        return b && h ? [{ cell: key, base: b, head: h }] : [];
      });
  const environment = base.runId === head.runId ? [] : compareEnvironments(base.fingerprint, head.fingerprint, options.environment, models);
  return {
    base: base.label,
    head: head.label,
    baseRun: base.runId,
    headRun: head.runId,
    environment,
    thresholds,
    comparisons,
    onlyInBase,
    onlyInHead,
    notComparable,
    noisy: { base: base.noisy, head: head.noisy },
    runNoise: noise
      ? { source: noise.runs > 0 ? "calibrated" : "default", runs: noise.runs, metrics: noise.metrics }
      : { source: "none", runs: 0, metrics: {} },
  };
}

/** A cell's run-to-run noise: its own calibrated figure, never below the metric's pooled one. */
function cellNoise(noise: RunNoise, cellId: string): Partial<Record<Metric, number>> {
  const own = noise.cells[cellId] ?? {};
  const metrics = new Set([...Object.keys(noise.metrics), ...Object.keys(own)]) as Set<Metric>;
  return Object.fromEntries([...metrics].map((m) => [m, Math.max(own[m] ?? 0, noise.metrics[m] ?? 0)]));
}
