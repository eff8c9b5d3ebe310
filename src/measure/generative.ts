import type { GenerativeSamples } from "../load/types.js";
import type { GenerativeMetric, GenerativeSummary, LatencyMs } from "../results.js";
import { normalQuantile, nsToMs, nsToS, summarizeLatency } from "../stats/index.js";

function latencyOf(values: readonly number[]): LatencyMs | null {
  if (values.length === 0) return null;
  const { p50, p90, p95, p99, p999, mean, stddev, min, max } = summarizeLatency(values);
  return { p50, p90, p95, p99, p999, mean, stddev, min, max };
}

function totals(values: readonly number[]): { mean: number; min: number; max: number; total: number } | null {
  if (values.length === 0) return null;
  let total = 0;
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (const v of values) {
    total += v;
    min = Math.min(min, v);
    max = Math.max(max, v);
  }
  return { mean: total / values.length, min, max, total };
}

/**
 * The per-request values of a generative metric by its `slo:` name, ms, index i being the i-th
 * successful request in every metric but itl, which gives every gap of every request (request i's
 * are at g.itlOffsets[i] up to g.itlOffsets[i + 1]). tpot is NaN for a request of one token.
 */
export function generativeValuesMs(g: GenerativeSamples, metric: GenerativeMetric): Float64Array {
  const ns = metric === "ttft" ? g.ttftNs : metric === "tpot" ? g.tpotNs : metric === "itl" ? g.itlNs : g.e2eNs;
  return ns.map(nsToMs);
}

const finite = (a: Float64Array): number[] => Array.from(a).filter(Number.isFinite);

/**
 * A streaming cell's generative metrics (docs/LOAD.md): TTFT, TPOT, ITL and E2E with the same
 * percentiles and intervals as any latency (series in order of completion, so the intervals
 * account for serial dependence), token counts and the aggregate output rate over the window.
 * Returns the summary and the notes it calls for (token source, a tokenizer that disagrees,
 * faults). null when no request succeeded.
 */
export function summarizeGenerative(g: GenerativeSamples): { summary: GenerativeSummary; notes: string[] } | null {
  const n = g.ttftNs.length;
  if (n === 0) return null;
  const ttft = Array.from(generativeValuesMs(g, "ttft"));
  const e2e = Array.from(generativeValuesMs(g, "e2e"));
  const tpot = Array.from(generativeValuesMs(g, "tpot"), (v) => (Number.isFinite(v) ? v : null));
  const out = Array.from(g.outputTokens);
  const itlMax: (number | null)[] = [];
  for (let i = 0; i < n; i++) {
    const from = g.itlOffsets[i] ?? 0;
    const to = g.itlOffsets[i + 1] ?? from;
    let m: number | null = null;
    for (let k = from; k < to; k++) m = Math.max(m ?? 0, nsToMs(g.itlNs[k] ?? 0));
    itlMax.push(m);
  }
  const outTotals = totals(out) ?? { mean: 0, min: 0, max: 0, total: 0 };
  const perRequest = out.map((tokens, i) => tokens / Math.max(1e-9, (e2e[i] ?? 0) / 1000));
  // Aggregate rate: requests over the window × mean tokens; its interval combines the Poisson
  // count of requests (±z/√n) with the mean tokens' own interval, in relative terms.
  // Over the time the tokens took to come (first start to last end), not the schedule's window:
  // answers that a queue held past the window would otherwise inflate the rate.
  const windowNs = g.spanNs;
  const rate = windowNs > 0 ? outTotals.total / nsToS(windowNs) : 0;
  const z = normalQuantile(0.975);
  const tokensMean = summarizeLatency(out).mean;
  const relTokens = tokensMean.ci && outTotals.mean > 0 ? (tokensMean.ci[1] - tokensMean.ci[0]) / 2 / outTotals.mean : tokensMean.ci ? 0 : null;
  const rel = relTokens === null ? null : Math.sqrt((z * z) / n + relTokens * relTokens);
  const summary: GenerativeSummary = {
    requests: n,
    ttftMs: latencyOf(ttft) as LatencyMs,
    tpotMs: latencyOf(tpot.filter((v): v is number => v !== null)),
    itlMs: latencyOf(Array.from(generativeValuesMs(g, "itl"))),
    e2eMs: latencyOf(e2e) as LatencyMs,
    outputTokens: outTotals,
    inputTokens: totals(finite(g.inputTokens)),
    outputTokensPerS: { value: rate, ci: rel === null || windowNs <= 0 ? null : [rate * Math.max(0, 1 - rel), rate * (1 + rel)] },
    requestTokensPerS: latencyOf(perRequest) as LatencyMs,
    tokens: {
      usage: g.tokenSource.usage,
      tokenizer: g.tokenSource.tokenizer,
      chunks: g.tokenSource.chunks,
      tokenizerName: g.tokenizer,
      check: g.tokenizerCheck.compared > 0 ? { ...g.tokenizerCheck } : null,
    },
    faults: { ...g.faults },
    samplesMs: { ttft, tpot, e2e, itlMax, outputTokens: out },
  };
  return { summary, notes: generativeNotes(g) };
}

function generativeNotes(g: GenerativeSamples): string[] {
  const notes: string[] = [];
  const { usage, tokenizer, chunks } = g.tokenSource;
  if (chunks > 0) {
    notes.push(
      `${chunks} of ${usage + tokenizer + chunks} responses had no usage and no tokenizer is named: their output tokens are text chunks, not tokens (name generate.tokenizer)`,
    );
  }
  const c = g.tokenizerCheck;
  if (c.differing > 0) {
    const rel = c.usageTotal > 0 ? ((c.tokenizerTotal / c.usageTotal - 1) * 100).toFixed(1) : "n/a";
    notes.push(
      `tokenizer ${g.tokenizer ?? "?"} disagrees with the server's usage on ${c.differing} of ${c.compared} responses (total ${c.tokenizerTotal} vs ${c.usageTotal} tokens, ${rel}%; at most ${c.maxAbsDiff} off): the server's counts are used`,
    );
  }
  const f = g.faults;
  const failed = [
    ["error events", f.errorEvents],
    ["stalled streams", f.stalls],
    ["cut streams", f.cuts],
    ["malformed events", f.malformedEvents],
    ["streams without text", f.noTokens],
  ] as const;
  const parts = failed.filter(([, k]) => k > 0).map(([name, k]) => `${name} ×${k}`);
  if (parts.length > 0) notes.push(`stream faults: ${parts.join(", ")}`);
  if (f.multiTokenChunks > 0) notes.push(`${f.multiTokenChunks} responses had chunks of several tokens: ITL (per chunk) is longer than TPOT (per token) there`);
  return notes;
}
