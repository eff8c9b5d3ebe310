/**
 * Output digests (pure): the first values of every output of a cell for one fixed, seeded input,
 * stored with the cell and so with a baseline. A gated run compares them with the baseline's: an
 * unchanged model that suddenly answers differently (a runtime upgrade, a preprocessing change) is
 * caught even when its latency is unchanged. Compared with a tolerance relative to the output's
 * scale, since a different CPU may round the last bits differently.
 */

/** Values kept per output. */
export const DIGEST_VALUES = 64;
/** A change larger than this share of the output's largest value is a changed answer. */
export const DIGEST_TOLERANCE = 1e-3;

export interface OutputDigest {
  /** The seed of the one input set the digest was taken on. */
  seed: number;
  /** Per output: its shape and its first DIGEST_VALUES values. */
  outputs: Record<string, { dims: number[]; values: number[] }>;
}

/** Lines saying which outputs of which cells changed beyond the tolerance (or lost or gained an output, or changed shape). */
export function digestChanges(
  base: readonly { id: string; outputDigest?: OutputDigest | null | undefined }[],
  head: readonly { id: string; outputDigest?: OutputDigest | null | undefined }[],
  tolerance = DIGEST_TOLERANCE,
): string[] {
  const before = new Map(base.flatMap((c) => (c.outputDigest ? [[c.id, c.outputDigest] as const] : [])));
  const out: string[] = [];
  for (const cell of head) {
    const was = before.get(cell.id);
    const now = cell.outputDigest;
    // Digests of different inputs say nothing about each other (a suite whose seed changed).
    if (!was || !now || was.seed !== now.seed) continue;
    for (const [name, b] of Object.entries(was.outputs)) {
      const h = now.outputs[name];
      if (!h) {
        out.push(`${cell.id}: output '${name}' is gone`);
        continue;
      }
      if (h.dims.join() !== b.dims.join()) {
        out.push(`${cell.id}: output '${name}' is now [${h.dims.join(", ")}], was [${b.dims.join(", ")}]`);
        continue;
      }
      const scale = Math.max(...b.values.map(Math.abs), Number.MIN_VALUE);
      let worst = 0;
      b.values.forEach((v, i) => (worst = Math.max(worst, Math.abs((h.values[i] ?? Number.NaN) - v))));
      if (!(worst <= tolerance * scale)) {
        out.push(
          `${cell.id}: output '${name}' answers differently on the fixed input: max |change| ${worst.toPrecision(3)} against a scale of ${scale.toPrecision(3)}`,
        );
      }
    }
  }
  return out;
}
