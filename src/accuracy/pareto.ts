/**
 * The trade-off between speed and accuracy (pure): the Pareto-optimal cells of a target over p50
 * and p99 latency (lower is better), throughput and accuracy (higher is better). A cell is
 * dominated when another is at least as good on every objective and better on one; the dominated
 * name what dominates them. Point estimates: a cell is not called dominated by a margin its
 * interval cannot see, but neither is it kept for one; the intervals are in the table beside it.
 */

export interface TradeOffPoint {
  id: string;
  p50: number;
  p99: number;
  throughput: number;
  /** Higher is better (top-1 agreement or cosine with the reference; 1 for the reference itself); null: no accuracy axis. */
  accuracy: number | null;
}

export interface ParetoMark {
  pareto: boolean;
  /** Ids of the cells that dominate this one (empty when it is optimal). */
  dominatedBy: string[];
}

/** Whether `a` dominates `b`: no worse on every objective, better on at least one. */
function dominates(a: TradeOffPoint, b: TradeOffPoint, withAccuracy: boolean): boolean {
  const better = [b.p50 - a.p50, b.p99 - a.p99, a.throughput - b.throughput];
  if (withAccuracy) better.push((a.accuracy ?? 0) - (b.accuracy ?? 0));
  return better.every((d) => d >= 0) && better.some((d) => d > 0);
}

/**
 * The Pareto marks of one target's cells, by id. The accuracy axis counts only when every point
 * has one; otherwise the front is over latency and throughput alone.
 */
export function paretoFront(points: readonly TradeOffPoint[]): Map<string, ParetoMark> {
  const withAccuracy = points.length > 0 && points.every((p) => p.accuracy !== null);
  return new Map(
    points.map((b) => {
      const dominatedBy = points.filter((a) => a !== b && dominates(a, b, withAccuracy)).map((a) => a.id);
      return [b.id, { pareto: dominatedBy.length === 0, dominatedBy }];
    }),
  );
}
