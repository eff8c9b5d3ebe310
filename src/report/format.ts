import type { Estimate } from "../stats/index.js";

/** Three significant digits, without exponent notation for the ranges latencies live in. */
export function num(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  const abs = Math.abs(x);
  if (abs >= 1000) return Math.round(x).toString();
  if (abs >= 100) return x.toFixed(1);
  if (abs >= 10) return x.toFixed(2);
  if (abs >= 1) return x.toFixed(3).replace(/0$/, "");
  if (abs === 0) return "0";
  return x.toPrecision(3);
}

/** "4.10 (4.05–4.16)", or "4.10 (no CI)" when the sample was too small for an interval. */
export function withCI(e: Estimate): string {
  return e.ci ? `${num(e.value)} (${num(e.ci[0])}–${num(e.ci[1])})` : `${num(e.value)} (no CI)`;
}

export function bytesKb(kb: number): string {
  return kb >= 1024 * 1024 ? `${(kb / 1024 / 1024).toFixed(2)} GiB` : `${(kb / 1024).toFixed(0)} MiB`;
}

/** "12.3%": a share or a relative spread, unsigned, one decimal (a change has its sign: diff-common's pct). */
export function percent(x: number): string {
  return `${(x * 100).toFixed(1)}%`;
}

/** A JSON document as the CLI prints it: two-space indentation, one trailing newline. */
export function jsonText(doc: unknown): string {
  return `${JSON.stringify(doc, null, 2)}\n`;
}
