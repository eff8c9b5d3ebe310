import http from "node:http";
import type { AddressInfo } from "node:net";
import { benchVersion } from "../fingerprint/index.js";
import { HttpError, parseInferRequest, runInference } from "./infer.js";
import { loadModels, modelMetadata, releaseModels, type ServedModel } from "./models.js";

export const DEFAULT_MAX_BODY_BYTES = 64 * 1024 * 1024;
/** After a 413 the rest of the upload is read and dropped for at most this long before the connection closes. */
const LINGER_MS = 2000;

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
export async function startServer(o: { models: string[]; host?: string; port?: number; maxBodyBytes?: number }): Promise<StartedServer> {
  const host = o.host ?? "127.0.0.1";
  const maxBodyBytes = o.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const models = await loadModels(o.models);
  const server = http.createServer((req, res) => {
    handle(req, res, models, maxBodyBytes).catch((err: unknown) => {
      if (err instanceof HttpError) send(res, err.status, { error: err.message });
      else send(res, 500, { error: `inference failed: ${err instanceof Error ? err.message : String(err)}` });
    });
  });
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

async function handle(req: http.IncomingMessage, res: http.ServerResponse, models: Map<string, ServedModel>, maxBodyBytes: number): Promise<void> {
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
  const name = decodeURIComponent(m[1] ?? "");
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
  const body = await readBody(req, res, maxBodyBytes);
  if (body === undefined) return;
  const parsed = parseInferRequest(model, body.toString("utf8"));
  const answer = await runInference(model, parsed);
  res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(answer) });
  res.end(answer);
}

/** The request body, or undefined after answering 413 when it exceeds the limit. */
function readBody(req: http.IncomingMessage, res: http.ServerResponse, maxBodyBytes: number): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const tooLarge = (): void => {
      // Answer now, then keep reading and dropping the upload for a while: closing a socket with
      // unread data makes the kernel send a reset, and the client might never see the 413.
      send(res, 413, { error: `request body exceeds the limit of ${maxBodyBytes} bytes` }, true);
      req.removeAllListeners("data");
      req.resume();
      setTimeout(() => req.socket.destroy(), LINGER_MS).unref();
      resolve(undefined);
    };
    const declared = Number(req.headers["content-length"]);
    if (Number.isFinite(declared) && declared > maxBodyBytes) return tooLarge();
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBodyBytes) tooLarge();
      else chunks.push(chunk);
    });
    req.on("end", () => resolve(Buffer.concat(chunks, size)));
    req.on("error", reject);
  });
}

function notAllowed(req: http.IncomingMessage, res: http.ServerResponse, allow: string): void {
  req.resume();
  res.setHeader("allow", allow);
  send(res, 405, { error: `${req.method ?? "?"} is not allowed here; use ${allow}` });
}

function send(res: http.ServerResponse, status: number, body: object, close = false): void {
  if (res.headersSent) return;
  const text = JSON.stringify(body);
  const headers: http.OutgoingHttpHeaders = { "content-type": "application/json", "content-length": Buffer.byteLength(text) };
  if (close) headers.connection = "close";
  res.writeHead(status, headers);
  res.end(text);
}
