import { describe, expect, it } from "vitest";
import { summarizeGenerative } from "../src/measure/generative.js";
import { renderRunTable } from "../src/report/table.js";
import type { CellResult } from "../src/results.js";
import { generativeSamples } from "../src/runners/http/generative-load.js";
import type { StreamRecord } from "../src/runners/http/stream.js";
import { LOAD_CELL, RUN_INFO } from "./fixtures/runs/sample-run.js";

/** A stream that starts at `start` ms: first text after `ttft` ms, then `tokens - 1` more every `gap` ms, usage `usage`. */
function stream(start: number, ttft: number, gap: number, tokens: number, usage: number | null): StreamRecord {
  const contentNs = Array.from({ length: tokens }, (_, k) => (ttft + k * gap) * 1e6);
  const startNs = BigInt(start * 1e6);
  return {
    outcome: { kind: "ok" },
    fault: null,
    message: null,
    startNs,
    endNs: startNs + BigInt((ttft + (tokens - 1) * gap + 1) * 1e6),
    contentNs,
    text: " the".repeat(tokens),
    usage: usage === null ? null : { completionTokens: usage, promptTokens: 10 },
    emptyChunks: 0,
    plannedInputTokens: 10,
  };
}

describe("generative metrics of a cell", () => {
  it("TTFT, TPOT and ITL per request from the stream's times; tokens per second over the span", () => {
    const records = Array.from({ length: 50 }, (_, i) => stream(i * 100, 40 + (i % 5), 10, 21, 21));
    const g = generativeSamples(records, (t) => t.trim().split(/\s+/).length, "cl100k_base");
    expect(Array.from(g.ttftNs.slice(0, 5), (v) => v / 1e6)).toEqual([40, 41, 42, 43, 44]);
    // (e2e − ttft) / (tokens − 1) = (200 + 1) / 20 ms: the end of the stream follows the last token by 1 ms.
    expect(g.tpotNs[0]).toBeCloseTo(10.05e6, -1);
    expect(g.itlNs).toHaveLength(50 * 20);
    expect(g.itlOffsets[1]).toBe(20);
    expect(g.tokenizerCheck).toMatchObject({ compared: 50, differing: 0 });
    const s = summarizeGenerative(g);
    if (s === null) throw new Error("no summary");
    expect(s.summary.ttftMs.p50.value).toBe(42);
    expect(s.summary.itlMs?.p50.value).toBe(10);
    // 50 × 21 tokens from 0 to the last end, 4900 + 44 + 200 + 1 ms.
    expect(s.summary.outputTokensPerS.value).toBeCloseTo((50 * 21) / 5.145, 3);
    expect(s.summary.samplesMs.itlMax.every((m) => m === 10)).toBe(true);
  });

  it("shows in the run table, saying whose counts they are and when a tokenizer disagrees", () => {
    const records = Array.from({ length: 30 }, (_, i) => stream(i * 50, 30, 5, 8, 9));
    const g = generativeSamples(records, (t) => t.trim().split(/\s+/).length, "cl100k_base");
    const s = summarizeGenerative(g);
    if (s === null) throw new Error("no summary");
    const cell = { ...LOAD_CELL, id: "llm/default/b1/c4", generative: s.summary, notes: s.notes } as CellResult;
    const text = renderRunTable({ run: { ...RUN_INFO, noise: null }, cells: [cell] }, { color: false });
    expect(text).toMatch(/generative .*TTFT p50 ms \(95% CI\).*TPOT p50 ms/);
    expect(text).toMatch(/llm\/default\/b1\/c4 .*30\.00.* usage \(cl100k_base differs\)/);
    expect(text).toMatch(/tokenizer cl100k_base disagrees with the server's usage on 30 of 30 responses \(total 240 vs 270 tokens, -11\.1%; at most 1 off\)/);
  });
});
