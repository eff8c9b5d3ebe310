import http from "node:http";
import type { AddressInfo } from "node:net";
import type { Duplex } from "node:stream";
import { benchVersion } from "../fingerprint/index.js";
import {
  BodyBudget,
  DEFAULT_MAX_CONNECTIONS,
  DEFAULT_MAX_INFLIGHT_BYTES,
  DEFAULT_TIMEOUTS,
  type Limits,
  type Timeouts,
  answerClientError,
  readBody,
} from "./guards.js";
import { HttpError, parseInferRequest, runInference } from "./infer.js";
import { loadModels, modelMetadata, releaseModels, type ServedModel } from "./models.js";

export const DEFAULT_MAX_BODY_BYTES = 64 * 1024 * 1024;
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
 * 413, and the limits of guards.ts bound what hostile or slow clients can hold. Concurrent
 * requests share one session per model (onnxruntime's Run is thread-safe).
 */
export async function startServer(o: {
  models: string[];
  host?: string;
  port?: number;
  maxBodyBytes?: number;
  maxInflightBytes?: number;
  maxConnections?: number;
  timeouts?: Timeouts;
}): Promise<StartedServer> {
  const host = o.host ?? "127.0.0.1";
  const maxBodyBytes = o.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const budget = new BodyBudget(Math.max(maxBodyBytes, o.maxInflightBytes ?? DEFAULT_MAX_INFLIGHT_BYTES));
  const models = await loadModels(o.models);
  const timeouts = o.timeouts ?? DEFAULT_TIMEOUTS;
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
