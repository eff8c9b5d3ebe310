import { type ChildProcess, spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunResult } from "../src/results.js";
import { bench, BIN, tempDir } from "./helpers/cli.js";

/**
 * `bench serve --openai` as a user starts it, and `bench run` of a streaming suite against it:
 * exit 0, and each cell's JSON has the generative metrics, with TTFT and TPOT near the server's
 * set timing and token counts equal to its usage. Bad streaming suites exit 2 with the key named.
 */
describe("bench run against bench serve --openai", () => {
  const dir = tempDir();
  let child: ChildProcess;
  let url: string;

  beforeAll(async () => {
    child = spawn(process.execPath, [BIN, "serve", "--openai", "--port", "0", "--ttft-ms", "200", "--gap-ms", "20", "--slots", "4"], {
      env: { ...process.env, NO_COLOR: "1" },
    });
    url = await new Promise<string>((resolve, reject) => {
      let err = "";
      const timer = setTimeout(() => reject(new Error(`bench serve --openai did not start: ${err}`)), 30_000);
      child.stderr?.on("data", (d: Buffer) => {
        err += d.toString();
        const m = /listening on (http:\/\/\S+)/.exec(err);
        if (m?.[1]) {
          clearTimeout(timer);
          resolve(m[1]);
        }
      });
    });
  });
  afterAll(() => {
    child.kill("SIGINT");
  });

  it("measures TTFT, TPOT and tokens per cell, in the run's JSON", async () => {
    writeFileSync(
      path.join(dir, "llm.yaml"),
      `name: llm
measure: { warmupIterations: 1 }
targets:
  llm:
    kind: http
    url: \${LLM_URL}
    protocol: openai-chat
    model: bench-echo
    timeoutMs: 10000
    generate: { input: 16, output: 8, tokenizer: cl100k_base }
    matrix: { concurrency: [2], rate: [3] }
load: { durationMs: 1500, warmupRequests: 1, arrival: fixed }
`,
    );
    const r = await bench(["run", path.join(dir, "llm.yaml"), "--db", path.join(dir, "r.db"), "--trials", "1", "--json"], { env: { LLM_URL: url } });
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout) as RunResult;
    expect(doc.cells.map((c) => c.id).sort()).toEqual(["llm/default/b1/c2", "llm/default/b1/r3"]);
    for (const c of doc.cells) {
      const g = c.generative;
      if (!g) throw new Error(`${c.id}: no generative metrics`);
      expect(Math.abs(g.ttftMs.p50.value / 200 - 1)).toBeLessThan(0.1);
      expect(Math.abs((g.tpotMs?.p50.value ?? 0) / 20 - 1)).toBeLessThan(0.1);
      expect(g.samplesMs.outputTokens.every((t) => t === 8)).toBe(true);
      expect(g.tokens.check).toMatchObject({ differing: 0 });
      expect(g.samplesMs.ttft).toHaveLength(g.requests);
    }
  });

  it("a streaming suite that does not fit exits 2, naming the key", async () => {
    const validate = async (name: string, targets: string) => {
      writeFileSync(path.join(dir, name), `name: bad\ntargets:\n${targets}`);
      return bench(["validate", path.join(dir, name)]);
    };
    const semantic = await validate(
      "bad1.yaml",
      `  a: { kind: http, url: "http://127.0.0.1:1", protocol: kserve-v2, model: m, generate: { output: 8 } }
  b: { kind: http, url: "http://127.0.0.1:1", protocol: openai-chat, model: m, matrix: { batch: [4] } }
`,
    );
    expect(semantic.code).toBe(2);
    expect(semantic.stderr).toMatch(/targets\.a\.generate: only the streaming protocols/);
    expect(semantic.stderr).toMatch(/targets\.b\.matrix\.batch: a streaming request carries one prompt/);
    const schema = await validate(
      "bad2.yaml",
      `  b: { kind: http, url: "http://127.0.0.1:1", protocol: openai-chat, model: m, generate: { output: { mean: 8, min: 9, max: 4 } } }\n`,
    );
    expect(schema.code).toBe(2);
    expect(schema.stderr).toMatch(/targets\.b\.generate\.output: min must not be larger than max/);
  });
});
