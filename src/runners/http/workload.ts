import { readFileSync } from "node:fs";
import { createRng, deriveSeed, type Rng } from "../../util/rng.js";
import type { TraceEntry } from "../../suite/trace.js";
import type { GenerationRequest } from "./openai.js";

/** A length in tokens drawn from a normal distribution, rounded and clamped to [min, max]. */
export interface LengthDistribution {
  mean: number;
  sd: number;
  min: number;
  max: number;
}

export interface Workload {
  /** JSONL prompts (absolute path), used in a seeded order; else synthetic prompts of `input` tokens. */
  promptsFile: string | null;
  input: LengthDistribution;
  /** max_tokens of each request (a prompt file's own max_tokens wins). */
  output: LengthDistribution;
}

/**
 * Words that are one token each in cl100k_base and o200k_base when preceded by a space (checked in
 * test/openai-workload.test.ts), so a synthetic prompt of n words is n tokens for those vocabularies
 * and close to it for most others. Seeded: the same seed gives the same prompts.
 */
const WORDS = (
  "the of and to in is that for it as with was on be by at this from or an are not have but they which one all were we when " +
  "there can more if so no what out up about into than them some time only other new could these two may first then do any " +
  "like my now over such our man me even most made after also did many before must through back years where much your way " +
  "well down should because each just those people how too little state good very make world still own see men work long get " +
  "here between both life being under never day same another know while last might us great old year off come since against " +
  "go came right used take three"
).split(" ");

export function drawLength(d: LengthDistribution, rng: Rng): number {
  const x = d.sd > 0 ? d.mean + d.sd * rng.normal() : d.mean;
  return Math.min(d.max, Math.max(d.min, Math.round(x)));
}

export function syntheticPrompt(tokens: number, rng: Rng): string {
  const words: string[] = [];
  for (let i = 0; i < tokens; i++) words.push(WORDS[rng.int(0, WORDS.length)] ?? "the");
  return words.join(" ");
}

interface FilePrompt {
  prompt: string;
  messages?: { role: string; content: string }[];
  maxTokens?: number;
}

/**
 * Reads a JSONL prompt file: one object per line with `prompt` (a string) or `messages` (chat
 * messages), and optionally `max_tokens`. Throws an Error naming the line that is wrong.
 */
export function readPromptFile(file: string): FilePrompt[] {
  const out: FilePrompt[] = [];
  const lines = readFileSync(file, "utf8").split("\n");
  for (const [i, raw] of lines.entries()) {
    const line = raw.trim();
    if (line === "") continue;
    let doc: unknown;
    try {
      doc = JSON.parse(line);
    } catch {
      throw new Error(`${file}:${i + 1}: not a JSON object`);
    }
    const d = doc as { prompt?: unknown; messages?: unknown; max_tokens?: unknown };
    const maxTokens = typeof d.max_tokens === "number" && Number.isInteger(d.max_tokens) && d.max_tokens > 0 ? d.max_tokens : undefined;
    if (typeof d.prompt === "string") out.push({ prompt: d.prompt, ...(maxTokens ? { maxTokens } : {}) });
    else if (Array.isArray(d.messages) && d.messages.every((m) => typeof (m as { content?: unknown }).content === "string")) {
      const messages = d.messages as { role: string; content: string }[];
      out.push({ prompt: messages.map((m) => m.content).join("\n"), messages, ...(maxTokens ? { maxTokens } : {}) });
    } else throw new Error(`${file}:${i + 1}: expected {"prompt": "..."} or {"messages": [{"role": "user", "content": "..."}]}`);
  }
  if (out.length === 0) throw new Error(`${file}: no prompts (one JSON object per line)`);
  return out;
}

/** The i-th request of a workload: the same seed and index give the same request. */
export function workloadRequests(w: Workload, seed: number): (index: number) => GenerationRequest {
  const prompts = w.promptsFile !== null ? readPromptFile(w.promptsFile) : null;
  const base = deriveSeed(seed, "workload");
  return (index) => {
    const rng = createRng(deriveSeed(base, String(index)));
    if (prompts !== null) {
      const p = prompts[rng.int(0, prompts.length)] as FilePrompt;
      return {
        prompt: p.prompt,
        ...(p.messages ? { messages: p.messages } : {}),
        maxTokens: p.maxTokens ?? drawLength(w.output, rng),
        plannedInputTokens: null,
      };
    }
    const inputTokens = drawLength(w.input, rng);
    return { prompt: syntheticPrompt(inputTokens, rng), maxTokens: drawLength(w.output, rng), plannedInputTokens: inputTokens };
  };
}

/**
 * A replayed trace's request: its line's `prompt`, or a synthetic prompt of its `input_length`
 * tokens, and its `output_length` as max_tokens, over the workload's own request `r` for what the
 * line does not say. Seeded by the line's index.
 */
export function traceRequest(r: GenerationRequest, e: TraceEntry, seed: number, index: number): GenerationRequest {
  const maxTokens = e.outputLength ?? r.maxTokens;
  if (e.prompt !== undefined) return { prompt: e.prompt, maxTokens, plannedInputTokens: null };
  if (e.inputLength !== undefined) {
    const rng = createRng(deriveSeed(deriveSeed(seed, "trace"), String(index)));
    return { prompt: syntheticPrompt(e.inputLength, rng), maxTokens, plannedInputTokens: e.inputLength };
  }
  return { ...r, maxTokens };
}
