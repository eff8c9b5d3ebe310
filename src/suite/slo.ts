import { closestName } from "./suggest.js";

/**
 * Service-level objectives on per-request values: `p99 <= 80ms`, `ttft.p99 <= 500ms`,
 * `tpot.p99 <= 50ms`, `p50 < 10ms`. Each names a per-request metric (latency when none is
 * written), a percentile, `<` or `<=`, and a duration with its unit. A request "meets" an SLO
 * when its own value is within the threshold; the percentile holds when at least that share of
 * requests meet it (the binomial test in stats/percentile-test.ts decides with a confidence).
 */

/**
 * The per-request metrics an SLO may name. `latency`: every load cell's samples (from the
 * scheduled start for an open loop). The others exist on generative (streaming) cells only:
 * time to first token, time per output token, inter-token latency, end-to-end latency.
 */
export const SLO_METRICS = ["latency", "ttft", "tpot", "itl", "e2e"] as const;
export type SloMetric = (typeof SLO_METRICS)[number];

export interface Slo {
  /** As written, normalised: `ttft.p99 <= 500ms`. */
  text: string;
  metric: SloMetric;
  /** The percentile's name as written: `p99`, `p99.9`. */
  percentile: string;
  /** Its probability: 0.99 for p99. */
  probability: number;
  /** `<=`: a request meets the SLO when its value is at most the threshold; `<`: below it. */
  op: "<" | "<=";
  thresholdMs: number;
}

const UNIT_MS: Record<string, number> = { us: 1e-3, µs: 1e-3, ms: 1, s: 1000 };

const EXAMPLE = "e.g. 'p99 <= 80ms' or 'ttft.p99 <= 500ms'";

/** `metric.pNN`, or `pNN` for latency. */
function parseLeft(left: string): Omit<Slo, "text" | "op" | "thresholdMs"> | string {
  const parts = left.split(".");
  const pIndex = parts.findIndex((p) => /^p\d/.test(p));
  if (pIndex < 0) return `'${left}' names no percentile; write METRIC.pNN such as p99 or ttft.p99 (${EXAMPLE})`;
  const metricName = parts.slice(0, pIndex).join(".") || "latency";
  const percentile = parts.slice(pIndex).join(".");
  if (!(SLO_METRICS as readonly string[]).includes(metricName)) {
    const near = closestName(metricName, SLO_METRICS);
    return `unknown metric '${metricName}'${near ? ` (did you mean '${near}'?)` : ""}; the metrics are ${SLO_METRICS.join(", ")}`;
  }
  const m = /^p(\d{1,2}(?:\.\d{1,6})?)$/.exec(percentile);
  const pct = m ? Number(m[1]) : NaN;
  if (!(pct > 0 && pct < 100)) return `'${percentile}' is not a percentile; write p followed by a number above 0 and below 100, such as p50, p99 or p99.9`;
  return { metric: metricName as SloMetric, percentile, probability: Number((pct / 100).toPrecision(12)) };
}

/** `<= 80ms`, `< 1.5s`. */
function parseRight(right: string): Pick<Slo, "op" | "thresholdMs"> | string {
  const m = /^(<=|<|≤)?\s*([0-9]+(?:\.[0-9]+)?(?:e[+-]?\d+)?)\s*([a-zµ]*)$/i.exec(right.trim());
  if (!m) {
    if (/^\s*(>=|>|==|=)/.test(right)) return `'${right.trim()}': an SLO is an upper bound on a time; use '<=' or '<' (${EXAMPLE})`;
    return `'${right.trim()}' is not a bound such as '<= 80ms'`;
  }
  const unit = (m[3] ?? "").toLowerCase();
  const scale = UNIT_MS[unit];
  if (scale === undefined) {
    return unit === ""
      ? `'${m[2]}' has no unit; write it with ms, s or us, such as ${m[2]}ms`
      : `unknown unit '${m[3]}'; write the time in ms, s or us, such as 80ms`;
  }
  const thresholdMs = Number(m[2]) * scale;
  if (!(thresholdMs > 0 && Number.isFinite(thresholdMs))) return `the threshold must be a time above 0, such as 80ms`;
  return { op: m[1] === "<" ? "<" : "<=", thresholdMs };
}

function formatMs(ms: number): string {
  return `${Number(ms.toPrecision(6))}ms`;
}

/** One SLO from `LEFT OP VALUE` (list form), or from a map's key and value (`p99: <= 80ms`, `p99: 80ms`). */
export function parseSlo(text: string, value?: string | number): Slo | string {
  let left: string;
  let right: string;
  if (value !== undefined) {
    left = text.trim();
    right = typeof value === "number" ? `${value}` : value;
  } else {
    const m = /^\s*([^<>=≤\s]+)\s*((?:<=|<|≤|>=|>|==|=).*)$/.exec(text);
    if (!m) return `'${text}' is not an SLO; write METRIC.pNN <= TIME (${EXAMPLE})`;
    left = m[1] ?? "";
    right = m[2] ?? "";
  }
  const l = parseLeft(left);
  if (typeof l === "string") return l;
  const r = parseRight(right);
  if (typeof r === "string") return r;
  const name = l.metric === "latency" ? l.percentile : `${l.metric}.${l.percentile}`;
  return { ...l, ...r, text: `${name} ${r.op} ${formatMs(r.thresholdMs)}` };
}

/** A suite's `slo:` as written: a list of strings, or a map of `METRIC.pNN: BOUND`. */
export type SloSpec = readonly string[] | Readonly<Record<string, string | number>>;

/** Every SLO of a spec, and every problem as `AT: message` (AT: `slo[1]`, `slo.ttft.p99`). */
export function parseSlos(spec: SloSpec, at = "slo"): { slos: Slo[]; errors: string[] } {
  const slos: Slo[] = [];
  const errors: string[] = [];
  const entries: [string, string, string | number | undefined][] = Array.isArray(spec)
    ? (spec as readonly string[]).map((s, i) => [`${at}[${i}]`, s, undefined])
    : Object.entries(spec as Record<string, string | number>).map(([k, v]) => [`${at}.${k}`, k, v]);
  for (const [where, text, value] of entries) {
    const r = parseSlo(text, value);
    if (typeof r === "string") errors.push(`${where}: ${r}`);
    else if (slos.some((s) => s.metric === r.metric && s.probability === r.probability))
      errors.push(`${where}: '${r.text}' repeats an SLO on the same percentile; keep one`);
    else slos.push(r);
  }
  return { slos, errors };
}
