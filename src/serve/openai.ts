import http from "node:http";
import type { AddressInfo } from "node:net";
import { createRng } from "../util/rng.js";
import { BodyBudget, DEFAULT_MAX_INFLIGHT_BYTES, readBody } from "./guards.js";

/**
 * `bench serve --openai`: an OpenAI-compatible streaming endpoint (POST /v1/chat/completions and
 * /v1/completions, GET /v1/models) whose timing is known: the first token `ttftMs` after a
 * generation slot is free, then one every `gapMs`, up to max_tokens (ignore_eos is implied: it
 * never stops early). With `stream_options.include_usage` the last chunk carries usage. It has a
 * finite capacity (`slots` generations at once; the rest wait in a queue, then 429), so `bench
 * capacity` has something to find, and fault switches for tests and demos. Every token is one
 * word that cl100k_base and o200k_base count as one token, so usage and those tokenizers agree.
 */
export interface OpenAiServerOptions {
  host?: string;
  port?: number;
  /** The model name it answers to (any name is accepted; this one is listed). */
  model?: string;
  /** From a free slot to the first token, ms. */
  ttftMs?: number;
  /** Between tokens, ms. */
  gapMs?: number;
  /** Generations at once; more wait (FIFO) for a slot. */
  slots?: number;
  /** Requests waiting for a slot beyond this get 429. */
  maxQueue?: number;
  /** The whole server freezes for `stallMs` at the end of every `stallEveryMs`: nothing due then happens before the freeze ends. */
  stallEveryMs?: number;
  stallMs?: number;
  /** Share of streams that send an error event halfway. */
  errorRate?: number;
  /** Share of streams whose connection is cut halfway. */
  cutRate?: number;
  /** Share of streams that stop sending halfway (and never end): a stalled stream. */
  hangRate?: number;
  /** Tokens in each chunk (a chunk every tokensPerChunk × gapMs). */
  tokensPerChunk?: number;
  /** An empty delta between every two chunks. */
  emptyChunks?: boolean;
  /** Never send usage, even when asked. */
  noUsage?: boolean;
  /** Added to completion_tokens in usage: a server that miscounts. */
  usageExtraTokens?: number;
  seed?: number;
}

export interface StartedOpenAiServer {
  url: string;
  model: string;
  close(): Promise<void>;
}

/** The words it generates: one token each in cl100k_base and o200k_base after a space. */
const WORDS = ["the", "of", "and", "to", "in", "is", "that", "for", "it", "as", "with", "was", "on", "be", "by", "at", "this", "from"];
const MAX_TOKENS_LIMIT = 100_000;
const MAX_BODY_BYTES = 16 * 1024 * 1024;

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

interface Job {
  chat: boolean;
  model: string;
  maxTokens: number;
  promptTokens: number;
  includeUsage: boolean;
  stream: boolean;
}

export async function startOpenAiServer(o: OpenAiServerOptions = {}): Promise<StartedOpenAiServer> {
  const host = o.host ?? "127.0.0.1";
  const model = o.model ?? "bench-echo";
  const ttftMs = o.ttftMs ?? 50;
  const gapMs = o.gapMs ?? 10;
  const slots = o.slots ?? 8;
  const maxQueue = o.maxQueue ?? 1024;
  const perChunk = Math.max(1, Math.floor(o.tokensPerChunk ?? 1));
  const rng = createRng(o.seed ?? 1);
  const budget = new BodyBudget(DEFAULT_MAX_INFLIGHT_BYTES);
  const t0 = performance.now();
  let active = 0;
  const queue: (() => void)[] = [];
  const timers = new Set<NodeJS.Timeout>();

  /** The first moment at or after `t` (ms on performance.now()) when the server is not frozen. */
  const thaw = (t: number): number => {
    if (!o.stallEveryMs || !o.stallMs) return t;
    const phase = (t - t0) % o.stallEveryMs;
    const freezeAt = o.stallEveryMs - o.stallMs;
    return phase >= freezeAt ? t + (o.stallEveryMs - phase) : t;
  };
  const sleepUntil = (t: number): Promise<void> =>
    new Promise((resolve) => {
      const timer = setTimeout(
        () => {
          timers.delete(timer);
          resolve();
        },
        Math.max(0, t - performance.now()),
      );
      timers.add(timer);
    });
  const acquire = (): Promise<void> => {
    if (active < slots) {
      active++;
      return Promise.resolve();
    }
    if (queue.length >= maxQueue) return Promise.reject(new HttpError(429, `all ${slots} slots busy and ${maxQueue} requests waiting; retry later`));
    return new Promise((resolve) => queue.push(resolve));
  };
  const releaseSlot = (): void => {
    const next = queue.shift();
    if (next) next();
    else active--;
  };

  const generate = async (job: Job, res: http.ServerResponse): Promise<void> => {
    const id = `cmpl-${Math.floor(rng.next() * 1e12).toString(36)}`;
    const created = Math.floor(Date.now() / 1000);
    const fault = rng.next();
    const errorRate = o.errorRate ?? 0;
    const cutRate = o.cutRate ?? 0;
    const halfway = Math.max(1, Math.floor(job.maxTokens / 2));
    const mode = fault < errorRate ? "error" : fault < errorRate + cutRate ? "cut" : fault < errorRate + cutRate + (o.hangRate ?? 0) ? "hang" : "ok";
    const chunk = (choice: Record<string, unknown>, extra: Record<string, unknown> = {}): string =>
      `data: ${JSON.stringify({ id, object: job.chat ? "chat.completion.chunk" : "text_completion", created, model: job.model, choices: [{ index: 0, ...choice }], ...extra })}\n\n`;
    const delta = (text: string, finish: string | null = null): string =>
      chunk(job.chat ? { delta: { content: text }, finish_reason: finish } : { text, finish_reason: finish });
    if (job.stream) {
      res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache", connection: "keep-alive" });
      res.socket?.setNoDelay(true);
      res.flushHeaders();
      if (job.chat) res.write(chunk({ delta: { role: "assistant", content: "" }, finish_reason: null }));
    }
    let due = thaw(performance.now() + ttftMs);
    let text = "";
    let sent = 0;
    while (sent < job.maxTokens) {
      await sleepUntil(due);
      if (res.destroyed) return;
      let piece = "";
      for (let k = 0; k < perChunk && sent < job.maxTokens; k++, sent++) piece += ` ${WORDS[sent % WORDS.length] ?? "the"}`;
      text += piece;
      if (job.stream) {
        if (o.emptyChunks && sent > perChunk) res.write(delta(""));
        res.write(delta(piece));
        if (sent >= halfway && mode !== "ok") {
          if (mode === "error") {
            res.end(`data: ${JSON.stringify({ error: { message: "injected fault: generation failed", type: "server_error", code: 500 } })}\n\n`);
          } else if (mode === "cut") res.destroy();
          else await new Promise<void>((resolve) => res.once("close", resolve));
          return;
        }
      }
      due = thaw(due + gapMs * perChunk);
    }
    const usage = {
      prompt_tokens: job.promptTokens,
      completion_tokens: job.maxTokens + (o.usageExtraTokens ?? 0),
      total_tokens: job.promptTokens + job.maxTokens + (o.usageExtraTokens ?? 0),
    };
    if (!job.stream) {
      const choice = job.chat ? { message: { role: "assistant", content: text } } : { text };
      const body = JSON.stringify({
        id,
        object: job.chat ? "chat.completion" : "text_completion",
        created,
        model: job.model,
        choices: [{ index: 0, ...choice, finish_reason: "length" }],
        ...(o.noUsage ? {} : { usage }),
      });
      res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(body) });
      res.end(body);
      return;
    }
    res.write(job.chat ? chunk({ delta: {}, finish_reason: "length" }) : chunk({ text: "", finish_reason: "length" }));
    if (job.includeUsage && !o.noUsage)
      res.write(`data: ${JSON.stringify({ id, object: "chat.completion.chunk", created, model: job.model, choices: [], usage })}\n\n`);
    res.end("data: [DONE]\n\n");
  };

  const handle = async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    const path = new URL(req.url ?? "/", "http://x").pathname.replace(/\/+$/, "");
    if (path === "/v1/models" || path === "/health") {
      req.resume();
      send(res, 200, path === "/health" ? { ok: true } : { object: "list", data: [{ id: model, object: "model", owned_by: "bench" }] });
      return;
    }
    if (path !== "/v1/chat/completions" && path !== "/v1/completions") throw new HttpError(404, `no such endpoint: ${req.method ?? "?"} ${path || "/"}`);
    if (req.method !== "POST") throw new HttpError(405, `${req.method ?? "?"} is not allowed here; use POST`);
    const body = await readBody(req, res, { maxBodyBytes: MAX_BODY_BYTES, budget });
    if (body === undefined) return;
    const job = parseJob(body.toString("utf8"), path === "/v1/chat/completions", model);
    await acquire();
    try {
      await generate(job, res);
    } finally {
      releaseSlot();
    }
  };

  const server = http.createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (err instanceof HttpError) send(res, err.status, { error: { message: err.message, type: "invalid_request_error", code: err.status } });
      else if (!res.headersSent) send(res, 500, { error: { message: String(err), type: "server_error", code: 500 } });
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(o.port ?? 0, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${host.includes(":") ? `[${host}]` : host}:${port}`,
    model,
    close() {
      closing ??= new Promise<void>((resolve) => {
        for (const t of timers) clearTimeout(t);
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}

/** The fields of a completion request this server uses; 400 for what it cannot take. */
function parseJob(text: string, chat: boolean, defaultModel: string): Job {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw new HttpError(400, "the request body is not JSON");
  }
  if (typeof doc !== "object" || doc === null || Array.isArray(doc)) throw new HttpError(400, "the request body must be a JSON object");
  const d = doc as Record<string, unknown>;
  let promptText: string;
  if (chat) {
    if (!Array.isArray(d.messages) || d.messages.length === 0) throw new HttpError(400, "'messages' must be a non-empty array");
    promptText = d.messages.map((m) => (typeof (m as { content?: unknown }).content === "string" ? (m as { content: string }).content : "")).join(" ");
  } else {
    if (typeof d.prompt !== "string") throw new HttpError(400, "'prompt' must be a string");
    promptText = d.prompt;
  }
  const maxTokens = d.max_tokens ?? d.max_completion_tokens ?? 16;
  if (typeof maxTokens !== "number" || !Number.isInteger(maxTokens) || maxTokens < 1 || maxTokens > MAX_TOKENS_LIMIT) {
    throw new HttpError(400, `'max_tokens' must be a whole number from 1 to ${MAX_TOKENS_LIMIT}`);
  }
  const options = d.stream_options as { include_usage?: unknown } | undefined;
  return {
    chat,
    model: typeof d.model === "string" ? d.model : defaultModel,
    maxTokens,
    promptTokens: promptText.split(/\s+/).filter((w) => w.length > 0).length,
    includeUsage: options?.include_usage === true,
    stream: d.stream === true,
  };
}

function send(res: http.ServerResponse, status: number, body: object): void {
  if (res.headersSent) return;
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  res.end(text);
}
