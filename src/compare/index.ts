import { type DiffResult, diffSides } from "./diff.js";
import { environmentTolerances, type PolicyOverrides, resolvePolicy } from "./policy.js";
import type { Side } from "./side.js";

/** Compare two sides under their suite's policy, the command line's overrides and the suite's tolerances. */
export function compareSides(base: Side, head: Side, overrides: PolicyOverrides, seed: number): DiffResult {
  const policy = resolvePolicy(base, head, overrides);
  return diffSides(base, head, { policy, environment: environmentTolerances(base, head), seed });
}
