// src/load/autocannon-client.ts (used by closed-http.ts) reaches into autocannon's private
// per-connection Client (node_modules/autocannon/lib/httpClient.js), so autocannon is pinned to
// one exact version. This test fails when the pin and the installed version part, or when those
// internals change shape: read autocannon-client.ts again before moving the pin.
import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createRequire } from "node:module";
import autocannon from "autocannon";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const require = createRequire(import.meta.url);
const PINNED = "8.0.0";

interface Observed {
  client: Record<string, unknown>;
  clientPrototype: object;
  /** Calls of the client's `_connect` as patched per instance in setupClient (as closed-http does). */
  patchedConnects: number;
  hadPipelinedRequestsInSetup: boolean;
  timeoutInSetup: unknown;
  responses: unknown[][];
  headers: unknown[];
  queueSizes: number[];
}

describe("autocannon internals that src/load/closed-http.ts relies on", () => {
  let server: Server;
  let observed: Observed | undefined;

  beforeAll(async () => {
    server = createServer((_req, res) => {
      res.writeHead(200, { "content-type": "text/plain" });
      res.end("ok");
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;

    observed = await new Promise<Observed>((resolve, reject) => {
      let seen: Observed | undefined;
      const tracker = autocannon(
        {
          url: `http://127.0.0.1:${port}`,
          connections: 1,
          duration: 5, // a backstop: stopped after ~200 ms below
          timeout: 2,
          sampleInt: 50,
          setupClient: (raw: unknown) => {
            const client = raw as Record<string, unknown> & { on: (e: string, f: (...a: unknown[]) => void) => void };
            const pipelined = client.pipelinedRequests as { size?: unknown } | undefined;
            const o: Observed = {
              client,
              clientPrototype: Object.getPrototypeOf(client) as object,
              patchedConnects: 0,
              hadPipelinedRequestsInSetup: typeof pipelined?.size === "function",
              timeoutInSetup: client.timeout,
              responses: [],
              headers: [],
              queueSizes: [],
            };
            seen ??= o;
            const connect = client._connect as (this: unknown) => void;
            client._connect = function patchedConnect(this: unknown): void {
              o.patchedConnects++;
              connect.call(this);
            };
            client.on("headers", (info) => o.headers.push(info));
            client.on("response", (...args) => {
              o.responses.push(args);
              o.queueSizes.push((client.pipelinedRequests as { size(): number }).size());
            });
          },
        },
        (err: unknown) => {
          clearTimeout(guard);
          if (err) reject(err instanceof Error ? err : new Error(`autocannon failed: ${JSON.stringify(err)}`));
          else if (seen === undefined) reject(new Error("setupClient was never called"));
          else resolve(seen);
        },
      );
      setTimeout(() => tracker.stop(), 200);
      const guard = setTimeout(() => reject(new Error("autocannon did not stop within 5 s")), 5000);
    });
  }, 10_000);

  afterAll(async () => {
    const client = observed?.client;
    (client?.destroy as ((this: unknown) => void) | undefined)?.call(client);
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it("the installed autocannon is the pinned version, and package.json pins it exactly", () => {
    const installed = JSON.parse(readFileSync(require.resolve("autocannon/package.json"), "utf8")) as { version: string };
    const manifest = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { dependencies: Record<string, string> };
    expect(manifest.dependencies.autocannon).toBe(PINNED);
    expect(installed.version).toBe(PINNED);
  });

  it("setupClient receives the per-connection Client of lib/httpClient.js, with _connect on its prototype", () => {
    const Client = require("autocannon/lib/httpClient.js") as { prototype: object };
    expect(observed?.clientPrototype).toBe(Client.prototype);
    expect(typeof (Client.prototype as Record<string, unknown>)._connect).toBe("function");
    expect(typeof (Client.prototype as Record<string, unknown>).destroy).toBe("function");
  });

  it("the client connects through _connect after setupClient, so a per-instance patch sees every connect", () => {
    expect(observed?.patchedConnects).toBeGreaterThanOrEqual(1);
  });

  it("a client has pipelinedRequests with size() and clear(), a timeout in ms, conn and destroyed", () => {
    const c = observed?.client;
    expect(observed?.hadPipelinedRequestsInSetup).toBe(true);
    const queue = c?.pipelinedRequests as Record<string, unknown>;
    expect(typeof queue.size).toBe("function");
    expect(typeof queue.clear).toBe("function");
    // `timeout` is the option in seconds turned into ms, already set when setupClient runs.
    expect(observed?.timeoutInSetup).toBe(2000);
    expect(typeof c?.destroyed).toBe("boolean");
    const conn = c?.conn as { prependListener?: unknown } | undefined;
    expect(typeof conn?.prependListener).toBe("function");
  });

  it("has what patchClient uses to cap bodies, reset the parser, replace a connection and drain", () => {
    const c = observed?.client as Record<string, unknown>;
    const queue = c.pipelinedRequests as Record<string, unknown>;
    expect(typeof queue.addBody).toBe("function");
    const parser = c.parser as Record<string, unknown>;
    expect(typeof parser.initialize).toBe("function");
    expect(typeof parser.execute).toBe("function");
    expect(typeof (c.timeoutTicker as Record<string, unknown>).reschedule).toBe("function");
    const Client = require("autocannon/lib/httpClient.js") as { prototype: Record<string, unknown> };
    expect(typeof Client.prototype._destroyConnection).toBe("function");
    expect(typeof c.reqsMade).toBe("number");
    // _doRequest destroys the client once reqsMade reaches responseMax (how the drain stops new requests).
    expect(String(Client.prototype._doRequest)).toMatch(/this\.responseMax && this\.reqsMade >= this\.responseMax\) \{\s*return this\.destroy\(\)/);
    // The parser's callbacks are own properties, so initialize() (which resets state only) keeps them.
    expect(Object.hasOwn(parser, 4)).toBe(true);
  });

  it("emits 'headers' with shouldKeepAlive and 'response' with (status, bytes, durationMs), the request dequeued", () => {
    expect(observed?.responses.length).toBeGreaterThan(0);
    for (const [status, bytes, durationMs] of observed?.responses ?? []) {
      expect(status).toBe(200);
      expect(typeof bytes).toBe("number");
      expect(bytes).toBeGreaterThan(0);
      expect(typeof durationMs).toBe("number");
      expect(durationMs).toBeGreaterThanOrEqual(0);
      expect(durationMs).toBeLessThan(2000);
    }
    expect(observed?.headers.length).toBeGreaterThan(0);
    expect((observed?.headers[0] as { shouldKeepAlive?: unknown }).shouldKeepAlive).toBe(true);
    // 'response' fires after the finished request left the queue (pipelining 1): nothing in flight.
    expect(observed?.queueSizes.every((n) => n === 0)).toBe(true);
  });
});
