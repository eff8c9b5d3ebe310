import net from "node:net";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closedLoopHttp } from "../src/load/closed-http.js";
import { MALFORMED, NEED_MORE, ResponseParser, TOO_LARGE, leanEligible, serializeRequest } from "../src/load/lean-http.js";
import { openLoopHttp } from "../src/load/open-http.js";
import type { HttpRequestSpec } from "../src/load/types.js";

const b = (s: string) => Buffer.from(s, "latin1");

/** Feeds `msg` in two pieces split at `k`: what each execute() returned. */
function split(msg: Buffer, k: number, max = 1 << 20): { p: ResponseParser; first: number; second: number } {
  const p = new ResponseParser(max, true);
  const first = p.execute(msg.subarray(0, k));
  const second = first === NEED_MORE ? p.execute(msg.subarray(k)) : Number.NaN;
  return { p, first, second };
}

/** Every split point of `msg` completes the response at its last byte, with this status and body. */
function everySplit(msg: Buffer, status: number, body: string, keepAlive = true): void {
  for (let k = 1; k < msg.length; k++) {
    const { p, first, second } = split(msg, k);
    expect(first, `split at ${k}`).toBe(NEED_MORE);
    expect(second, `split at ${k}`).toBe(msg.length - k);
    expect(p.status).toBe(status);
    expect(p.body().toString("latin1"), `split at ${k}`).toBe(body);
    expect(p.keepAlive).toBe(keepAlive);
  }
  // And one byte at a time.
  const p = new ResponseParser(1 << 20, true);
  let last = NEED_MORE;
  for (let i = 0; i < msg.length; i++) {
    last = p.execute(msg.subarray(i, i + 1));
    if (i < msg.length - 1) expect(last, `byte ${i}`).toBe(NEED_MORE);
  }
  expect(last).toBe(1);
  expect(p.body().toString("latin1")).toBe(body);
}

describe("the lean client's response parser", () => {
  it("Content-Length: complete at the last byte wherever the bytes are split", () => {
    everySplit(b('HTTP/1.1 200 OK\r\nContent-Type: application/json\r\ncontent-length: 11\r\n\r\n{"ok":true}'), 200, '{"ok":true}');
  });

  it("chunked with extensions and trailers, split anywhere", () => {
    const msg = b("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4;name=value\r\nabcd\r\nA\r\n0123456789\r\n0\r\nX-Trailer: 1\r\nX-Other: two\r\n\r\n");
    everySplit(msg, 200, "abcd0123456789");
  });

  it("parses only the n bytes read into a reused buffer, whatever stale bytes follow them", () => {
    // The lean client reads every socket into one buffer and parses it in place: a head end or a
    // whole response left over from an earlier read must not be taken for part of this one.
    const msg = b("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-A: 1\r\n\r\nhello");
    const stale = b("HTTP/1.1 500 Stale\r\nContent-Length: 0\r\n\r\n");
    for (let k = 1; k < msg.length; k++) {
      const p = new ResponseParser(1024, true);
      const buf = Buffer.alloc(1024, stale);
      msg.copy(buf, 0, 0, k);
      expect(p.execute(buf, k), `first ${k} bytes`).toBe(NEED_MORE);
      buf.fill(stale);
      msg.copy(buf, 0, k);
      expect(p.execute(buf, msg.length - k), `the rest after ${k}`).toBe(msg.length - k);
      expect(p.status).toBe(200);
      expect(p.body().toString("latin1")).toBe("hello");
    }
  });

  it("Content-Length 0, 204 and a status line without a reason: complete right after the head", () => {
    for (const head of ["HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", "HTTP/1.1 204 No Content\r\n\r\n", "HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n"]) {
      const p = new ResponseParser(1024, true);
      expect(p.execute(b(head)), head).toBe(head.length);
      expect(p.body().length).toBe(0);
    }
  });

  it("Connection: close, and HTTP/1.0 without keep-alive, end the connection after the response", () => {
    const cases: [string, boolean][] = [
      ["HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nhi", false],
      ["HTTP/1.1 200 OK\r\nConnection: Keep-Alive, Close\r\nContent-Length: 2\r\n\r\nhi", false],
      ["HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nhi", false],
      ["HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 2\r\n\r\nhi", true],
      ["HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi", true],
    ];
    for (const [msg, keepAlive] of cases) {
      const p = new ResponseParser(1024, false);
      expect(p.execute(b(msg)), msg).toBe(msg.length);
      expect(p.keepAlive, msg).toBe(keepAlive);
    }
  });

  it("no length: the body runs to the end of the connection (finish), and the connection is not reused", () => {
    const p = new ResponseParser(1024, true);
    expect(p.execute(b("HTTP/1.1 200 OK\r\n\r\npart one "))).toBe(NEED_MORE);
    expect(p.execute(b("part two"))).toBe(NEED_MORE);
    expect(p.finish()).toBe(0);
    expect(p.body().toString()).toBe("part one part two");
    expect(p.keepAlive).toBe(false);
    // Cut short: a declared length not reached is not complete.
    const cut = new ResponseParser(1024, true);
    expect(cut.execute(b("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc"))).toBe(NEED_MORE);
    expect(cut.finish()).toBe(NEED_MORE);
  });

  it("skips 1xx interim responses", () => {
    const msg = b("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 1\r\n\r\nx");
    everySplit(msg, 201, "x");
  });

  it("pipelined junk: bytes after the response are reported (offset short of the chunk), and malformed when fed on", () => {
    const resp = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi";
    const p = new ResponseParser(1024, true);
    const r = p.execute(b(`${resp}JUNK`));
    expect(r).toBe(resp.length);
    expect(p.execute(b("JUNK"))).toBe(MALFORMED);
    p.reset();
    expect(p.execute(b("JUNK"))).toBe(MALFORMED);
  });

  it("bytes that are not HTTP fail at once, without waiting for a blank line; broken framing fails", () => {
    const bad = [
      "SSH-2.0-OpenSSH_9.6",
      "HTTP/2 200\r\n\r\n",
      "HTTP/1.1 2x0 OK\r\n\r\n",
      "HTTP/1.1 200 OK\r\nno colon here\r\n\r\n",
      "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nabc",
      "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n",
      "HTTP/1.1 101 Switching Protocols\r\n\r\n",
    ];
    for (const msg of bad) expect(new ResponseParser(1024, true).execute(b(msg)), msg).toBe(MALFORMED);
    // A head that never ends is bounded.
    const p = new ResponseParser(1024, true);
    expect(p.execute(b("HTTP/1.1 200 OK\r\n"))).toBe(NEED_MORE);
    let r = NEED_MORE;
    for (let i = 0; i < 100 && r === NEED_MORE; i++) r = p.execute(b(`X-Pad: ${"x".repeat(1000)}\r\n`));
    expect(r).toBe(MALFORMED);
  });

  it("a body over the limit: declared, received, or chunked", () => {
    expect(new ResponseParser(10, false).execute(b("HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\n"))).toBe(TOO_LARGE);
    expect(new ResponseParser(10, false).execute(b("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nB\r\n"))).toBe(TOO_LARGE);
    const p = new ResponseParser(10, false);
    expect(p.execute(b("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n6\r\nabcdef\r\n"))).toBe(NEED_MORE);
    expect(p.execute(b("6\r\nabcdef\r\n"))).toBe(TOO_LARGE);
    const close = new ResponseParser(10, false);
    expect(close.execute(b("HTTP/1.1 200 OK\r\n\r\n0123456789"))).toBe(NEED_MORE);
    expect(close.execute(b("!"))).toBe(TOO_LARGE);
  });
});

describe("the lean client's request and when it is used", () => {
  const spec = (over: Partial<HttpRequestSpec> = {}): HttpRequestSpec => ({
    url: "http://127.0.0.1:8080/v2/models/m/infer?x=1",
    method: "POST",
    headers: { "content-type": "application/json", Connection: "close", "X-Token": "t" },
    body: '{"é":1}',
    timeoutMs: 1000,
    ...over,
  });

  it("serialises the request once: request line, Host, the suite's headers (not the managed ones), the body's byte length", () => {
    const r = serializeRequest(spec());
    expect(r.host).toBe("127.0.0.1");
    expect(r.port).toBe(8080);
    expect(r.bytes.toString("utf8")).toBe(
      'POST /v2/models/m/infer?x=1 HTTP/1.1\r\nHost: 127.0.0.1:8080\r\ncontent-type: application/json\r\nX-Token: t\r\nContent-Length: 8\r\n\r\n{"é":1}',
    );
    expect(serializeRequest(spec({ method: "GET", body: undefined, url: "http://localhost/" })).bytes.toString()).toBe(
      "GET / HTTP/1.1\r\nHost: localhost\r\ncontent-type: application/json\r\nX-Token: t\r\n\r\n",
    );
  });

  it("serves plain http; https, a header with a line break, and BENCH_HTTP_CLIENT=library go to the libraries", () => {
    expect(leanEligible(spec(), {})).toBe(true);
    expect(leanEligible(spec({ url: "https://example.com/" }), {})).toBe(false);
    expect(leanEligible(spec({ headers: { "x-a": "1\r\nx-b: 2" } }), {})).toBe(false);
    expect(leanEligible(spec(), { BENCH_HTTP_CLIENT: "library" })).toBe(false);
  });
});

/** A raw server: each request (read up to its body) is answered by `answer(n)`, n counting from 1; then `after(socket)`. */
async function rawServer(
  answer: (n: number) => { bytes: string; close?: boolean } | undefined,
): Promise<{ url: string; close: () => Promise<void>; conns: () => number }> {
  let n = 0;
  let conns = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => {
    conns++;
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
    let buf = "";
    s.on("data", (d) => {
      buf += d.toString("latin1");
      for (;;) {
        const end = buf.indexOf("\r\n\r\n");
        if (end < 0) return;
        const len = Number(/content-length: (\d+)/i.exec(buf.slice(0, end))?.[1] ?? 0);
        if (buf.length < end + 4 + len) return;
        buf = buf.slice(end + 4 + len);
        const a = answer(++n);
        if (a === undefined) continue;
        if (a.close) s.end(a.bytes);
        else s.write(a.bytes);
      }
    });
    s.on("error", () => {});
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    conns: () => conns,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

describe("the lean client against a raw server, both loops", () => {
  const CHUNKED = 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3;ext=1\r\n{"o\r\n8\r\nk":true}\r\n0\r\nX-T: 1\r\n\r\n';
  let chunked: Awaited<ReturnType<typeof rawServer>>;
  let closing: Awaited<ReturnType<typeof rawServer>>;
  let junk: Awaited<ReturnType<typeof rawServer>>;
  let silent: Awaited<ReturnType<typeof rawServer>>;
  let untilClose: Awaited<ReturnType<typeof rawServer>>;
  beforeAll(async () => {
    // No length: the body ends with the connection.
    untilClose = await rawServer(() => ({ bytes: 'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n{"ok":true}', close: true }));
    // Answers the first request, then nothing.
    silent = await rawServer((n) => (n === 1 ? { bytes: 'HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\n{"ok":true}' } : undefined));
    chunked = await rawServer(() => ({ bytes: CHUNKED }));
    // Every answer says Connection: close and closes.
    closing = await rawServer(() => ({ bytes: 'HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 11\r\n\r\n{"ok":true}', close: true }));
    // A response followed by bytes that are not part of it.
    junk = await rawServer(() => ({ bytes: 'HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\n{"ok":true}garbage' }));
  });
  afterAll(async () => {
    await Promise.all([chunked?.close(), closing?.close(), junk?.close(), silent?.close(), untilClose?.close()]);
  });

  const spec = (url: string): HttpRequestSpec => ({
    url,
    method: "POST",
    headers: { "content-type": "application/json" },
    body: '{"x":1}',
    timeoutMs: 3000,
    validate: (_s, body) => (JSON.parse(body.toString("utf8")) as { ok?: boolean }).ok === true,
  });

  it("chunked answers with extensions and trailers, and bodies that end with the connection, are valid responses; Connection: close opens a new connection each time", async () => {
    for (const server of [chunked, closing, untilClose]) {
      const closed = await closedLoopHttp({ request: spec(server.url), connections: 2, durationMs: 300, maxRequests: 50 });
      expect(closed.errors, server.url).toMatchObject({ timeouts: 0, reset: 0, malformed: 0, other: 0 });
      expect(closed.ok).toBe(50);
      const open = await openLoopHttp({ request: spec(server.url), ratePerS: 100, arrival: "fixed", durationMs: 200, seed: 1, maxRequests: 10, workers: 1 });
      expect(open.ok).toBe(10);
      expect(open.errorCount).toBe(0);
    }
    // One connection per answer (and per request of the measured phases above, at least).
    expect(closing.conns()).toBeGreaterThanOrEqual(60);
  });

  it("open loop, one connection, a server that stops answering: the requests waiting for the connection time out too, and the cell ends", async () => {
    const t0 = performance.now();
    const request = { ...spec(silent.url), timeoutMs: 200 };
    const r = await openLoopHttp({ request, ratePerS: 50, arrival: "fixed", durationMs: 300, seed: 1, connections: 1, workers: 1 });
    expect(r.sent).toBe(15);
    expect(r.ok).toBe(1);
    expect(r.errors.timeouts, JSON.stringify(r.errors)).toBe(14);
    // Duration + timeout + the drain's slack, with room for a busy machine.
    expect(performance.now() - t0).toBeLessThan(300 + 200 + 500 + 2000);
  });

  it("bytes after a response count it malformed, and the connection is replaced", async () => {
    const closed = await closedLoopHttp({ request: spec(junk.url), connections: 1, durationMs: 200, maxRequests: 20 });
    expect(closed.errors.malformed).toBe(20);
    expect(closed.ok).toBe(0);
    expect(junk.conns()).toBeGreaterThanOrEqual(20);
  });
});
