/**
 * The open loop's ceiling: openLoopHttp at each rate against URL, several rounds (the order of the
 * rates alternates between rounds), and for each rate the median and the range over the rounds of
 * what the generator achieved, its send lag, event-loop delay and CPU, the server's latency, and
 * whether the cell would be `invalid`. Usage (perf/load.sh starts nginx and calls it):
 *   npx tsx perf/open-loop.ts URL [rates=5000,10000,20000,30000] [durationMs=3000] [rounds=3]
 */
import { generatorLimit } from "../src/load/health.js";
import { openLoopHttp } from "../src/load/open-http.js";
import { quantile, sortSamples } from "../src/stats/index.js";

const [url = "http://127.0.0.1:8089/", ratesArg = "5000,10000,20000,30000", durationArg = "3000", roundsArg = "3"] = process.argv.slice(2);
const rates = ratesArg.split(",").map(Number);
const durationMs = Number(durationArg);
const rounds = Number(roundsArg);

interface Row {
  rate: number;
  sentPerS: number;
  okPerS: number;
  lagP99: number;
  lagMax: number;
  loopP99: number;
  cpu: number;
  inFlight: number;
  p50: number;
  p99: number;
  invalid: boolean;
}
const rows: Row[] = [];
const f = (x: number, d = 1) => x.toFixed(d);

for (let round = 0; round < rounds; round++) {
  const order = round % 2 === 0 ? rates : [...rates].reverse();
  for (const rate of order) {
    const r = await openLoopHttp({
      request: { url, method: "POST", headers: { "content-type": "application/json" }, body: '{"x":1}', timeoutMs: 2000 },
      ratePerS: rate,
      arrival: "poisson",
      durationMs,
      seed: round + 1,
      warmupRequests: Math.min(2000, rate / 2),
    });
    const g = r.generator;
    if (!g) throw new Error("no generator health");
    const sorted = sortSamples(r.latenciesNs);
    const row: Row = {
      rate,
      sentPerS: g.achievedRate,
      okPerS: r.achievedRate,
      lagP99: g.sendLagMs?.p99 ?? 0,
      lagMax: g.sendLagMs?.max ?? 0,
      loopP99: g.eventLoopDelayMs.p99,
      cpu: g.cpuPercent,
      inFlight: g.maxInFlight,
      p50: r.ok > 0 ? quantile(sorted, 0.5) / 1e6 : Number.NaN,
      p99: r.ok > 0 ? quantile(sorted, 0.99) / 1e6 : Number.NaN,
      invalid: generatorLimit(g) !== null,
    };
    rows.push(row);
    process.stderr.write(
      `round ${round + 1} rate ${rate}: sent ${f(row.sentPerS, 0)}/s ok ${f(row.okPerS, 0)}/s lag p99 ${f(row.lagP99)} max ${f(row.lagMax)} ms, loop p99 ${f(row.loopP99)} ms, cpu ${f(row.cpu, 0)}%, in flight ≤${row.inFlight}, p50 ${f(row.p50, 2)} p99 ${f(row.p99, 2)} ms${row.invalid ? " INVALID" : ""}\n`,
    );
  }
}

const med = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};
const span = (xs: number[], d = 1) => `${f(med(xs), d)} (${f(Math.min(...xs), d)}–${f(Math.max(...xs), d)})`;
console.log(`| target req/s | sent/s (sent ÷ target) | send lag p99 ms | event loop p99 ms | generator CPU % | p50 ms | p99 ms | invalid |`);
console.log(`|---|---|---|---|---|---|---|---|`);
for (const rate of rates) {
  const rs = rows.filter((r) => r.rate === rate);
  const ratio = rs.map((r) => r.sentPerS / rate);
  console.log(
    `| ${rate} | ${span(
      rs.map((r) => r.sentPerS),
      0,
    )} (${f(med(ratio) * 100)}%) | ${span(rs.map((r) => r.lagP99))} | ${span(rs.map((r) => r.loopP99))} | ${span(
      rs.map((r) => r.cpu),
      0,
    )} | ${span(
      rs.map((r) => r.p50),
      2,
    )} | ${span(
      rs.map((r) => r.p99),
      2,
    )} | ${rs.filter((r) => r.invalid).length} of ${rs.length} |`,
  );
}
