import http from "node:http";
import type { AddressInfo, Socket } from "node:net";

/**
 * One misbehaving HTTP server for the remote-fault tests, on 127.0.0.1 and an ephemeral port.
 * The fault is chosen per request by the first segment of the path, so one server (and one URL
 * per fault) serves every test and every target of a suite: `${url}/reset-mid/…`. With `?after=N`
 * the first N requests to that exact path are answered normally (a cell's cold start and warm-up),
 * the rest get the fault; with `?every=K` only every K-th request does.
 */
export const FAULTS = {
  /** 200 with a small JSON body. */
  ok: "healthy",
  /** 500 with a JSON error. */
  status500: "HTTP 500",
  /** 200, a declared length, a tenth of the body, then a TCP reset. */
  "reset-mid": "reset mid-response",
  /** 200, a declared length, a tenth of the body, then a clean close (FIN). */
  "hangup-mid": "closed mid-response",
  /** 200 with a body that is not JSON. */
  malformed: "malformed body",
  /** Bytes that are not an HTTP response at all. */
  garbage: "not HTTP",
  /** 200, chunked, 1 MiB chunks without end (until the client goes away or 2 GiB). */
  huge: "huge body (chunked)",
  /** 200 declaring 1 GB, then 1 MiB chunks. */
  "huge-declared": "huge body (declared)",
  /** 200 declaring 100 bytes, then one byte every 50 ms: slow-loris. */
  slowloris: "slow-loris",
  /** Reads the request, never answers. */
  silent: "no answer",
} as const;
export type Fault = keyof typeof FAULTS;

export interface FaultServer {
  url: string;
  /** Requests that reached the handler, per path segment (fault name). */
  readonly requests: Map<string, number>;
  /** Bytes of response body written, all faults together (to see a client stop reading). */
  readonly bytesWritten: number;
  /** Stop listening and drop every connection, then listen again on the same port after `downMs`. */
  restart(downMs: number): Promise<void>;
  close(): Promise<void>;
}

const OK_BODY = '{"ok":true}';
const MIB = Buffer.alloc(1024 * 1024, 0x20);
const HUGE_LIMIT = 2 * 1024 * 1024 * 1024;

export async function startFaultServer(): Promise<FaultServer> {
  const requests = new Map<string, number>();
  const perPath = new Map<string, number>();
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  let bytesWritten = 0;
  let closed = false;

  const every = (ms: number, f: () => boolean): void => {
    const t = setInterval(() => {
      if (!f()) {
        clearInterval(t);
        timers.delete(t);
      }
    }, ms);
    timers.add(t);
  };

  /** Write 1 MiB chunks while the client reads, up to HUGE_LIMIT. */
  const stream = (res: http.ServerResponse): void => {
    let sent = 0;
    const pump = (): void => {
      while (!res.destroyed && sent < HUGE_LIMIT) {
        sent += MIB.length;
        bytesWritten += MIB.length;
        if (!res.write(MIB)) {
          res.once("drain", pump);
          return;
        }
      }
      if (!res.destroyed) res.end();
    };
    pump();
  };

  const fault = (name: string, req: http.IncomingMessage, res: http.ServerResponse): void => {
    const json = (status: number, body: string): void => {
      res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(body) });
      res.end(body);
    };
    const partial = (then: (s: Socket) => void): void => {
      res.writeHead(200, { "content-type": "application/json", "content-length": 1000 });
      res.write(Buffer.alloc(100, 0x20), () => then(req.socket));
    };
    switch (name as Fault) {
      case "ok":
        return json(200, OK_BODY);
      case "status500":
        return json(500, '{"error":"boom"}');
      case "reset-mid":
        return partial((s) => s.resetAndDestroy());
      case "hangup-mid":
        return partial((s) => s.destroy());
      case "malformed":
        return json(200, '{"outputs": [');
      case "garbage":
        req.socket.end("SSH-2.0-OpenSSH_9.6 this is not HTTP\r\n\r\n");
        return;
      case "huge":
        res.writeHead(200, { "content-type": "application/json" });
        return stream(res);
      case "huge-declared":
        res.writeHead(200, { "content-type": "application/json", "content-length": 1_000_000_000 });
        return stream(res);
      case "slowloris":
        res.writeHead(200, { "content-type": "application/json", "content-length": 100 });
        every(50, () => {
          if (res.destroyed) return false;
          bytesWritten++;
          res.write(" ");
          return true;
        });
        return;
      case "silent":
        return;
      default:
        return json(404, `{"error":"unknown fault ${JSON.stringify(name)}"}`);
    }
  };

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://x");
    const name = url.pathname.split("/")[1] ?? "";
    requests.set(name, (requests.get(name) ?? 0) + 1);
    const n = (perPath.get(url.pathname) ?? 0) + 1;
    perPath.set(url.pathname, n);
    const after = Number(url.searchParams.get("after") ?? 0);
    const every = Number(url.searchParams.get("every") ?? 1);
    req.on("end", () => fault(n <= after || n % every !== 0 ? "ok" : name, req, res));
    req.resume();
  });
  server.keepAliveTimeout = 30_000;
  server.on("connection", (s: Socket) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  server.on("clientError", (_err, s: Socket) => s.destroy());

  const listen = (port: number): Promise<void> =>
    new Promise((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, "127.0.0.1", () => {
        server.off("error", reject);
        resolve();
      });
    });
  const stop = (): Promise<void> =>
    new Promise((resolve) => {
      for (const t of timers) clearInterval(t);
      timers.clear();
      server.close(() => resolve());
      for (const s of sockets) s.destroy();
    });

  await listen(0);
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    get bytesWritten() {
      return bytesWritten;
    },
    async restart(downMs) {
      await stop();
      await new Promise((r) => setTimeout(r, downMs));
      if (!closed) await listen(port);
    },
    async close() {
      closed = true;
      if (server.listening) await stop();
    },
  };
}

/** A host name that never resolves (RFC 6761 reserves .invalid). */
export const UNRESOLVABLE_URL = "http://bench-fault-test.invalid:8080";
