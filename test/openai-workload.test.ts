import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parseStreamEvent } from "../src/runners/http/openai.js";
import { loadTokenizer } from "../src/runners/http/tokenizer.js";
import { workloadRequests } from "../src/runners/http/workload.js";

describe("workloads", () => {
  it("synthetic prompts are seeded and as many tokens long as drawn, for cl100k_base and o200k_base", async () => {
    const w = { promptsFile: null, input: { mean: 200, sd: 60, min: 20, max: 400 }, output: { mean: 64, sd: 16, min: 8, max: 128 } };
    const a = workloadRequests(w, 7);
    const b = workloadRequests(w, 7);
    const c = workloadRequests(w, 8);
    expect(a(3)).toEqual(b(3));
    expect(a(3).prompt).not.toBe(c(3).prompt);
    const cl = await loadTokenizer("cl100k_base");
    const o2 = await loadTokenizer("o200k_base");
    const lengths = new Set<number>();
    for (let i = 0; i < 40; i++) {
      const r = a(i);
      expect(r.plannedInputTokens).toBeGreaterThanOrEqual(20);
      expect(r.plannedInputTokens).toBeLessThanOrEqual(400);
      expect(r.maxTokens).toBeGreaterThanOrEqual(8);
      expect(r.maxTokens).toBeLessThanOrEqual(128);
      expect(cl(r.prompt)).toBe(r.plannedInputTokens);
      expect(o2(r.prompt)).toBe(r.plannedInputTokens);
      lengths.add(r.plannedInputTokens ?? 0);
    }
    // Drawn from the distribution, not fixed.
    expect(lengths.size).toBeGreaterThan(10);
  });

  it("a JSONL prompt file gives its prompts, messages and max_tokens; a bad line is named", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "bench-prompts-"));
    const file = path.join(dir, "p.jsonl");
    writeFileSync(file, '{"prompt": "hello there", "max_tokens": 5}\n\n{"messages": [{"role": "user", "content": "hi"}]}\n');
    const next = workloadRequests({ promptsFile: file, input: { mean: 1, sd: 0, min: 1, max: 1 }, output: { mean: 9, sd: 0, min: 9, max: 9 } }, 1);
    const seen = new Map<string, number>();
    for (let i = 0; i < 30; i++) {
      const r = next(i);
      seen.set(r.prompt, r.maxTokens);
      if (r.prompt === "hi") expect(r.messages).toEqual([{ role: "user", content: "hi" }]);
    }
    expect(Object.fromEntries(seen)).toEqual({ "hello there": 5, hi: 9 });
    writeFileSync(file, '{"prompt": "ok"}\n{"text": 3}\n');
    expect(() => workloadRequests({ promptsFile: file, input: { mean: 1, sd: 0, min: 1, max: 1 }, output: { mean: 1, sd: 0, min: 1, max: 1 } }, 1)).toThrow(
      /p\.jsonl:2: expected \{"prompt"/,
    );
  });
});

describe("stream events", () => {
  it("text, usage, errors, [DONE] and the chunks that carry no text", () => {
    expect(parseStreamEvent('{"choices":[{"delta":{"content":"Hel"},"finish_reason":null}]}')).toEqual({
      kind: "text",
      text: "Hel",
      finished: false,
      meta: false,
    });
    expect(parseStreamEvent('{"choices":[{"text":"lo","finish_reason":"length"}]}')).toEqual({ kind: "text", text: "lo", finished: true, meta: true });
    expect(parseStreamEvent('{"choices":[{"delta":{"role":"assistant","content":""}}]}')).toMatchObject({ text: "", meta: true });
    expect(parseStreamEvent('{"choices":[{"delta":{}}]}')).toMatchObject({ kind: "text", text: "", meta: false });
    expect(parseStreamEvent('{"choices":[],"usage":{"prompt_tokens":3,"completion_tokens":7}}')).toMatchObject({
      kind: "usage",
      usage: { promptTokens: 3, completionTokens: 7 },
    });
    expect(parseStreamEvent('{"error":{"message":"overloaded"}}')).toEqual({ kind: "error", message: "overloaded" });
    expect(parseStreamEvent(" [DONE]")).toEqual({ kind: "done" });
    expect(parseStreamEvent("not json")).toEqual({ kind: "malformed" });
  });
});
