/**
 * The closed loop's requests per generator CPU-second: closedLoopHttp with N connections against
 * URL, several rounds; prints one line per round (req/s, CPU %, req per CPU-s, event-loop p99, and
 * whether the cell would be `invalid`). perf/load.sh calls it next to wrk.
 *   npx tsx perf/closed-loop.ts URL [connections=32] [durationMs=3000] [rounds=3]
 */
import { closedLoopHttp } from "../src/load/closed-http.js";
import { generatorLimit } from "../src/load/health.js";

const [url = "http://127.0.0.1:8089/", connArg = "32", durationArg = "3000", roundsArg = "3"] = process.argv.slice(2);
for (let round = 1; round <= Number(roundsArg); round++) {
  const r = await closedLoopHttp({
    request: { url, method: "POST", headers: { "content-type": "application/json" }, body: '{"x":1}', timeoutMs: 2000 },
    connections: Number(connArg),
    durationMs: Number(durationArg),
    warmupRequests: 1000,
  });
  const g = r.generator;
  if (!g) throw new Error("no generator health");
  const perCpuS = g.cpuPercent > 0 ? r.achievedRate / (g.cpuPercent / 100) : 0;
  console.log(
    `bench closed c${connArg} round ${round}: ${r.achievedRate.toFixed(0)} req/s, CPU ${g.cpuPercent.toFixed(0)}%, ${perCpuS.toFixed(0)} req per CPU-s, event loop p99 ${g.eventLoopDelayMs.p99.toFixed(1)} ms${generatorLimit(g) ? " INVALID" : ""}`,
  );
}
