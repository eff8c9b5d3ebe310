import { writeFileSync } from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { loadTraceEntries, replaySchedule } from "../src/load/replay.js";
import type { LoadResult } from "../src/load/types.js";
import { measuredLoadCell } from "../src/measure/cell-result.js";
import { httpRunner } from "../src/runners/http/runner.js";
import { runLocalLoad } from "../src/runners/local-load.js";
import { startOpenAiServer } from "../src/serve/openai.js";
import { expandCells } from "../src/suite/expand.js";
import { loadSuite, SuiteError } from "../src/suite/load.js";
import { bench, tempDir } from "./helpers/cli.js";
import { startTestServer, type TestServer } from "./helpers/servers.js";

/**
 * Trace replay (`load: { arrival: trace, trace: FILE }`): each request leaves at its line's time
 * (bursts arrive together, gaps stay gaps), the count is the trace's, latency runs from the
 * scheduled start (a request queued behind a stalled one carries the wait), a streaming target
 * sends each line's output_length as max_tokens, and a bad trace is a bad suite (exit 2, its line named).
 */

const dir = tempDir("bench-replay-");
let closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(closers.map((c) => c()));
  closers = [];
});

function writeTrace(name: string, lines: readonly (string | object)[]): string {
  writeFileSync(path.join(dir, name), lines.map((l) => (typeof l === "string" ? l : JSON.stringify(l))).join("\n") + "\n");
  return name;
}

/** A json target on `url` replaying `trace`, as a suite file in the temp dir. */
function jsonSuite(name: string, url: string, trace: string, load = "", timeoutMs = 5000): string {
  const file = path.join(dir, `${name}.yaml`);
  writeFileSync(
    file,
    `name: ${name}
targets:
  srv:
    kind: http
    url: ${url}
    protocol: json
    body: '{"x": {{flat:x}}}'
    inputs: { x: { shape: [batch, 2], dtype: float32 } }
    timeoutMs: ${timeoutMs}
load: { arrival: trace, trace: ${trace}${load} }
`,
  );
  return file;
}

async function replay(suiteFile: string): Promise<LoadResult> {
  const [cell] = expandCells(loadSuite(suiteFile, {}));
  if (!cell) throw new Error("no cell");
  const prepared = await httpRunner.prepare(cell, 1);
  try {
    return await prepared.runLoad(new AbortController().signal);
  } finally {
    await prepared.release();
  }
}

/** 200 at once, noting when each request arrived (performance.now(), ms). */
async function recordingServer(): Promise<TestServer & { arrivals: number[] }> {
  const arrivals: number[] = [];
  const s = await startTestServer((req, res) => {
    arrivals.push(performance.now());
    req.resume();
    req.on("end", () => res.end('{"ok":true}'));
  });
  closers.push(() => s.close());
  return Object.assign(s, { arrivals });
}

describe("trace replay over HTTP", () => {
  // Three bursts of 4, 6 and 3 requests at 0, 500 and 1400 ms, and two lone requests in between.
  const BURSTS = [0, 500, 1400];
  const times = [0, 0, 0, 0, 250, 500, 500, 500, 500, 500, 500, 900, 1400, 1400, 1400];

  it("sends each request at its time: bursts together, gaps kept, as many as the trace has", async () => {
    const server = await recordingServer();
    const trace = writeTrace("bursts.jsonl", [...times.map((t, i) => ({ timestamp: 1_700_000_000_000 + t, hash_ids: [i, i + 1], input_length: 10 })), ""]);
    // Five warm-up requests go first, outside the trace.
    const r = await replay(jsonSuite("bursts", server.url, trace, ", warmupRequests: 5"));
    expect(r.sent).toBe(times.length);
    expect(r.ok).toBe(times.length);
    expect(server.arrivals).toHaveLength(5 + times.length);
    const arrivals = server.arrivals.slice(5);
    expect(r.trace).toMatchObject({ path: trace, requests: times.length, spanMs: 1400, speedup: 1, scheduled: times.length });
    expect(r.trace?.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(r.targetRate).toBeCloseTo((times.length * 1000) / 1400, 3);
    const rel = arrivals.map((a) => a - (arrivals[0] as number));
    process.stderr.write(
      `replay arrivals (ms after the first): ${rel.map((a) => a.toFixed(1)).join(", ")}; send lag ${JSON.stringify(r.generator?.sendLagMs)}\n`,
    );
    // Loose bounds (a busy machine delays a send by tens of ms, never by a burst's gap): each
    // request lands nearer its own scheduled time than any other distinct time of the trace.
    const distinct = [...new Set(times)];
    rel.forEach((a, i) => {
      const nearest = distinct.reduce((best, t) => (Math.abs(a - t) < Math.abs(a - best) ? t : best));
      expect(nearest, `request ${i} arrived at ${a.toFixed(1)} ms`).toBe(times[i]);
    });
    // Each burst's requests arrived together, far closer than the gaps between bursts.
    for (const b of BURSTS) {
      const burst = rel.filter((_, i) => times[i] === b);
      expect(Math.max(...burst) - Math.min(...burst)).toBeLessThan(100);
    }
    expect(r.generator?.scheduled).toBe(times.length);
    expect(r.generator?.dropped).toBe(0);
  });

  it("times each request from its scheduled start: one queued behind a stalled request carries the wait", async () => {
    // One connection, and the first request held for STALL_MS: the next ones, due every 100 ms, wait in the client's pool.
    const STALL_MS = 600;
    let first = true;
    const s = await startTestServer((req, res) => {
      const delay = first ? STALL_MS : 0;
      first = false;
      req.resume();
      req.on("end", () => setTimeout(() => res.end('{"ok":true}'), delay));
    });
    closers.push(() => s.close());
    const trace = writeTrace(
      "queued.jsonl",
      [0, 100, 200, 300, 1000, 1100].map((timestamp) => ({ timestamp })),
    );
    const r = await replay(jsonSuite("queued", s.url, trace, ", connections: 1, warmupRequests: 0"));
    expect(r.ok).toBe(6);
    const latencies = Array.from(r.latenciesNs, (ns) => ns / 1e6).sort((a, b) => a - b);
    process.stderr.write(`replay behind a ${STALL_MS} ms stall, latencies (ms): ${latencies.map((l) => l.toFixed(1)).join(", ")}\n`);
    // Timed from the send, the three queued requests would be as fast as the last two; timed from
    // their scheduled starts they carry the rest of the stall: at least STALL_MS − 300 ms each.
    expect(latencies.filter((l) => l >= STALL_MS - 300 - 50)).toHaveLength(4);
    expect(latencies.slice(0, 2).every((l) => l < STALL_MS - 300 - 50)).toBe(true);
  });

  it("sends a burst far above the mean rate whole, not capped at the mean rate's requests in flight", async () => {
    // 150 requests at once, then one a second later: a mean of 151 req/s, whose open-loop cap
    // (rate × 300 ms timeout, at least 64) would drop most of the burst while the server holds each 100 ms.
    const s = await startTestServer((req, res) => {
      req.resume();
      req.on("end", () => setTimeout(() => res.end('{"ok":true}'), 100));
    });
    closers.push(() => s.close());
    const trace = writeTrace("burst.jsonl", [...Array.from({ length: 150 }, () => ({ timestamp: 0 })), { timestamp: 1000 }]);
    const r = await replay(jsonSuite("burst", s.url, trace, ", warmupRequests: 0, connections: 200", 300));
    expect(r.generator?.dropped).toBe(0);
    expect(r.sent).toBe(151);
    expect(s.requests).toBe(151);
  });

  it("on worker threads: the trace is dealt out, every request sent once", async () => {
    const server = await recordingServer();
    const trace = writeTrace(
      "workers.jsonl",
      [0, 0, 0, 50, 100, 100, 150, 200, 250, 300].map((timestamp) => ({ timestamp })),
    );
    const r = await replay(jsonSuite("workers", server.url, trace, ", warmupRequests: 4, workers: 2"));
    expect(r.generator?.workers).toBe(2);
    expect(r.sent).toBe(10);
    expect(r.generator?.scheduled).toBe(10);
    expect(server.arrivals).toHaveLength(14);
  });

  it("speedup and durationMs: twice as fast, cut at the duration", async () => {
    const server = await recordingServer();
    const trace = writeTrace(
      "fast.jsonl",
      [0, 200, 400, 600, 800, 1000, 1200, 1400, 1600, 1800].map((timestamp) => ({ timestamp })),
    );
    const r = await replay(jsonSuite("fast", server.url, trace, ", speedup: 2, durationMs: 550, warmupRequests: 0"));
    // At twice the speed the requests are 100 ms apart; 550 ms holds those at 0..500.
    expect(r.trace).toMatchObject({ speedup: 2, scheduled: 6, requests: 10 });
    expect(r.sent).toBe(6);
    const rel = server.arrivals.map((a) => a - (server.arrivals[0] as number));
    expect(rel[5]).toBeGreaterThan(400);
    expect(rel[5]).toBeLessThan(700);
  });
});

describe("a trace the generator cannot keep up with", () => {
  it("is invalid, with the generator's reason, not a slow server", async () => {
    const server = await recordingServer();
    // 2000 requests due within 1 ms: no single thread sends them on time.
    const N = 2000;
    const trace = writeTrace(
      "flood.jsonl",
      Array.from({ length: N }, (_, i) => ({ timestamp: i < N - 1 ? 0 : 1 })),
    );
    const file = jsonSuite("flood", server.url, trace, ", warmupRequests: 0, connections: 4, workers: 1");
    const [cell] = expandCells(loadSuite(file, {}));
    if (!cell) throw new Error("no cell");
    const r = await replay(file);
    const result = measuredLoadCell(cell, r, { sessionCreateMs: 0, itemsPerCall: 1, firstCallNs: 0, warmupIterations: 0, peakRssKb: 0, maxErrorRate: 1 });
    const lag = result.load?.generator?.sendLagMs;
    process.stderr.write(
      `replay of ${N} requests due at once: send lag max ${lag?.max.toFixed(1)} ms (${(((lag?.max ?? 0) * 1000) / N).toFixed(1)} µs a send)\n`,
    );
    expect(result.status).toBe("invalid");
    expect(result.error).toMatch(/^the generator fell behind: .*sends late by up to/);
    expect(result.load?.generator?.scheduled).toBe(N);
    expect(result.load?.trace?.scheduled).toBe(N);
  });
});

describe("trace replay of a streaming target", () => {
  it("sends each line's output_length as max_tokens", async () => {
    const server = await startOpenAiServer({ ttftMs: 20, gapMs: 5, slots: 16 });
    closers.push(() => server.close());
    const lengths = [3, 9, 5, 12, 7, 4];
    const trace = writeTrace(
      "chat.jsonl",
      lengths.map((output_length, i) => ({ timestamp: i * 60, output_length, ...(i === 2 ? { prompt: "hello there" } : { input_length: 8 }) })),
    );
    const file = path.join(dir, "chat.yaml");
    writeFileSync(
      file,
      `name: chat
targets:
  llm: { kind: http, url: ${server.url}, protocol: openai-chat, model: bench-echo, timeoutMs: 5000, generate: { output: 50 } }
load: { arrival: trace, trace: ${trace}, warmupRequests: 1 }
`,
    );
    const [cell] = expandCells(loadSuite(file, {}));
    if (!cell) throw new Error("no cell");
    const prepared = await httpRunner.prepare(cell, 1);
    let r: LoadResult;
    try {
      r = await prepared.runLoad(new AbortController().signal);
    } finally {
      await prepared.release();
    }
    expect(r.ok).toBe(lengths.length);
    const result = measuredLoadCell(cell, r, { sessionCreateMs: 0, itemsPerCall: 1, firstCallNs: 0, warmupIterations: 0, peakRssKb: 0, maxErrorRate: 0 });
    expect(result.load?.trace).toMatchObject({ path: trace, requests: lengths.length, scheduled: lengths.length });
    // The server streams exactly max_tokens tokens and says so in usage.
    expect([...(result.generative?.samplesMs.outputTokens ?? [])].sort((a, b) => a - b)).toEqual([...lengths].sort((a, b) => a - b));
  });
});

describe("trace replay in process", () => {
  it("calls a local model at the trace's times, each timed from its scheduled start", async () => {
    const trace = writeTrace(
      "local.jsonl",
      [0, 0, 0, 300, 300, 600].map((timestamp) => ({ timestamp })),
    );
    const file = path.join(dir, "local.yaml");
    writeFileSync(
      file,
      `name: local
targets:
  m: { kind: onnx, variants: { fp32: m.onnx } }
load: { arrival: trace, trace: ${trace}, warmupRequests: 0 }
`,
    );
    const [cell] = expandCells(loadSuite(file, {}));
    if (!cell) throw new Error("no cell");
    expect(cell.id).toBe("m/fp32/b1/cpu/t1/r10");
    // One call at a time, 50 ms each: the burst of three queues, and the third waits for two calls.
    let busy = Promise.resolve();
    const starts: number[] = [];
    const call = () => {
      const mine = busy.then(async () => {
        starts.push(performance.now());
        await new Promise((r) => setTimeout(r, 50));
      });
      busy = mine;
      return mine;
    };
    const r = await runLocalLoad(call, cell, 1, new AbortController().signal);
    expect(r.sent).toBe(6);
    expect(r.trace).toMatchObject({ requests: 6, scheduled: 6, spanMs: 600 });
    const latencies = Array.from(r.latenciesNs, (ns) => ns / 1e6);
    // Completion order: the first burst's three calls end 50, 100, 150 ms after their shared scheduled start.
    expect(latencies[2]).toBeGreaterThan(latencies[0] as number);
    expect(latencies[2]).toBeGreaterThanOrEqual(140);
    const rel = starts.map((t) => t - (starts[0] as number));
    expect(rel[3]).toBeGreaterThan(200);
    expect(rel[5]).toBeGreaterThan(500);
  });
});

describe("the schedule of a replay", () => {
  const plan = (extra: string) => {
    writeTrace(
      "plan.jsonl",
      [0, 100, 100, 400].map((timestamp) => ({ timestamp })),
    );
    const file = path.join(dir, "plan.yaml");
    writeFileSync(file, `name: plan\ntargets:\n  m: { kind: onnx, variants: { a: a.onnx } }\nload: { arrival: trace, trace: plan.jsonl${extra} }\n`);
    return expandCells(loadSuite(file, {}));
  };

  it("runs at the trace's mean rate times speedup, or scales the trace to each matrix rate", () => {
    const [own] = plan(", speedup: 2");
    expect(own?.id).toBe("m/a/b1/cpu/t1/r20");
    const trace = own?.targetSpec.load.trace;
    if (!trace) throw new Error("no trace plan");
    const entries = loadTraceEntries(trace);
    const at = (r: ReturnType<typeof replaySchedule>) => Array.from(r.scheduleNs, (ns) => ns / 1e6);
    expect(at(replaySchedule(trace, entries, 20))).toEqual([0, 50, 50, 200]);
    // 40 req/s is four times the trace's own 10 req/s.
    expect(at(replaySchedule(trace, entries, 40))).toEqual([0, 25, 25, 100]);
    expect(replaySchedule(trace, entries, 40).durationMs).toBe(101);
    // A shorter step (bench capacity) cuts the trace: 60 ms of it at 20 req/s holds the first three.
    expect(replaySchedule(trace, entries, 20, { capMs: 60 }).info.scheduled).toBe(3);
    // Load shard 2 of 2 at half the rate: every second request, at the full rate's times.
    expect(at(replaySchedule(trace, entries, 10, { shard: { index: 2, count: 2 } }))).toEqual([50, 200]);
    // Warm-up first, 10 ms apart at most, then the trace.
    expect(at(replaySchedule(trace, entries, 20, { warmup: 2 }))).toEqual([0, 10, 20, 70, 70, 220]);
    expect(plan("").map((c) => c.id)).toEqual(["m/a/b1/cpu/t1/r10"]);
    writeFileSync(
      path.join(dir, "rates.yaml"),
      `name: rates\ntargets:\n  m: { kind: onnx, variants: { a: a.onnx } }\nmatrix: { rate: [5, 40] }\nload: { arrival: trace, trace: plan.jsonl }\n`,
    );
    expect(expandCells(loadSuite(path.join(dir, "rates.yaml"), {})).map((c) => c.id)).toEqual(["m/a/b1/cpu/t1/r5", "m/a/b1/cpu/t1/r40"]);
  });
});

describe("a bad trace is a bad suite", () => {
  const suiteWith = (name: string, trace: string, extra = "") => jsonSuite(name, "http://127.0.0.1:9", trace, extra);
  const problem = (file: string): string => {
    try {
      loadSuite(file, {});
    } catch (err) {
      expect(err).toBeInstanceOf(SuiteError);
      return (err as Error).message;
    }
    throw new Error(`${file} loaded`);
  };

  it("names the file, the line and the fix", () => {
    const cases: [string, (string | object)[], RegExp][] = [
      ["notjson", [{ timestamp: 0 }, "{timestamp: 5}"], /notjson\.jsonl:2: not JSON; a trace has one JSON object per line/],
      ["nots", [{ timestamp: 0 }, { timestamp: 10 }, { timestamp: "20" }], /nots\.jsonl:3: 'timestamp' must be a number of ms/],
      [
        "unsorted",
        [{ timestamp: 0 }, { timestamp: 200 }, "", { timestamp: 100 }],
        /unsorted\.jsonl:4: timestamp 100 is earlier than line 2's 200; sort the trace by timestamp/,
      ],
      ["blank", ["", "  "], /blank\.jsonl: no requests/],
      ["single", [{ timestamp: 5 }], /single\.jsonl: 1 request all at timestamp 5; a trace needs at least two distinct timestamps/],
      ["badlen", [{ timestamp: 0 }, { timestamp: 1, output_length: 0 }], /badlen\.jsonl:2: 'output_length' must be a whole number of tokens/],
    ];
    for (const [name, lines, re] of cases) {
      const msg = problem(suiteWith(name, writeTrace(`${name}.jsonl`, lines)));
      expect(msg).toContain(`${name}.yaml: targets.srv.load.trace: `);
      expect(msg).toMatch(re);
      expect(msg.split("\n")).toHaveLength(1);
    }
    expect(problem(suiteWith("missing", "nowhere.jsonl"))).toMatch(/targets\.srv\.load\.trace: nowhere\.jsonl: no such trace \(JSONL\) file/);
    writeFileSync(path.join(dir, "empty.jsonl"), "");
    expect(problem(suiteWith("empty", "empty.jsonl"))).toMatch(/empty\.jsonl: is empty \(0 bytes\)/);
  });

  it("checks the keys that go together", () => {
    const f = path.join(dir, "keys.yaml");
    writeTrace("ok.jsonl", [{ timestamp: 0 }, { timestamp: 10 }]);
    writeFileSync(
      f,
      `name: keys
targets:
  a: { kind: http, url: "http://127.0.0.1:9", protocol: json, body: '{}', load: { arrival: trace }, matrix: { concurrency: [2] } }
  b: { kind: http, url: "http://127.0.0.1:9", protocol: json, body: '{}', load: { trace: ok.jsonl, speedup: 2 } }
`,
    );
    const msg = problem(f);
    expect(msg).toMatch(/targets\.a\.load\.trace: missing; arrival: trace replays the times in a JSONL file/);
    expect(msg).toMatch(/targets\.a\.matrix\.concurrency: a trace is replayed as an open loop; remove concurrency/);
    expect(msg).toMatch(/targets\.b\.load\.trace: set arrival: trace to replay it, or remove trace/);
    expect(msg).toMatch(/targets\.b\.load\.speedup: only arrival: trace takes a speedup/);
  });

  it("bench validate exits 2 with the line", async () => {
    const file = suiteWith("cli", writeTrace("cli.jsonl", [{ timestamp: 0 }, { timestamp: "soon" }]));
    const r = await bench(["validate", file]);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/cli\.jsonl:2: 'timestamp' must be a number/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});
