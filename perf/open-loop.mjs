/**
 * The open loop's ceiling: openLoopHttp at each rate and worker setting against URL, several
 * rounds (the order alternates between rounds), and for each the median and the range over the
 * rounds of what the generator achieved, its send lag, event-loop delay and CPU, the server's
 * latency, and whether the cell would be `invalid`; then the highest rate held within 1% with no
 * lag flag in every round. Usage (perf/load.sh starts nginx and calls it):
 *   node perf/open-loop.mjs URL [rates=5000,10000,20000,30000] [durationMs=3000] [rounds=3] [workers=1,auto] [clients=lean]
 * `auto` is the default worker count for the rate (defaultOpenWorkers: one per 8,000 req/s, at most one per core).
 * clients: `lean` (the default path: bench's own HTTP/1.1 client), `library` (BENCH_HTTP_CLIENT=library: undici).
 */
import { generatorLimit } from "../dist/load/health.js";
import { defaultOpenWorkers, openLoopHttp } from "../dist/load/open-http.js";
import { quantile, sortSamples } from "../dist/stats/index.js";

const [url = "http://127.0.0.1:8089/", ratesArg = "5000,10000,20000,30000", durationArg = "3000", roundsArg = "3", workersArg = "1,auto", clientsArg = "lean"] =
  process.argv.slice(2);
const clients = clientsArg.split(",");
const rates = ratesArg.split(",").map(Number);
const durationMs = Number(durationArg);
const rounds = Number(roundsArg);
const settings = workersArg.split(",");
const workersFor = (setting, rate) => (setting === "auto" ? defaultOpenWorkers(rate) : Number(setting));

const rows = [];
const f = (x, d = 1) => x.toFixed(d);

const cells = rates.flatMap((rate) => settings.flatMap((setting) => clients.map((client) => ({ rate, setting, client }))));
for (let round = 0; round < rounds; round++) {
  const order = round % 2 === 0 ? cells : [...cells].reverse();
  for (const { rate, setting, client } of order) {
    const workers = workersFor(setting, rate);
    if (client === "library") process.env.BENCH_HTTP_CLIENT = "library";
    else delete process.env.BENCH_HTTP_CLIENT;
    const r = await openLoopHttp({
      request: { url, method: "POST", headers: { "content-type": "application/json" }, body: '{"x":1}', timeoutMs: 2000 },
      ratePerS: rate,
      arrival: "poisson",
      durationMs,
      seed: round + 1,
      warmupRequests: 200,
      workers,
    });
    const g = r.generator;
    if (!g) throw new Error("no generator health");
    const q = (p) => (r.ok > 0 ? quantile(sortSamples(r.latenciesNs), p) / 1e6 : Number.NaN);
    const invalid = generatorLimit(g) !== null;
    const row = {
      rate,
      setting,
      client,
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
      `round ${round + 1} rate ${rate} workers ${workers} ${client}: sent ${f(row.sentPerS, 0)}/s (${f((row.sentPerS / rate) * 100)}%), lag p99 ${f(row.lagP99)} ms, loop p99 ${f(row.loopP99)} ms, cpu ${f(row.cpu, 0)}%, p50 ${f(row.p50, 2)} p99 ${f(row.p99, 2)} ms, warm-up ${JSON.stringify(g.warmup)}${row.held ? " held" : ""}${row.invalid ? " INVALID" : ""}\n`,
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
  `| target req/s | workers | client | sent/s (sent ÷ target) | send lag p99 ms | event loop p99 ms | generator CPU % | sent per CPU-s | p50 ms | p99 ms | held within 1% | invalid |`,
);
console.log(`|---|---|---|---|---|---|---|---|---|---|---|---|`);
for (const { rate, setting, client } of cells) {
  const rs = rows.filter((r) => r.rate === rate && r.setting === setting && r.client === client);
  const ratio = rs.map((r) => r.sentPerS / rate);
  console.log(
    `| ${rate} | ${rs[0]?.workers ?? "?"} | ${client} | ${span(
      rs.map((r) => r.sentPerS),
      0,
    )} (${f(med(ratio) * 100)}%) | ${span(rs.map((r) => r.lagP99))} | ${span(rs.map((r) => r.loopP99))} | ${span(
      rs.map((r) => r.cpu),
      0,
    )} | ${span(
      rs.map((r) => r.perCpuS),
      0,
    )} | ${span(
      rs.map((r) => r.p50),
      2,
    )} | ${span(
      rs.map((r) => r.p99),
      2,
    )} | ${rs.filter((r) => r.held).length} of ${rs.length} | ${rs.filter((r) => r.invalid).length} of ${rs.length} |`,
  );
}
for (const setting of settings) {
  for (const client of clients) {
    const heldAll = rates.filter((rate) => rows.filter((r) => r.rate === rate && r.setting === setting && r.client === client).every((r) => r.held));
    console.log(
      `\nworkers ${setting}, ${client} client: highest rate held within 1% with no lag flag in every round: ${heldAll.length > 0 ? Math.max(...heldAll) : "none"} req/s`,
    );
  }
}
