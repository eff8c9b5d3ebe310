import { UserError } from "../errors.js";
import type { ShardOf } from "../results.js";
import type { PlannedCell } from "../suite/expand.js";

/**
 * The cells of shard I of N: every N-th cell of the (filtered) matrix, starting at the I-th. By
 * position, not by a hash of the cell id: the shards of one run differ in size by one cell at
 * most and none is empty while there are at least N cells (a hash leaves shards uneven or empty
 * at the few dozen cells a suite has); a cell's shard moves when the suite adds a cell before it,
 * which costs nothing, since `bench merge` only merges shards of one and the same suite.
 */
export function selectShard<C>(cells: readonly C[], shard: ShardOf): C[] {
  return cells.filter((_, i) => i % shard.count === shard.index - 1);
}

/**
 * The cells as load shard I of N sends them: an open loop at rate/N, a closed loop with its
 * share of the concurrency (the shares add up to it: 10 over 3 machines is 4, 3, 3); one call at
 * a time is not split (each machine measures it, and merge counts those as extra trials). The
 * cell keeps its id, so the parts' cells are the same cells; `loadShard` gives its arrivals a
 * seed of their own, so N Poisson streams at rate/N add up to one Poisson stream at the rate.
 */
export function splitLoad(cells: readonly PlannedCell[], shard: ShardOf): PlannedCell[] {
  return cells.map((cell) => {
    const { load } = cell;
    if (load.mode === "open") return { ...cell, load: { mode: "open", rate: load.rate / shard.count }, loadShard: shard };
    if (load.mode !== "closed") return cell;
    const share = Math.floor(load.concurrency / shard.count) + (shard.index - 1 < load.concurrency % shard.count ? 1 : 0);
    // Every shard refuses, not only those left without a request: the N machines must agree.
    if (load.concurrency < shard.count) {
      throw new UserError(
        `--load-shard ${shard.index}/${shard.count}: cell ${cell.id} keeps ${load.concurrency} requests in flight, fewer than ${shard.count} machines: ` +
          `use at most ${load.concurrency} load shards, or a higher concurrency`,
      );
    }
    return { ...cell, load: { mode: "closed", concurrency: share }, loadShard: shard };
  });
}
