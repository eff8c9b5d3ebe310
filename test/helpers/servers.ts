import http from "node:http";
import type { AddressInfo } from "node:net";

/** A node:http server on 127.0.0.1 with an ephemeral port, for load-generator tests. */
export interface TestServer {
  url: string;
  /** Requests that reached the handler. */
  readonly requests: number;
  close(): Promise<void>;
}

type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => void;

export async function startTestServer(handler: Handler): Promise<TestServer> {
  let requests = 0;
  const server = http.createServer((req, res) => {
    requests++;
    handler(req, res);
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    get requests() {
      return requests;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** Call `then` once the request body has been read (so keep-alive connections stay usable). */
function afterBody(req: http.IncomingMessage, then: () => void): void {
  req.on("end", then);
  req.resume();
}

/** 200 with a fixed JSON body. */
export function staticServer(body = '{"ok":true}'): Promise<TestServer> {
  return startTestServer((req, res) =>
    afterBody(req, () => {
      res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(body) });
      res.end(body);
    }),
  );
}

/**
 * Answers at once except during stalls: `stallMs` every `periodMs`, the first one `firstStallMs`
 * after start. A request that arrives during a stall waits for its end, as behind a GC pause or
 * a blocked worker.
 */
export function stallingServer(o: { stallMs: number; periodMs: number; firstStallMs: number; body?: string }): Promise<TestServer> {
  const body = o.body ?? '{"ok":true}';
  const t0 = performance.now();
  return startTestServer((req, res) =>
    afterBody(req, () => {
      const phase = (performance.now() - t0 - o.firstStallMs) % o.periodMs;
      const delay = phase >= 0 && phase < o.stallMs ? o.stallMs - phase : 0;
      const reply = (): void => {
        res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(body) });
        res.end(body);
      };
      if (delay > 0) setTimeout(reply, delay);
      else reply();
    }),
  );
}

/** Always the same status (default 500). */
export function statusServer(status = 500): Promise<TestServer> {
  return startTestServer((req, res) =>
    afterBody(req, () => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end('{"error":"boom"}');
    }),
  );
}

/** Reads the request and never answers: the client's timeout fires. */
export function silentServer(): Promise<TestServer> {
  return startTestServer((req) => req.resume());
}

/** Resets the connection (TCP RST) on every request. */
export function resetServer(): Promise<TestServer> {
  return startTestServer((req) => afterBody(req, () => req.socket.resetAndDestroy()));
}

/** Closes the connection (FIN) without answering. */
export function hangUpServer(): Promise<TestServer> {
  return startTestServer((req) => afterBody(req, () => req.socket.destroy()));
}

/** 200 with a body that is not JSON. */
export function malformedServer(): Promise<TestServer> {
  return startTestServer((req, res) =>
    afterBody(req, () => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end('{"outputs": [');
    }),
  );
}

/** A URL on 127.0.0.1 where nothing listens (a port just released): connections are refused. */
export async function refusedUrl(): Promise<string> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}
