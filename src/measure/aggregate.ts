import type { CellResult, LatencyMs, NoiseReport, TrialInfo, TrialSummary } from "../results.js";
import { type Estimate, itemsPerSecond, msToNs, nsToMs, PERCENTILE_PROBABILITY, PERCENTILES, quantile, sortSamples, summarizeLatency } from "../stats/index.js";
import { mean, median } from "../stats/descriptive.js";
import type { Percentile } from "../stats/metrics.js";
import { slowTrialsOf, type TrialEstimate, trialEstimate, trialVariancePrior, undisturbed } from "../stats/trials.js";
import type { VariancePrior } from "../stats/moderated.js";

/** One trial's result of one cell, as the trial stored it. */
export interface TrialCell {
  trial: number;
  result: CellResult;
  latencyNs: Float64Array | undefined;
}

/** A trial whose canary moved by more than this from the run's median, or within the trial, is disturbed. */
export const CANARY_LIMIT = 0.1;

type Statistic = Percentile | "mean" | "throughput";
const STATISTICS: readonly Statistic[] = [...PERCENTILES, "mean", "throughput"];
type Values = Record<Statistic, number>;

/**
 * A cell measured in every trial that got to it: its steady samples and statistics per trial, and
 * whether the trial was disturbed: its canary ran slow around the cell, or the whole trial's did
 * (`canary`), or the cell ran far slower in it than in its other trials (`slow`, see
 * stats/trials.ts slowTrials). `used` are the trials the statistics are over: the undisturbed
 * ones, when at least two are.
 */
interface MeasuredTrials {
  trials: { trial: TrialCell; steadyMs: Float64Array; values: Values; disturbed: boolean; slow: boolean }[];
  used: MeasuredTrials["trials"];
}

function measured(trials: readonly TrialCell[], itemsPerCall: number, disturbed?: ReadonlyMap<number, boolean>): MeasuredTrials {
  const all = trials.flatMap((t) => {
    if (t.result.status !== "ok" || !t.latencyNs) return [];
    const steadyMs = Float64Array.from(t.latencyNs.subarray(t.result.samplesDropped), nsToMs);
    if (steadyMs.length < 2) return [];
    const sorted = sortSamples(steadyMs);
    const average = mean(steadyMs);
    const values = { mean: average, throughput: itemsPerSecond(itemsPerCall, average) } as Values;
    for (const p of PERCENTILES) values[p] = quantile(sorted, PERCENTILE_PROBABILITY[p]);
    return [{ trial: t, steadyMs, values, disturbed: t.result.noisy || disturbed?.get(t.trial) === true, slow: false }];
  });
  return { trials: all, used: [...undisturbed(all)] };
}

/**
 * Every cell of a run measured from its trials, with the trials that ran far slower than the same
 * cell's others marked slow and disturbed, judged against the run's typical trial-to-trial spread
 * (slowTrialsOf over every cell with trials); `used` then leaves them out like a canary-disturbed
 * trial.
 */
function measuredCells<K>(
  cells: ReadonlyMap<K, { trials: readonly TrialCell[]; itemsPerCall: number; disturbed?: ReadonlyMap<number, boolean> }>,
): Map<K, MeasuredTrials> {
  const out = new Map([...cells].map(([key, c]) => [key, measured(c.trials, c.itemsPerCall, c.disturbed)]));
  const keys = [...out.keys()];
  const slow = slowTrialsOf(keys.map((k) => (out.get(k) as MeasuredTrials).trials.map((t) => t.values)));
  keys.forEach((k, c) => {
    const m = out.get(k) as MeasuredTrials;
    const trials = m.trials.map((t, i) => (slow[c]?.[i] === true ? { ...t, disturbed: true, slow: true } : t));
    out.set(k, { trials, used: [...undisturbed(trials)] });
  });
  return out;
}

const PARTIAL_NOTE = "partial: interrupted while it was being measured; the statistics are over what was measured";

/** Per statistic, the prior of its between-trial log variance over every cell with two or more trials (stats/moderated.ts). */
export type RunPriors = Partial<Record<Statistic, VariancePrior | null>>;

function priors(cells: readonly MeasuredTrials[]): RunPriors {
  const withTrials = cells.filter((c) => c.used.length >= 2);
  return Object.fromEntries(STATISTICS.map((s) => [s, trialVariancePrior(withTrials.map((c) => c.used.map((t) => t.values[s])))]));
}

/** The relative half-width of an estimate's interval: how precise it is. */
function relativeHalfWidth(e: TrialEstimate): number {
  return e.interval === null ? Number.POSITIVE_INFINITY : Math.max(e.interval.hi / e.value - 1, 1 - e.interval.lo / e.value);
}

/**
 * How precise each timed cell's headline statistic is across the trials so far (relative
 * half-width of its 95% interval), by cell index: what decides whether the run needs another trial.
 */
export function headlinePrecision(
  byCell: ReadonlyMap<number, { trials: readonly TrialCell[]; itemsPerCall: number; headline: Percentile }>,
): Map<number, number> {
  const measuredByCell = measuredCells(byCell);
  const cells = new Map([...byCell].map(([index, c]) => [index, { m: measuredByCell.get(index) as MeasuredTrials, headline: c.headline }]));
  const p = priors([...cells.values()].map((c) => c.m));
  return new Map(
    [...cells]
      .filter(([, c]) => c.m.used.length > 0)
      .map(([index, c]) => [
        index,
        relativeHalfWidth(
          trialEstimate(
            c.m.used.map((t) => t.values[c.headline]),
            p[c.headline] ?? null,
          ),
        ),
      ]),
  );
}

export interface AggregateInput {
  trials: readonly TrialCell[];
  itemsPerCall: number;
  /** Whether each trial was disturbed (its canary moved), by trial number. */
  disturbed: ReadonlyMap<number, boolean>;
  headline: Percentile;
  /** The run's precision target for the headline statistic across trials. */
  targetRelativeCI: number;
}

/**
 * The run's result of every cell from its trials: each statistic's value is the geometric mean of
 * the trials' values, and its 95% interval is between trials (stats/trials.ts), with the
 * between-trial variance pooled over the run's cells (empirical Bayes, Smyth 2004), so that what
 * differs between fresh processes is inside the interval. The descriptive numbers (stddev, min,
 * max, dependence, outliers) are over the trials' steady samples together, returned with the
 * result as the run's samples. A cell failed in any trial is failed; a cell measured in one trial
 * only (a load cell) keeps that trial's result.
 */
export function aggregateCells(inputs: ReadonlyMap<number, AggregateInput>): Map<number, { result: CellResult; latencyNs: Float64Array | undefined }> {
  const measuredByCell = measuredCells(inputs);
  const runPriors = priors([...measuredByCell.values()]);
  const out = new Map<number, { result: CellResult; latencyNs: Float64Array | undefined }>();
  for (const [index, input] of inputs) {
    const first = input.trials[0];
    if (!first) continue;
    const failed = input.trials.find((t) => t.result.status === "failed");
    if (failed) {
      // Failed in some trials only: say which, since the others measured it.
      const everyTrial = input.trials.every((t) => t.result.status === "failed" && t.result.error === failed.result.error);
      const error = everyTrial ? failed.result.error : `trial ${failed.trial}: ${failed.result.error ?? "failed"}`;
      out.set(index, { result: { ...failed.result, error }, latencyNs: undefined });
      continue;
    }
    const m = measuredByCell.get(index) as MeasuredTrials;
    if (first.result.status !== "ok" || first.result.load !== null || m.trials.length === 0) {
      // A load cell, or a cell cut short before it had samples enough for a trial: its one result as it is.
      const partial = first.result.stopReason === "interrupted" && !first.result.notes.some((n) => n.startsWith("partial:"));
      const result: CellResult = {
        ...first.result,
        trials: first.result.trials ?? null,
        notes: partial ? [...first.result.notes, PARTIAL_NOTE] : first.result.notes,
      };
      out.set(index, { result, latencyNs: first.latencyNs });
      continue;
    }
    out.set(index, fromTrials(m, input, runPriors));
  }
  return out;
}

function fromTrials(m: MeasuredTrials, input: AggregateInput, runPriors: RunPriors): { result: CellResult; latencyNs: Float64Array } {
  const results = m.used.map((t) => t.trial.result);
  const first = results[0] as CellResult;
  const allMs = concat(m.used.map((t) => t.steadyMs));
  const summary = summarizeLatency(allMs);
  const count = m.used.length;
  const setAside = m.trials.length - count;
  const notes = new Set<string>();
  const estimate = (s: Statistic, sampleLevel: Estimate): Estimate => {
    const values = m.used.map((t) => t.values[s]);
    if (count < 2) return sampleLevel;
    const e = trialEstimate(values, runPriors[s] ?? null);
    if (s !== "mean" && s !== "throughput") {
      // A trial's p-quantile needs about one sample beyond it (1/(1 − p) samples) not to be just
      // its maximum: below that the trials' values are biased low and so would be their interval.
      const needed = Math.ceil(1 / (1 - PERCENTILE_PROBABILITY[s]));
      const fewest = Math.min(...m.used.map((t) => t.steadyMs.length));
      if (fewest < needed) {
        notes.add(`${s}: trials of ${fewest} samples are too few for an interval (needs at least ${needed} each)`);
        return { value: e.value, ci: null };
      }
    }
    return { value: e.value, ci: e.interval ? [e.interval.lo, e.interval.hi] : null };
  };
  const latencyMs: LatencyMs = {
    ...Object.fromEntries(PERCENTILES.map((p) => [p, estimate(p, summary[p])])),
    mean: estimate("mean", summary.mean),
    stddev: summary.stddev,
    min: summary.min,
    max: summary.max,
  } as LatencyMs;
  const throughput = estimate("throughput", { value: itemsPerSecond(input.itemsPerCall, summary.mean.value), ci: null });
  if (count < 2) notes.add("one trial: its intervals cannot include how much a fresh process differs");
  for (const r of results) for (const n of r.notes) if (!/^(did not converge|p\d+:|no steady state)/.test(n)) notes.add(n);
  const drifted = results.filter((r) => !r.steadyState).length;
  if (drifted > count / 2) notes.add(`no steady state found in ${drifted} of ${count} trials: the latency drifted through the whole measurement`);
  const headline =
    count >= 2
      ? trialEstimate(
          m.used.map((t) => t.values[input.headline]),
          runPriors[input.headline] ?? null,
        )
      : null;
  // One trial: its own stopping rule is all there is to judge it by.
  const precision = headline ? relativeHalfWidth(headline) : (first.relativeCI ?? Number.POSITIVE_INFINITY);
  const converged = headline ? precision <= input.targetRelativeCI : first.converged;
  const interrupted = results.some((r) => r.stopReason === "interrupted");
  if (interrupted) notes.add(PARTIAL_NOTE);
  if (!converged && headline) {
    notes.add(
      Number.isFinite(precision)
        ? `did not converge: the ${input.headline} interval is ±${(precision * 100).toFixed(1)}% over ${count} trials (target ±${(input.targetRelativeCI * 100).toFixed(1)}%)`
        : `did not converge: ${count} trials give no interval for ${input.headline}`,
    );
  }
  // A trial both slow and under a slow canary is told as slow: its own numbers show it.
  const slowSetAside = m.trials.filter((t) => t.slow && !m.used.includes(t)).length;
  const canarySetAside = setAside - slowSetAside;
  if (canarySetAside > 0) notes.add(`${canarySetAside} disturbed trial${canarySetAside > 1 ? "s" : ""} set aside (the canary ran slow around the cell)`);
  if (slowSetAside > 0)
    notes.add(`${slowSetAside} slow trial${slowSetAside > 1 ? "s" : ""} set aside (far slower than the cell's other trials: a disturbed block)`);
  const trials: TrialSummary[] = m.trials.map(({ trial, steadyMs, values, disturbed, slow }) => ({
    trial: trial.trial,
    samples: steadyMs.length,
    samplesDropped: trial.result.samplesDropped,
    p50: values.p50,
    p90: values.p90,
    p99: values.p99,
    mean: values.mean,
    throughput: values.throughput,
    disturbed,
    ...(slow ? { slow } : {}),
  }));
  const coldStarts = results.flatMap((r) => (r.coldStart ? [r.coldStart] : []));
  const result: CellResult = {
    ...first,
    samples: allMs.length,
    samplesDropped: results.reduce((a, r) => a + r.samplesDropped, 0),
    steadyState: drifted <= count / 2,
    latencyMs,
    dependence: summary.dependence,
    outliers: summary.outliers,
    throughput: { ...throughput, unit: "items/s" },
    coldStart:
      coldStarts.length > 0
        ? { sessionCreateMs: median(coldStarts.map((c) => c.sessionCreateMs)), firstCallMs: median(coldStarts.map((c) => c.firstCallMs)) }
        : null,
    stopReason: interrupted ? "interrupted" : !headline ? first.stopReason : converged ? "converged" : "max-trials",
    converged,
    relativeCI: Number.isFinite(precision) ? precision : null,
    elapsedMs: results.reduce((a, r) => a + (r.elapsedMs ?? 0), 0),
    peakRssKb: Math.max(...results.map((r) => r.peakRssKb ?? 0)),
    noisy: m.used.some((t) => t.disturbed),
    trials,
    notes: [...notes],
  };
  return { result, latencyNs: Float64Array.from(allMs, msToNs) };
}

/**
 * The run's account of its trials' canaries: each trial's canary is the mean of its two timings;
 * a trial is disturbed when it is more than CANARY_LIMIT from the run's median, or when the two
 * timings of one trial differ by more than that.
 */
export function judgeTrials(infos: readonly TrialInfo[]): { infos: TrialInfo[]; canaryMs: number | null; noise: NoiseReport | null } {
  const canaries = infos.flatMap((t) => (t.canaryMs ? [(t.canaryMs[0] + t.canaryMs[1]) / 2] : []));
  const canaryMs = canaries.length > 0 ? median(canaries) : null;
  const judged = infos.map((t) => {
    if (!t.canaryMs || canaryMs === null) return t;
    const [before, after] = t.canaryMs;
    const mid = (before + after) / 2;
    const moved = Math.abs(mid / canaryMs - 1) > CANARY_LIMIT || Math.abs(after / before - 1) > CANARY_LIMIT;
    return { ...t, disturbed: moved };
  });
  const firstCanary = judged.find((t) => t.canaryMs)?.canaryMs;
  const lastCanary = judged.findLast((t) => t.canaryMs)?.canaryMs;
  const disturbed = judged.filter((t) => t.disturbed).map((t) => t.trial);
  const reasons = [
    ...(disturbed.length > 0 ? [`the canary moved more than ${CANARY_LIMIT * 100}% in trial${disturbed.length > 1 ? "s" : ""} ${disturbed.join(", ")}`] : []),
    ...new Set(judged.flatMap((t) => t.notes.map((n) => n.replace(/^noisy: /, "")))),
  ];
  const noise: NoiseReport | null =
    firstCanary && lastCanary
      ? { calibrationBeforeMs: firstCanary[0], calibrationAfterMs: lastCanary[1], samples: [], noisy: reasons.length > 0, reasons }
      : null;
  return { infos: judged, canaryMs, noise };
}

/** The arrays one after the other, in one new array. */
export function concat(parts: readonly Float64Array[]): Float64Array {
  const out = new Float64Array(parts.reduce((a, p) => a + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
