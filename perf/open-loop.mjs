/**
 * The open loop's ceiling: openLoopHttp at each rate and worker setting against URL, several
 * rounds (the order alternates between rounds), and for each the median and the range over the
 * rounds of what the generator achieved, its send lag, event-loop delay and CPU, the server's
 * latency, and whether the cell would be `invalid`; then the highest rate held within 1% with no
 * lag flag in every round. Usage (perf/load.sh starts nginx and calls it):
 *   node perf/open-loop.mjs URL [rates=5000,10000,20000,30000] [durationMs=3000] [rounds=3] [workers=1,auto] [clients=lean]
 * `auto` is the default worker count for the rate (defaultOpenWorkers: one per 8,000 req/s, at most one per core).
 * clients: `lean` (the default path: bench's own HTTP/1.1 client), `library` (BENCH_HTTP_CLIENT=library: undici);
 * `lean-spin` / `lean-batch`: the lean client with that pacing (src/load/open.ts OpenPacing) whatever the rate.
 * Env BUILDS=label=dir,label=dir: compiled trees (dist/ folders) compared in the same rounds, e.g.
 * BUILDS=base=/tmp/base/dist,new=dist (each is another cell of the alternation; default: this checkout's dist/).
 * Each cell also gives the load average when it started, the share of its sends over 10 ms late, and the
 * share of its wall time the main thread spent runnable but waiting for a CPU (Linux /proc/self/schedstat).
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";

// BUILDS: compiled trees to compare in the same rounds, `label=dir` (dir: a dist/ folder), comma-separated;
// each is another cell, alternated with the rest (default: this checkout's dist/).
const builds = await Promise.all(
  (process.env.BUILDS ?? `bench=${new URL("../dist", import.meta.url).pathname}`).split(",").map(async (entry) => {
    const [label, dir] = entry.includes("=") ? entry.split("=") : [entry, entry];
    const at = (m) => import(pathToFileURL(resolve(dir, m)).href);
    const [{ generatorLimit }, { defaultOpenWorkers, openLoopHttp }, { quantile, sortSamples }] = await Promise.all([
      at("load/health.js"),
      at("load/open-http.js"),
      at("stats/index.js"),
    ]);
    return { label, generatorLimit, defaultOpenWorkers, openLoopHttp, quantile, sortSamples };
  }),
);
const multi = builds.length > 1;

/** The main thread's time on a CPU and waiting for one (run queue), ns (Linux /proc/self/schedstat; zeros elsewhere). */
const schedstat = () => {
  try {
    const [run, wait] = readFileSync("/proc/self/schedstat", "utf8").split(" ").map(Number);
    return { run, wait };
  } catch {
    return { run: 0, wait: 0 };
  }
};
const loadavg = () => {
  try {
    return Number(readFileSync("/proc/loadavg", "utf8").split(" ")[0]);
  } catch {
    return Number.NaN;
  }
};

const [url = "http://127.0.0.1:8089/", ratesArg = "5000,10000,20000,30000", durationArg = "3000", roundsArg = "3", workersArg = "1,auto", clientsArg = "lean"] =
  process.argv.slice(2);
const clients = clientsArg.split(",");
const rates = ratesArg.split(",").map(Number);
const durationMs = Number(durationArg);
const rounds = Number(roundsArg);
const settings = workersArg.split(",");
const workersFor = (build, setting, rate) => (setting === "auto" ? build.defaultOpenWorkers(rate) : Number(setting));

const rows = [];
const f = (x, d = 1) => x.toFixed(d);

const cells = rates.flatMap((rate) => settings.flatMap((setting) => clients.flatMap((client) => builds.map((build) => ({ rate, setting, client, build })))));
for (let round = 0; round < rounds; round++) {
  const order = round % 2 === 0 ? cells : [...cells].reverse();
  for (const { rate, setting, client, build } of order) {
    const { generatorLimit, openLoopHttp, quantile, sortSamples } = build;
    const workers = workersFor(build, setting, rate);
    // `lean-spin` / `lean-batch`: the lean client with that pacing (open.ts OpenPacing) instead of the rate's default.
    const [kind, pacing] = client.split("-");
    if (kind === "library") process.env.BENCH_HTTP_CLIENT = "library";
    else delete process.env.BENCH_HTTP_CLIENT;
    const load = loadavg();
    const s0 = schedstat();
    const t0 = process.hrtime.bigint();
    const r = await openLoopHttp({
      request: { url, method: "POST", headers: { "content-type": "application/json" }, body: '{"x":1}', timeoutMs: 2000 },
      ratePerS: rate,
      arrival: "poisson",
      durationMs,
      seed: round + 1,
      warmupRequests: 200,
      workers,
      ...(pacing ? { pacing } : {}),
    });
    const s1 = schedstat();
    const wallNs = Number(process.hrtime.bigint() - t0);
    const g = r.generator;
    if (!g) throw new Error("no generator health");
    const q = (p) => (r.ok > 0 ? quantile(sortSamples(r.latenciesNs), p) / 1e6 : Number.NaN);
    const invalid = generatorLimit(g) !== null;
    const row = {
      rate,
      setting,
      client,
      build: build.label,
      load,
      // Share of the cell's wall time the main thread spent runnable but waiting for a CPU.
      waitPct: ((s1.wait - s0.wait) / wallNs) * 100,
      // Share of the measured sends over 10 ms late (health.ts LATE_SEND_MS); dropped ones are in both counts.
      latePct: g.lateSends !== null && g.scheduled ? (g.lateSends / g.scheduled) * 100 : 0,
      workers,
      sentPerS: g.achievedRate,
      lagP99: g.sendLagMs?.p99 ?? 0,
      loopP99: g.eventLoopDelayMs.p99,
      cpu: g.cpuPercent,
      perCpuS: g.cpuPercent > 0 ? g.achievedRate / (g.cpuPercent / 100) : 0,
      p50: q(0.5),
      p99: q(0.99),
      // Held: sent within 1% of the schedule's count, no lag flag, not invalid, nothing failed.
      held: !invalid && !r.generatorLagged && g.scheduled !== null && g.sent >= 0.99 * g.scheduled && r.errorCount === 0,
      invalid,
    };
    rows.push(row);
    process.stderr.write(
      `round ${round + 1} rate ${rate} workers ${workers} ${client}${multi ? ` ${build.label}` : ""}: load ${f(load, 2)}, sent ${f(row.sentPerS, 0)}/s (${f((row.sentPerS / rate) * 100)}%), lag p99 ${f(row.lagP99)} ms, late ${f(row.latePct, 2)}%, run-queue wait ${f(row.waitPct)}%, loop p99 ${f(row.loopP99)} ms, cpu ${f(row.cpu, 0)}%, p50 ${f(row.p50, 2)} p99 ${f(row.p99, 2)} ms, warm-up ${JSON.stringify(g.warmup)}${row.held ? " held" : ""}${row.invalid ? " INVALID" : ""}\n`,
    );
  }
}

const med = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const span = (all, d = 1) => {
  const xs = all.filter((x) => !Number.isNaN(x));
  if (xs.length === 0) return "–";
  const some = xs.length < all.length ? ` [${xs.length} of ${all.length} rounds]` : "";
  return `${f(med(xs), d)} (${f(Math.min(...xs), d)}–${f(Math.max(...xs), d)})${some}`;
};
console.log(
  `| target req/s | workers | client |${multi ? " build |" : ""} sent/s (sent ÷ target) | send lag p99 ms | late sends % | event loop p99 ms | generator CPU % | run-queue wait % | sent per CPU-s | p50 ms | p99 ms | held within 1% | invalid | load average |`,
);
console.log(`|---|---|---|${multi ? "---|" : ""}---|---|---|---|---|---|---|---|---|---|---|---|`);
for (const { rate, setting, client, build } of cells) {
  const rs = rows.filter((r) => r.rate === rate && r.setting === setting && r.client === client && r.build === build.label);
  const ratio = rs.map((r) => r.sentPerS / rate);
  console.log(
    `| ${rate} | ${rs[0]?.workers ?? "?"} | ${client} |${multi ? ` ${build.label} |` : ""} ${span(
      rs.map((r) => r.sentPerS),
      0,
    )} (${f(med(ratio) * 100)}%) | ${span(rs.map((r) => r.lagP99))} | ${span(
      rs.map((r) => r.latePct),
      2,
    )} | ${span(rs.map((r) => r.loopP99))} | ${span(
      rs.map((r) => r.cpu),
      0,
    )} | ${span(rs.map((r) => r.waitPct))} | ${span(
      rs.map((r) => r.perCpuS),
      0,
    )} | ${span(
      rs.map((r) => r.p50),
      2,
    )} | ${span(
      rs.map((r) => r.p99),
      2,
    )} | ${rs.filter((r) => r.held).length} of ${rs.length} | ${rs.filter((r) => r.invalid).length} of ${rs.length} | ${span(
      rs.map((r) => r.load),
      2,
    )} |`,
  );
}
for (const setting of settings) {
  for (const client of clients) {
    for (const build of builds) {
      const of = (rate) => rows.filter((r) => r.rate === rate && r.setting === setting && r.client === client && r.build === build.label);
      const heldAll = rates.filter((rate) => of(rate).every((r) => r.held));
      const heldMost = rates.filter((rate) => of(rate).filter((r) => r.held).length * 2 > of(rate).length);
      const top = (xs) => (xs.length > 0 ? Math.max(...xs) : "none");
      console.log(
        `\nworkers ${setting}, ${client} client${multi ? `, ${build.label}` : ""}: highest rate held within 1% with no lag flag in every round: ${top(heldAll)} req/s; in most rounds: ${top(heldMost)} req/s`,
      );
    }
  }
}
