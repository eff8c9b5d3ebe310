// Shared helpers of the perf/ scripts: timing child processes, alternated rounds, medians and spread.
import { spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
/** The compiled CLI to measure: BENCH_ENTRY, or this tree's dist/cli.js (run `npm run build` first). */
export const ENTRY = process.env.BENCH_ENTRY ?? path.join(ROOT, "dist/cli.js");
export const tempDir = () => mkdtempSync(path.join(tmpdir(), "bench-perf-"));

/** Wall time of one child process, ms; throws when it fails. */
export function timeMs(argv, options = {}) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(argv[0], argv.slice(1), { stdio: ["ignore", "ignore", "pipe"], env: { ...process.env, NO_COLOR: "1" }, ...options });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`${argv.join(" ")}: exit ${r.status}\n${r.stderr}`);
  return ms;
}

export function bench(...args) {
  return [process.execPath, ENTRY, ...args];
}

/** Runs every command once per round, in a new rotation each round (alternated), `rounds` times. */
export function alternate(commands, rounds, { warmup = 1 } = {}) {
  const names = Object.keys(commands);
  for (let w = 0; w < warmup; w++) for (const n of names) timeMs(commands[n]);
  const times = Object.fromEntries(names.map((n) => [n, []]));
  for (let r = 0; r < rounds; r++) {
    for (let i = 0; i < names.length; i++) {
      const n = names[(i + r) % names.length];
      times[n].push(timeMs(commands[n]));
    }
  }
  return times;
}

export function quantile(values, p) {
  const s = [...values].sort((a, b) => a - b);
  const h = (s.length - 1) * p;
  const lo = Math.floor(h);
  return s[lo] + (h - lo) * ((s[Math.min(lo + 1, s.length - 1)] ?? s[lo]) - s[lo]);
}

export const median = (v) => quantile(v, 0.5);

/**
 * Distribution-free 95% interval of the median of xs: the order statistics (k, n + 1 − k) with k the
 * largest such that P(Binomial(n, ½) < k) ≤ 2.5%. Null under 6 values (no such k). Unlike a t-interval
 * of the mean, one round where the machine switched level between two processes does not widen it.
 */
export function medianInterval(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  let cdf = 0;
  let k = 0;
  for (let i = 0; i < n; i++) {
    let c = 1;
    for (let j = 0; j < i; j++) c = (c * (n - j)) / (j + 1);
    if (cdf + c / 2 ** n > 0.025) break;
    cdf += c / 2 ** n;
    k = i + 1;
  }
  return k === 0 ? null : [s[k - 1], s[n - k]];
}

/** "median (min–max, IQR q1–q3)" of a list of ms. */
export function spread(values, digits = 0) {
  const f = (x) => x.toFixed(digits);
  return `${f(median(values))} (min ${f(Math.min(...values))}, q1–q3 ${f(quantile(values, 0.25))}–${f(quantile(values, 0.75))}, max ${f(Math.max(...values))})`;
}

/** Per-round differences a − b (the rounds are paired: both ran in the same rotation). */
export const minus = (a, b) => a.map((x, i) => x - b[i]);
