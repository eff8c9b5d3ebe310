import type { GenerativeSamples, LoadResult } from "../load/types.js";
import { generativeValuesMs } from "./generative.js";
import { quantile, sortSamples } from "../stats/index.js";
import { type PercentileVerdict, testPercentile } from "../stats/percentile-test.js";
import type { SloCheck, SloReport } from "../results.js";
import type { Slo, SloMetric } from "../suite/slo.js";

/**
 * A load result's per-request values of `metric`, in ms: one per successful request, in the same
 * order for every metric (index i is the same request in each), so that goodput can ask whether
 * one request met every SLO. undefined when the result carries no such metric.
 *
 * The one place that maps an SLO's metric name to data. Streaming cells (openai-chat,
 * openai-completions) carry TTFT, TPOT and E2E per request (measure/generative.ts), and for `itl`
 * each request's largest inter-chunk gap (docs/CAPACITY.md). A request without a value (TPOT of a
 * one-token answer) is NaN: it counts as not meeting an SLO on that metric.
 */
export function requestValuesMs(r: LoadResult, metric: SloMetric): Float64Array | undefined {
  switch (metric) {
    case "latency":
      return r.latenciesNs.map((ns) => ns / 1e6);
    case "ttft":
    case "tpot":
    case "e2e":
      return r.generative ? generativeValuesMs(r.generative, metric) : undefined;
    case "itl":
      return r.generative ? largestGapsMs(r.generative) : undefined;
  }
}

/** Each request's largest inter-chunk gap (ms), the value that stands for its ITL; NaN with no gap (one chunk). */
function largestGapsMs(g: GenerativeSamples): Float64Array {
  const n = g.ttftNs.length;
  const out = new Float64Array(n).fill(Number.NaN);
  for (let i = 0; i < n; i++) {
    const from = g.itlOffsets[i] ?? 0;
    const to = g.itlOffsets[i + 1] ?? from;
    for (let k = from; k < to; k++) out[i] = Math.max(Number.isNaN(out[i]) ? 0 : (out[i] as number), (g.itlNs[k] as number) / 1e6);
  }
  return out;
}

/** The confidence of a run's SLO verdicts (`bench capacity --confidence` chooses its own). */
export const SLO_CONFIDENCE = 0.95;

const meets = (v: number, s: Slo): boolean => (s.op === "<" ? v < s.thresholdMs : v <= s.thresholdMs);

/** Every SLO of `slos` judged on one load result (binomial test at `confidence`), and its goodput. */
export function evaluateSlos(r: LoadResult, slos: readonly Slo[], confidence: number): SloReport {
  const values = new Map<Slo, Float64Array | undefined>(slos.map((s) => [s, requestValuesMs(r, s.metric)]));
  const checks = slos.map((s): SloCheck => {
    const v = values.get(s);
    const base = { slo: s.text, metric: s.metric, thresholdMs: s.thresholdMs };
    if (v === undefined) return { ...base, observedMs: null, n: 0, over: 0, verdict: "not-measured", reason: `this cell has no per-request '${s.metric}'` };
    let over = r.errorCount;
    for (const x of v) if (!meets(x, s)) over++;
    const n = v.length + r.errorCount;
    const finite = v.filter(Number.isFinite);
    return {
      ...base,
      observedMs: finite.length > 0 ? quantile(sortSamples(finite), s.probability) : null,
      n,
      over,
      verdict: testPercentile(n, over, s.probability, confidence).verdict,
    };
  });
  const verdict: PercentileVerdict = checks.some((c) => c.verdict === "fail") ? "fail" : checks.every((c) => c.verdict === "pass") ? "pass" : "undecided";
  return { confidence, verdict, checks, goodput: goodput(r, slos, values) };
}

function goodput(r: LoadResult, slos: readonly Slo[], values: Map<Slo, Float64Array | undefined>): SloReport["goodput"] {
  if ([...values.values()].some((v) => v === undefined)) return null;
  let good = 0;
  for (let i = 0; i < r.ok; i++) if (slos.every((s) => meets(values.get(s)?.[i] ?? Number.POSITIVE_INFINITY, s))) good++;
  const seconds = r.durationNs / 1e9;
  return { requests: good, ratePerS: seconds > 0 ? good / seconds : 0, share: r.sent > 0 ? good / r.sent : 0 };
}
