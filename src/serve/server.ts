import http from "node:http";
import type { AddressInfo } from "node:net";
import type { Duplex } from "node:stream";
import { benchVersion } from "../fingerprint/index.js";
import { HttpError, parseInferRequest, runInference } from "./infer.js";
import { loadModels, modelMetadata, releaseModels, type ServedModel } from "./models.js";

export const DEFAULT_MAX_BODY_BYTES = 64 * 1024 * 1024;
/**
 * Request bodies held at once, all requests together, from the first byte read to the answer
 * sent: what bounds the server's memory (the parsed JSON and the tensors are a small multiple of
 * it). A request that would pass it gets 503 and may retry. At least maxBodyBytes.
 */
export const DEFAULT_MAX_INFLIGHT_BYTES = 256 * 1024 * 1024;
/** Open connections at most; more are closed by node:http as they arrive (file descriptors are finite). */
export const DEFAULT_MAX_CONNECTIONS = 4096;
/** A client must send its headers within this, and its whole request within REQUEST_TIMEOUT_MS (slow-loris clients). */
const HEADERS_TIMEOUT_MS = 10_000;
const REQUEST_TIMEOUT_MS = 60_000;
const CHECK_EVERY_MS = 1000;
/** After a 413 or 503 the rest of the upload is read and dropped for at most this long before the connection closes. */
const LINGER_MS = 2000;

/** The bytes of request bodies held now, against the server's limit. */
class BodyBudget {
  private used = 0;
  constructor(readonly limit: number) {}
  take(bytes: number): boolean {
    if (this.used + bytes > this.limit) return false;
    this.used += bytes;
    return true;
  }
  give(bytes: number): void {
    this.used -= bytes;
  }
}

export interface StartedServer {
  url: string;
  /** The names the models are served under (file basenames without .onnx). */
  models: string[];
  close(): Promise<void>;
}

/**
 * `bench serve`: the Open Inference Protocol (KServe v2) REST API over onnxruntime-node, on
 * node:http. Every model is loaded before the port opens, so ready means ready. Bad requests get
 * a 4xx with { "error": "..." } and never take the server down; bodies over `maxBodyBytes` get
 * 413. Concurrent requests share one session per model (onnxruntime's Run is thread-safe).
 */
export async function startServer(o: {
  models: string[];
  host?: string;
  port?: number;
  maxBodyBytes?: number;
  maxInflightBytes?: number;
  maxConnections?: number;
  /** Slow clients: headers within headersMs, the whole request within requestMs, checked every checkEveryMs. */
  timeouts?: { headersMs: number; requestMs: number; checkEveryMs: number };
}): Promise<StartedServer> {
  const host = o.host ?? "127.0.0.1";
  const maxBodyBytes = o.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const budget = new BodyBudget(Math.max(maxBodyBytes, o.maxInflightBytes ?? DEFAULT_MAX_INFLIGHT_BYTES));
  const models = await loadModels(o.models);
  const timeouts = o.timeouts ?? { headersMs: HEADERS_TIMEOUT_MS, requestMs: REQUEST_TIMEOUT_MS, checkEveryMs: CHECK_EVERY_MS };
  const options: http.ServerOptions = {
    headersTimeout: timeouts.headersMs,
    requestTimeout: timeouts.requestMs,
    connectionsCheckingInterval: timeouts.checkEveryMs,
  };
  const server = http.createServer(options, (req, res) => {
    handle(req, res, models, { maxBodyBytes, budget }).catch((err: unknown) => {
      if (err instanceof HttpError) send(res, err.status, { error: err.message });
      else send(res, 500, { error: `inference failed: ${err instanceof Error ? err.message : String(err)}` });
    });
  });
  server.maxConnections = o.maxConnections ?? DEFAULT_MAX_CONNECTIONS;
  server.on("clientError", (err: NodeJS.ErrnoException, socket: Duplex) => answerClientError(err, socket, timeouts));
  try {
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(o.port ?? 0, host, () => {
        server.off("error", reject);
        resolve();
      });
    });
  } catch (err) {
    await releaseModels(models);
    throw err;
  }
  const { port } = server.address() as AddressInfo;
  const url = `http://${host.includes(":") ? `[${host}]` : host}:${port}`;
  let closing: Promise<void> | undefined;
  return {
    url,
    models: [...models.keys()],
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }).then(() => releaseModels(models));
      return closing;
    },
  };
}

const SERVER_METADATA = { name: "bench", version: benchVersion(), extensions: [] as string[] };

interface Limits {
  maxBodyBytes: number;
  budget: BodyBudget;
}

async function handle(req: http.IncomingMessage, res: http.ServerResponse, models: Map<string, ServedModel>, limits: Limits): Promise<void> {
  const path = new URL(req.url ?? "/", "http://x").pathname.replace(/\/+$/, "");
  const method = req.method ?? "GET";
  const get = (body: () => object): void => {
    if (method !== "GET" && method !== "HEAD") {
      notAllowed(req, res, "GET");
      return;
    }
    req.resume();
    send(res, 200, body());
  };
  const fixed: Record<string, () => object> = {
    "/v2": () => SERVER_METADATA,
    "/v2/health/live": () => ({ live: true }),
    "/v2/health/ready": () => ({ ready: true }),
  };
  const endpoint = fixed[path];
  if (endpoint) {
    get(endpoint);
    return;
  }
  const m = /^\/v2\/models\/([^/]+)(?:\/versions\/([^/]+))?(\/ready|\/infer)?$/.exec(path);
  if (m === null) {
    req.resume();
    send(res, 404, { error: `no such endpoint: ${method} ${path || "/"}` });
    return;
  }
  let name: string;
  try {
    name = decodeURIComponent(m[1] ?? "");
  } catch {
    req.resume();
    send(res, 400, { error: `the model name in ${path} is not valid percent-encoding` });
    return;
  }
  const model = models.get(name);
  if (model === undefined || (m[2] !== undefined && m[2] !== "1")) {
    req.resume();
    const what = model === undefined ? `model '${name}'` : `version '${m[2]}' of model '${name}'`;
    send(res, 404, { error: `unknown ${what} (models: ${[...models.keys()].join(", ")}; version: 1)` });
    return;
  }
  if (m[3] === undefined || m[3] === "/ready") {
    get(() => (m[3] === undefined ? modelMetadata(model) : { name: model.name, ready: true }));
    return;
  }
  if (method !== "POST") {
    notAllowed(req, res, "POST");
    return;
  }
  const body = await readBody(req, res, limits);
  if (body === undefined) return;
  const parsed = parseInferRequest(model, body.toString("utf8"));
  const answer = await runInference(model, parsed);
  res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(answer) });
  res.end(answer);
}

/**
 * The request body, or undefined after answering 413 (over the limit) or 503 (the server holds
 * too many bodies already). The bytes stay counted against the budget until the answer is sent.
 */
function readBody(req: http.IncomingMessage, res: http.ServerResponse, { maxBodyBytes, budget }: Limits): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    let held = 0;
    res.once("close", () => budget.give(held));
    const refuse = (status: number, error: string): void => {
      // Answer now, but end the answer only once the upload is read (and dropped), or after
      // LINGER_MS: a socket closed with unread data sends a reset, and the client might never
      // see the answer.
      const text = JSON.stringify({ error });
      res.writeHead(status, {
        ...(status === 503 ? { "retry-after": "1" } : {}),
        "content-type": "application/json",
        "content-length": Buffer.byteLength(text),
      });
      res.write(text);
      req.removeAllListeners("data");
      const linger = setTimeout(() => {
        res.end();
        req.socket.destroy();
      }, LINGER_MS).unref();
      const finish = (): void => {
        clearTimeout(linger);
        res.end();
      };
      if (req.readableEnded) finish();
      else req.once("end", finish);
      req.resume();
      resolve(undefined);
    };
    const tooLarge = (): void => refuse(413, `request body exceeds the limit of ${maxBodyBytes} bytes`);
    const busy = (): void => refuse(503, `server busy: request bodies in flight would pass ${budget.limit} bytes; retry in a moment (Retry-After: 1)`);
    const declared = Number(req.headers["content-length"]);
    if (Number.isFinite(declared) && declared > maxBodyBytes) return tooLarge();
    // A declared length is reserved at once, so that many large uploads cannot all start.
    if (Number.isFinite(declared) && declared > 0) {
      if (!budget.take(declared)) return busy();
      held = declared;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBodyBytes) return tooLarge();
      if (size > held) {
        if (!budget.take(size - held)) return busy();
        held = size;
      }
      chunks.push(chunk);
    });
    req.on("end", () => resolve(Buffer.concat(chunks, size)));
    req.on("error", reject);
  });
}

/**
 * A request node:http could not parse (not HTTP, headers too large, too slow): a JSON error like
 * every other answer, then the connection closes. Node's default answers without a body.
 */
function answerClientError(err: NodeJS.ErrnoException, socket: Duplex, timeouts: { headersMs: number; requestMs: number }): void {
  // An answer already under way (a 413 while the upload is dropped) is not followed by a second
  // one; a client that went away mid-request is not answered. Node's default handler checks the
  // same (_httpMessage is the response in progress on the socket).
  const inProgress = (socket as { _httpMessage?: { headersSent?: boolean } })._httpMessage?.headersSent === true;
  if (err.code === "ECONNRESET" || err.code === "HPE_INVALID_EOF_STATE" || !socket.writable || inProgress) {
    socket.destroy();
    return;
  }
  const [status, reason, error] =
    err.code === "HPE_HEADER_OVERFLOW"
      ? [431, "Request Header Fields Too Large", "request headers are too large"]
      : err.code === "ERR_HTTP_REQUEST_TIMEOUT"
        ? [408, "Request Timeout", `the request was not received in time (headers within ${timeouts.headersMs} ms, all of it within ${timeouts.requestMs} ms)`]
        : [400, "Bad Request", `not a valid HTTP request (${err.code ?? err.message})`];
  const text = JSON.stringify({ error });
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(text)}\r\nconnection: close\r\n\r\n${text}`,
  );
}

function notAllowed(req: http.IncomingMessage, res: http.ServerResponse, allow: string): void {
  req.resume();
  res.setHeader("allow", allow);
  send(res, 405, { error: `${req.method ?? "?"} is not allowed here; use ${allow}` });
}

function send(res: http.ServerResponse, status: number, body: object): void {
  if (res.headersSent) return;
  const text = JSON.stringify(body);
  const headers: http.OutgoingHttpHeaders = { "content-type": "application/json", "content-length": Buffer.byteLength(text) };
  res.writeHead(status, headers);
  res.end(text);
}
