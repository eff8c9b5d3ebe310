/**
 * The OpenAI-compatible streaming APIs (vLLM, SGLang, TGI, llama.cpp's server, Ollama, OpenAI):
 * POST /v1/chat/completions and /v1/completions with `"stream": true` answer Server-Sent Events,
 * one JSON chunk per `data:` line and a final `data: [DONE]`
 * (https://platform.openai.com/docs/api-reference/chat-streaming). With
 * `stream_options: {include_usage: true}` the last chunk before [DONE] carries `usage` and empty
 * `choices`. A server that fails mid-stream sends `data: {"error": {...}}` (vLLM, OpenAI).
 */

import { OPENAI_PROTOCOLS } from "../../suite/names.js";

export type OpenAiProtocol = (typeof OPENAI_PROTOCOLS)[number];

export function isOpenAiProtocol(p: string): p is OpenAiProtocol {
  return (OPENAI_PROTOCOLS as readonly string[]).includes(p);
}

/** The endpoint of a protocol under the server's base URL (which may or may not end in /v1). */
export function openAiUrl(baseUrl: string, protocol: OpenAiProtocol): string {
  let base = baseUrl.endsWith("/") ? baseUrl.slice(0, -1) : baseUrl;
  if (!base.endsWith("/v1")) base += "/v1";
  return `${base}/${protocol === "openai-chat" ? "chat/completions" : "completions"}`;
}

/** One request of a workload: the prompt (or chat messages) and how many tokens to ask for. */
export interface GenerationRequest {
  prompt: string;
  /** From a JSONL workload's `messages`; otherwise the prompt is sent as one user message. */
  messages?: { role: string; content: string }[];
  maxTokens: number;
  /** The input length the workload planned, in tokens (synthetic prompts), or null. */
  plannedInputTokens: number | null;
}

export interface BodyOptions {
  model: string;
  ignoreEos: boolean;
  minTokens: boolean;
  /** Extra fields merged into every body (temperature, seed, …). */
  extra: Record<string, unknown>;
}

/** The JSON body of one streaming request. */
export function encodeGenerationBody(protocol: OpenAiProtocol, r: GenerationRequest, o: BodyOptions): string {
  const body: Record<string, unknown> = { ...o.extra, model: o.model };
  if (protocol === "openai-chat") body.messages = r.messages ?? [{ role: "user", content: r.prompt }];
  else body.prompt = r.prompt;
  body.max_tokens = r.maxTokens;
  // vLLM and SGLang take both; OpenAI ignores neither silently, so they are sent only when asked.
  if (o.ignoreEos) body.ignore_eos = true;
  if (o.minTokens) body.min_tokens = r.maxTokens;
  body.stream = true;
  body.stream_options = { include_usage: true };
  return JSON.stringify(body);
}

export interface Usage {
  promptTokens: number | null;
  completionTokens: number;
}

/** What one `data:` event says. */
export type StreamEvent =
  /** `meta`: the chunk says something without text (a role-only first delta, a finish_reason): not an empty chunk. */
  | { kind: "text"; text: string; finished: boolean; meta: boolean }
  | { kind: "usage"; usage: Usage; text: string; finished: boolean }
  | { kind: "error"; message: string }
  | { kind: "done" }
  | { kind: "malformed" };

/**
 * Reads one event's data. A chunk may carry text and usage at once (some servers put usage on the
 * last content chunk); `finished` when a choice has a finish_reason.
 */
export function parseStreamEvent(data: string): StreamEvent {
  const trimmed = data.trim();
  if (trimmed === "[DONE]") return { kind: "done" };
  let doc: unknown;
  try {
    doc = JSON.parse(trimmed);
  } catch {
    return { kind: "malformed" };
  }
  if (!isRecord(doc)) return { kind: "malformed" };
  if ("error" in doc && doc.error !== null && doc.error !== undefined) {
    const e = doc.error;
    const message = isRecord(e) && typeof e.message === "string" ? e.message : typeof e === "string" ? e : JSON.stringify(e);
    return { kind: "error", message };
  }
  let text = "";
  let finished = false;
  let meta = false;
  if (Array.isArray(doc.choices)) {
    for (const c of doc.choices) {
      if (!isRecord(c)) continue;
      const delta = c.delta;
      if (isRecord(delta) && typeof delta.role === "string") meta = true;
      if (isRecord(delta) && typeof delta.content === "string") text += delta.content;
      else if (typeof c.text === "string") text += c.text;
      if (typeof c.finish_reason === "string") finished = true;
    }
  } else if (!isRecord(doc.usage)) return { kind: "malformed" };
  const usage = parseUsage(doc.usage);
  return usage ? { kind: "usage", usage, text, finished } : { kind: "text", text, finished, meta: meta || finished };
}

function parseUsage(u: unknown): Usage | undefined {
  if (!isRecord(u) || typeof u.completion_tokens !== "number") return undefined;
  return { completionTokens: u.completion_tokens, promptTokens: typeof u.prompt_tokens === "number" ? u.prompt_tokens : null };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
