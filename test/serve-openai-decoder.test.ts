import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BUNDLED_DECODER, CharDecoder } from "../src/serve/decoder.js";
import { type StartedOpenAiServer, startOpenAiServer } from "../src/serve/openai.js";
import { bench } from "./helpers/cli.js";

interface Chunk {
  choices: { delta?: { content?: string } }[];
  usage?: { prompt_tokens: number; completion_tokens: number };
}

/**
 * `bench serve --openai` computing every token with the bundled byte-level decoder: one token is
 * one byte, usage counts what was computed, and the time to the first token grows with the
 * prompt (prefill), which a simulated timing would not show.
 */
describe("bench serve --openai over the bundled decoder", () => {
  let decoder: CharDecoder;
  let server: StartedOpenAiServer;
  beforeAll(async () => {
    decoder = await CharDecoder.load(BUNDLED_DECODER);
    server = await startOpenAiServer({ decoder, model: "char-rnn", slots: 2 });
  });
  afterAll(async () => {
    await server.close();
    await decoder.close();
  });

  /** One streaming chat request: its time to the first content chunk, the pieces of text, and usage. */
  async function ask(prompt: string, maxTokens: number) {
    const start = performance.now();
    const res = await fetch(`${server.url}/v1/chat/completions`, {
      method: "POST",
      body: JSON.stringify({ messages: [{ role: "user", content: prompt }], max_tokens: maxTokens, stream: true, stream_options: { include_usage: true } }),
    });
    expect(res.status).toBe(200);
    let ttftMs = Number.NaN;
    let usage: Chunk["usage"];
    let buffered = "";
    const pieces: string[] = [];
    const text = new TextDecoder();
    for await (const bytes of res.body as unknown as AsyncIterable<Uint8Array>) {
      buffered += text.decode(bytes, { stream: true });
      const events = buffered.split("\n\n");
      buffered = events.pop() ?? "";
      for (const event of events) {
        const data = event.replace(/^data: /, "");
        if (data === "[DONE]") continue;
        const chunk = JSON.parse(data) as Chunk;
        usage ??= chunk.usage;
        const content = chunk.choices[0]?.delta?.content;
        if (content) {
          if (Number.isNaN(ttftMs)) ttftMs = performance.now() - start;
          pieces.push(content);
        }
      }
    }
    return { ttftMs, pieces, usage };
  }

  it("streams one printable byte per token, and usage counts the prompt's bytes and the tokens computed", async () => {
    const prompt = "héllo, decoder";
    const r = await ask(prompt, 24);
    expect(r.pieces).toHaveLength(24);
    expect(r.pieces.every((p) => /^[\x20-\x7e]$/.test(p))).toBe(true);
    expect(r.usage).toEqual({ prompt_tokens: Buffer.byteLength(prompt), completion_tokens: 24, total_tokens: Buffer.byteLength(prompt) + 24 });
  });

  it("takes longer to the first token for a longer prompt: the prefill is computed", async () => {
    // Alternated, so that a busy moment of the machine hits both alike; compared by the medians.
    const short: number[] = [];
    const long: number[] = [];
    for (let i = 0; i < 3; i++) {
      short.push((await ask("hi", 2)).ttftMs);
      long.push((await ask("x".repeat(1500), 2)).ttftMs);
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[1] as number;
    expect(median(long), `short ${short.map((t) => t.toFixed(1)).join(", ")} ms, long ${long.map((t) => t.toFixed(1)).join(", ")} ms`).toBeGreaterThan(
      5 * median(short),
    );
  });

  it("refuses a prompt longer than the decoder's context with 400", async () => {
    const res = await fetch(`${server.url}/v1/completions`, { method: "POST", body: JSON.stringify({ prompt: "y".repeat(20_000), max_tokens: 1 }) });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { message: string } }).error.message).toBe("the prompt is 20000 bytes; this decoder's context is 16384 bytes");
  });
});

describe("bench serve --openai: bad decoder options", () => {
  it("exits 2 naming the option and the fix", async () => {
    const both = await bench(["serve", "--openai", "--decoder", BUNDLED_DECODER, "--ttft-ms", "5", "--port", "0"]);
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/--decoder computes every token, --ttft-ms and --gap-ms simulate a known timing instead; give one or the other/);
    const missing = await bench(["serve", "--openai", "--decoder", "nope.onnx", "--port", "0"]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/--decoder: file not found: nope\.onnx/);
    const notADecoder = await bench(["serve", "--openai", "--decoder", "suites/models/mlp-fp32.onnx", "--port", "0"]);
    expect(notADecoder.code).toBe(2);
    expect(notADecoder.stderr).toMatch(
      /mlp-fp32\.onnx is not a decoder bench serve --openai can run: it needs inputs token int64 \[1\] and state float32 \[1, H\]/,
    );
  });
});
