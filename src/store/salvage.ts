import { type AggregateInput, aggregateCells, judgeTrials } from "../measure/aggregate.js";
import type { TrialSource } from "../measure/execute.js";
import type { CellResult, NoiseReport, RunTrials } from "../results.js";
import type { Percentile } from "../stats/metrics.js";
import type { ResolvedSuite } from "../suite/resolve.js";

export interface Salvaged {
  cells: { ordinal: number; result: CellResult; latencyNs: Float64Array | undefined }[];
  noise: NoiseReport | null;
  trials: RunTrials | null;
}

/**
 * What an abandoned run had measured: its cells aggregated from the trials it stored, as
 * `bench run` would have done at its end (execute.ts), so that `bench show` tells what was
 * measured before its process died. `plan` and `suite` are what the run stored when it started.
 */
export function salvage(source: TrialSource, runId: string, plan: RunTrials | null, suite: ResolvedSuite | null): Salvaged {
  const stored = source.loadTrials(runId);
  const judged = judgeTrials(stored.infos);
  const disturbed = new Map(judged.infos.map((t) => [t.trial, t.disturbed]));
  const headlines = new Map(suite?.targets.map((t) => [t.name, t.measure.headline]) ?? []);
  const inputs = new Map<number, AggregateInput & { trials: AggregateInput["trials"][number][] }>();
  for (const t of stored.cells) {
    const input = inputs.get(t.ordinal) ?? {
      trials: [],
      itemsPerCall: t.result.batch,
      disturbed,
      headline: (headlines.get(t.result.target) ?? "p50") as Percentile,
      targetRelativeCI: plan?.targetRelativeCI ?? 0.02,
    };
    input.trials.push(t);
    inputs.set(t.ordinal, input);
  }
  const cells = [...aggregateCells(inputs)].sort(([a], [b]) => a - b).map(([ordinal, c]) => ({ ordinal, ...c }));
  const trials = plan ? { ...plan, trials: judged.infos, canaryMs: judged.canaryMs, stopReason: "interrupted" as const } : null;
  return { cells, noise: judged.noise, trials };
}
