import { generatorLimit } from "../load/health.js";
import type { LoadResult } from "../load/types.js";
import { evaluateSlos } from "../measure/slo.js";
import type { SloReport } from "../results.js";
import { quantile, sortSamples } from "../stats/index.js";
import type { Slo } from "../suite/slo.js";

/**
 * One step of a capacity search: the load asked for, what the generator achieved, the latency
 * percentiles, the SLO verdict (binomial test) and the generator's own verdict. A step whose
 * generator could not drive the load is `invalid`: its latencies hold the generator's delay, so
 * it says nothing about the server.
 */
export interface CapacityStep {
  /** Open loop: requests/s asked for; closed loop: requests in flight. */
  target: number;
  durationMs: number;
  /** Requests sent per second of the measured window (whatever their outcome). */
  achievedRate: number;
  sent: number;
  ok: number;
  errors: number;
  latencyMs: { p50: number; p90: number; p99: number; max: number } | null;
  slo: SloReport;
  generator: {
    verdict: "ok" | "invalid";
    /** Why invalid (health.ts generatorLimit): the limit and what to change. */
    reason: string | null;
    /** Open loop: the p99 delay between a request's scheduled and actual send. */
    sendLagP99Ms: number | null;
    eventLoopP99Ms: number | null;
    dropped: number;
  };
  /** pass / fail / undecided: the SLO test; invalid: the generator could not drive the step. */
  verdict: "pass" | "fail" | "undecided" | "invalid";
}

export function capacityStep(o: {
  target: number;
  durationMs: number;
  result: LoadResult;
  slos: readonly Slo[];
  confidence: number;
  /** In-process load (a local ONNX cell): only unsent requests make the generator's step invalid (health.ts). */
  inProcess: boolean;
}): CapacityStep {
  const r = o.result;
  const g = r.generator;
  const reason = g ? generatorLimit(g, { inProcess: o.inProcess }) : null;
  const slo = evaluateSlos(r, o.slos, o.confidence);
  let latencyMs: CapacityStep["latencyMs"] = null;
  if (r.latenciesNs.length > 0) {
    const sorted = sortSamples(Array.from(r.latenciesNs, (ns) => ns / 1e6));
    latencyMs = { p50: quantile(sorted, 0.5), p90: quantile(sorted, 0.9), p99: quantile(sorted, 0.99), max: sorted[sorted.length - 1] ?? 0 };
  }
  return {
    target: o.target,
    durationMs: o.durationMs,
    achievedRate: g?.achievedRate ?? (r.durationNs > 0 ? r.sent / (r.durationNs / 1e9) : 0),
    sent: r.sent,
    ok: r.ok,
    errors: r.errorCount,
    latencyMs,
    slo,
    generator: {
      verdict: reason === null ? "ok" : "invalid",
      reason,
      sendLagP99Ms: g?.sendLagMs?.p99 ?? null,
      eventLoopP99Ms: g?.eventLoopDelayMs.p99 ?? null,
      dropped: g?.dropped ?? 0,
    },
    verdict: reason !== null ? "invalid" : slo.verdict,
  };
}
