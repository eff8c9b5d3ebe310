// How precise the trial canary is with k timings (noise.ts calibrate, 4M iterations each): fresh
// processes each time the canary as a trial does — once first thing in the process (JIT warm-up
// included), once more after 300 ms of other work — for k = 3, 5, 7, 15 in alternation. Reports
// the spread between processes (what the trial-to-trial and run-to-run checks see) and of
// after/before within a process (the within-trial check), both judged against the 10% limit.
// Usage: node perf/canary.mjs [PROCESSES_PER_K=20]
import { spawnSync } from "node:child_process";
import path from "node:path";
import { ENTRY, median, quantile } from "./lib.mjs";

const per = Number(process.argv[2] ?? 20);
const ks = [3, 5, 7, 15];
const noise = path.join(path.dirname(ENTRY), "measure/noise.js");
const child = (k) => `
const { calibrate } = await import(${JSON.stringify(noise)});
const clock = () => process.hrtime.bigint();
const t0 = performance.now();
const before = calibrate(clock, ${k});
const costMs = performance.now() - t0;
const t = Date.now(); let x = 0; while (Date.now() - t < 300) x += Math.sqrt(x + 1);
const after = calibrate(clock, ${k});
console.log(JSON.stringify({ before, after, costMs }));`;
const results = Object.fromEntries(ks.map((k) => [k, []]));
for (let i = 0; i < per; i++) {
  for (const k of ks) {
    const r = spawnSync(process.execPath, ["--input-type=module", "-e", child(k)], { encoding: "utf8" });
    results[k].push(JSON.parse(r.stdout));
  }
}
const pct = (x) => `${(100 * x).toFixed(1)}%`;
console.log(`${per} fresh processes per k, alternated; canary = median of k timings of 4M iterations`);
for (const k of ks) {
  const rows = results[k];
  const m = median(rows.map((r) => r.before));
  const between = rows.map((r) => Math.abs(r.before / m - 1));
  const within = rows.map((r) => Math.abs(r.after / r.before - 1));
  console.log(
    `k=${String(k).padStart(2)}: canary ${m.toFixed(2)} ms, costs ${median(rows.map((r) => r.costMs)).toFixed(0)} ms each (×2 a trial); ` +
      `|process/median − 1| median ${pct(median(between))}, 90th ${pct(quantile(between, 0.9))}, >10%: ${between.filter((x) => x > 0.1).length}/${rows.length}; ` +
      `|after/before − 1| median ${pct(median(within))}, 90th ${pct(quantile(within, 0.9))}, >10%: ${within.filter((x) => x > 0.1).length}/${rows.length}`,
  );
}
