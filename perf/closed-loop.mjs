/**
 * The closed loop's requests per generator CPU-second, by engine, against URL with N connections:
 *   bench      closedLoopHttp (the lean client on node:net; per-request samples and validation)
 *   library    closedLoopHttp with BENCH_HTTP_CLIENT=library (autocannon's clients, patched: the previous path)
 *   autocannon autocannon alone, no hooks (its own efficiency, the reference)
 *   undici     an own closed loop on undici's dispatch (HttpSender, as the open loop sends)
 * One line per engine and round (req/s, CPU %, req per CPU-s). CPU is process.cpuUsage() over the
 * measured window, wall time likewise. perf/load.sh alternates it with wrk.
 *   node perf/closed-loop.mjs URL [connections=32] [durationMs=3000] [rounds=1] [engines=bench,library,autocannon,undici]
 */
import autocannon from "autocannon";
import { closedLoopHttp } from "../dist/load/closed-http.js";
import { generatorLimit } from "../dist/load/health.js";
import { HttpSender } from "../dist/load/http-send.js";

const [url = "http://127.0.0.1:8089/", connArg = "32", durationArg = "3000", roundsArg = "1", enginesArg = "bench,library,autocannon,undici"] =
  process.argv.slice(2);
const connections = Number(connArg);
const durationMs = Number(durationArg);
const request = { url, method: "POST", headers: { "content-type": "application/json" }, body: '{"x":1}', timeoutMs: 2000 };

/** Runs `work` after a 1 s warm-up of the same engine and returns requests, wall s and CPU s of the measured part. */
async function measured(work) {
  await work(1000);
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const n = await work(durationMs);
  const wallS = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = process.cpuUsage(cpu0);
  return { n, wallS, cpuS: (cpu.user + cpu.system) / 1e6 };
}

async function benchEngine() {
  const r = await closedLoopHttp({ request, connections, durationMs, warmupRequests: 1000 });
  const g = r.generator;
  if (!g) throw new Error("no generator health");
  const perCpuS = g.cpuPercent > 0 ? r.achievedRate / (g.cpuPercent / 100) : 0;
  return `${r.achievedRate.toFixed(0)} req/s, CPU ${g.cpuPercent.toFixed(0)}%, ${perCpuS.toFixed(0)} req per CPU-s, event loop p99 ${g.eventLoopDelayMs.p99.toFixed(1)} ms, errors ${r.errorCount}${generatorLimit(g) ? " INVALID" : ""}`;
}

const engines = {
  bench: () => benchEngine(),
  async library() {
    process.env.BENCH_HTTP_CLIENT = "library";
    try {
      return await benchEngine();
    } finally {
      delete process.env.BENCH_HTTP_CLIENT;
    }
  },
  async autocannon() {
    const m = await measured(
      (ms) =>
        new Promise((resolve, reject) => {
          autocannon(
            { url, connections, duration: ms / 1000, method: "POST", body: '{"x":1}', headers: { "content-type": "application/json" } },
            (err, res) => {
              if (err) reject(err instanceof Error ? err : new Error(JSON.stringify(err)));
              else resolve(res.requests.total);
            },
          );
        }),
    );
    return line(m);
  },
  async undici() {
    const m = await measured(async (ms) => {
      const sender = new HttpSender(request, { connections });
      let n = 0;
      let stop = false;
      const done = new Promise((resolve) => {
        let live = connections;
        const go = () => {
          sender.send(process.hrtime.bigint(), 0, () => {
            n++;
            if (!stop) go();
            else if (--live === 0) resolve();
          });
        };
        for (let i = 0; i < connections; i++) go();
      });
      await new Promise((r) => setTimeout(r, ms));
      stop = true;
      await done;
      await sender.close();
      return n;
    });
    return line(m);
  },
};

const line = (m) => `${(m.n / m.wallS).toFixed(0)} req/s, CPU ${((m.cpuS / m.wallS) * 100).toFixed(0)}%, ${(m.n / m.cpuS).toFixed(0)} req per CPU-s`;

const names = enginesArg.split(",");
for (let round = 1; round <= Number(roundsArg); round++) {
  // Alternated: the engines' order rotates each round.
  for (let i = 0; i < names.length; i++) {
    const name = names[(i + round - 1) % names.length];
    const run = engines[name];
    if (!run) throw new Error(`unknown engine ${name}`);
    console.log(`${name} closed c${connections} round ${round}: ${await run()}`);
  }
}
