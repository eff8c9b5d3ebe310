// How precise the trial canary is with fewer timings: P fresh processes each time the canary
// (noise.ts calibrate, 4M iterations) 15 times, then again after 300 ms of other work, as a trial
// does around its cells. For the median of the first k timings (k = 3, 5, 7, 15) it reports the
// spread between processes (what the run-to-run and trial-to-trial checks see) and of the
// after/before ratio within a process (the within-trial check); both are judged against 10%.
// Usage: node perf/canary.mjs [PROCESSES=20]
import { spawnSync } from "node:child_process";
import path from "node:path";
import { ENTRY, median, quantile } from "./lib.mjs";

const processes = Number(process.argv[2] ?? 20);
const noise = path.join(path.dirname(ENTRY), "measure/noise.js");
const child = `
const { calibrate } = await import(${JSON.stringify(noise)});
const clock = () => process.hrtime.bigint();
const one = () => calibrate(clock, 1);
const before = Array.from({ length: 15 }, one);
const t = Date.now(); let x = 0; while (Date.now() - t < 300) x += Math.sqrt(x + 1);
const after = Array.from({ length: 15 }, one);
console.log(JSON.stringify({ before, after }));`;
const rows = Array.from({ length: processes }, () => {
  const r = spawnSync(process.execPath, ["--input-type=module", "-e", child], { encoding: "utf8" });
  return JSON.parse(r.stdout);
});
const pct = (x) => `${(100 * x).toFixed(1)}%`;
console.log(`${processes} fresh processes; one canary timing ${median(rows.flatMap((r) => r.before)).toFixed(2)} ms (median)`);
for (const k of [3, 5, 7, 15]) {
  const b = rows.map((r) => median(r.before.slice(0, k)));
  const ratio = rows.map((r) => Math.abs(median(r.after.slice(0, k)) / median(r.before.slice(0, k)) - 1));
  const m = median(b);
  const between = b.map((v) => Math.abs(v / m - 1));
  console.log(
    `median of ${String(k).padStart(2)}: costs ${(2 * k * median(rows.flatMap((r) => r.before))).toFixed(0)} ms a trial; ` +
      `|process / median of processes − 1|: median ${pct(median(between))}, 90th ${pct(quantile(between, 0.9))}, over 10% in ${between.filter((x) => x > 0.1).length}; ` +
      `|after / before − 1|: median ${pct(median(ratio))}, 90th ${pct(quantile(ratio, 0.9))}, over 10% in ${ratio.filter((x) => x > 0.1).length}`,
  );
}
