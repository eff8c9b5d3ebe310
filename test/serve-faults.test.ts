import net from "node:net";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type StartedServer, startServer } from "../src/serve/server.js";

/**
 * `bench serve` against hostile clients (issue 10): malformed JSON, wrong shapes, unknown models,
 * bytes that are not HTTP, oversize and slow uploads, 1,000 connections at once. Every answer is
 * a 4xx (or 503 when the server holds too much) with a JSON { "error" }, the server keeps serving,
 * and the request bodies it holds stay under its budget.
 */

const MODEL = path.resolve(import.meta.dirname, "../suites/models/mlp-fp32.onnx");
const MIB = 1024 * 1024;
let server: StartedServer;
let small: StartedServer;
let slow: StartedServer;

beforeAll(async () => {
  [server, small, slow] = await Promise.all([
    startServer({ models: [MODEL] }),
    startServer({ models: [MODEL], maxBodyBytes: 4 * MIB, maxInflightBytes: 8 * MIB }),
    startServer({ models: [MODEL], timeouts: { headersMs: 300, requestMs: 600, checkEveryMs: 100 } }),
  ]);
});
afterAll(async () => {
  await Promise.all([server?.close(), small?.close(), slow?.close()]);
});

const INPUT = { name: "input", datatype: "FP32", shape: [1, 256], data: new Array(256).fill(0.5) };
const valid = (pad = 0): string => JSON.stringify({ inputs: [INPUT] }) + " ".repeat(pad);

interface Answer {
  status: number;
  headers: string;
  json: { error?: unknown; outputs?: unknown } | undefined;
}

/**
 * One request on its own connection, written as raw bytes (so that it can be anything), read
 * until it is complete or the server closes. `hold` sends the head and waits for it before
 * sending the body.
 */
function raw(base: string, head: string, body: string | Buffer = "", hold?: Promise<void>): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const { port } = new URL(base);
    const socket = net.connect(Number(port), "127.0.0.1");
    const chunks: Buffer[] = [];
    let done = false;
    /** The answer once it is complete (by its content-length) or the connection is closed. */
    const answer = (closed: boolean): void => {
      if (done) return;
      const text = Buffer.concat(chunks).toString("utf8");
      const split = text.indexOf("\r\n\r\n");
      const headers = split < 0 ? text : text.slice(0, split);
      const rest = split < 0 ? "" : text.slice(split + 4);
      const length = Number(/\r\ncontent-length: (\d+)/i.exec(headers)?.[1] ?? Number.NaN);
      if (!closed && !(Buffer.byteLength(rest) >= length)) return;
      done = true;
      socket.destroy();
      let json: Answer["json"];
      try {
        json = JSON.parse(rest) as Answer["json"];
      } catch {
        json = undefined;
      }
      resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(headers)?.[1] ?? 0), headers, json });
    };
    socket.on("data", (d: Buffer) => {
      chunks.push(d);
      answer(false);
    });
    socket.on("error", (err) => (chunks.length > 0 ? undefined : reject(err)));
    socket.on("close", () => answer(true));
    socket.write(head);
    // No half-close after the body: node:http (as most servers) drops a request whose client has ended its side.
    const sendBody = (): void => {
      if (!socket.destroyed) socket.write(body);
    };
    if (hold) void hold.then(sendBody);
    else sendBody();
  });
}

const post = (p: string, body: string | Buffer, extra = ""): string =>
  `POST ${p} HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n${extra}\r\n`;
const INFER = "/v2/models/mlp-fp32/infer";

function expectJsonError(a: Answer, status: number, message: RegExp): void {
  expect(a.status, a.headers).toBe(status);
  expect(a.headers.toLowerCase()).toContain("content-type: application/json");
  expect(typeof a.json?.error).toBe("string");
  expect(a.json?.error).toMatch(message);
}

describe("bench serve answers hostile requests with JSON errors and keeps serving", () => {
  const deepObject = `{"inputs":[{"name":"input","datatype":"FP32","shape":[1,256],"data":[${'{"a":'.repeat(50_000)}1${"}".repeat(50_000)}${",0.5".repeat(255)}]}]}`;
  const deep = (n: number) => `{"inputs":[{"name":"input","datatype":"FP32","shape":[1,256],"data":${"[".repeat(n)}${"]".repeat(n)}}]}`;
  it.each<[string, string, number, RegExp]>([
    ["bytes that are not HTTP", "GARBAGE\r\n\r\n", 400, /not a valid HTTP request \(HPE_INVALID_METHOD\)/],
    ["headers over node's limit", `GET /v2 HTTP/1.1\r\nx: ${"a".repeat(100_000)}\r\n\r\n`, 431, /request headers are too large/],
    ["a bad content-length", `POST ${INFER} HTTP/1.1\r\ncontent-length: abc\r\n\r\n`, 400, /HPE_INVALID_CONTENT_LENGTH/],
    ["a model name that is not valid percent-encoding", post("/v2/models/%E0%A4%A/infer", valid()) + valid(), 400, /not valid percent-encoding/],
    ["data nested 200,000 deep (no stack overflow)", post(INFER, deep(200_000)) + deep(200_000), 400, /holds 256 values, data has 1/],
    [
      "a deep object as a value (no stack overflow in the message)",
      post(INFER, deepObject) + deepObject,
      400,
      /data\[0\] must be a finite number, got an object/,
    ],
    ["malformed JSON", post(INFER, "{not json") + "{not json", 400, /not valid JSON/],
    ["a wrong shape", post(INFER, valid().replace("[1,256]", "[2,256]")) + valid().replace("[1,256]", "[2,256]"), 400, /holds 512 values, data has 256/],
    ["an unknown model", post("/v2/models/nope/infer", valid()) + valid(), 404, /unknown model 'nope' \(models: mlp-fp32/],
  ])("%s", async (_what, request, status, message) => {
    expectJsonError(await raw(server.url, request), status, message);
  });

  it("a client that trickles its headers gets 408 and its connection closed", async () => {
    const t0 = performance.now();
    const answer = await new Promise<Answer>((resolve) => {
      const trickle = raw(slow.url, "GET /v2 HTTP/1.1\r\n", "x-slow: 1\r\n", new Promise<void>(() => undefined));
      void trickle.then(resolve);
    });
    expectJsonError(answer, 408, /not received in time \(headers within 300 ms/);
    expect(performance.now() - t0).toBeLessThan(10_000);
  });

  it("1,000 concurrent connections, good and bad requests mixed: each gets its own answer, the server stays up", async () => {
    const kinds: [string, number][] = [
      [post(INFER, valid()) + valid(), 200],
      [post(INFER, "{not json") + "{not json", 400],
      [post(INFER, valid().replace("[1,256]", "[1,128]")) + valid().replace("[1,256]", "[1,128]"), 400],
      [post("/v2/models/nope/infer", valid()) + valid(), 404],
      [post(INFER, valid(5 * MIB)), 413],
    ];
    const rss0 = process.memoryUsage().rss;
    // All connections are open (and the heads written) before any body goes out.
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const pending = Array.from({ length: 1000 }, (_, i) => {
      const [request, status] = kinds[i % kinds.length] as [string, number];
      const split = request.indexOf("\r\n\r\n") + 4;
      const body = status === 413 ? Buffer.alloc(0) : request.slice(split);
      return raw(small.url, request.slice(0, split), body, gate).then((a) => ({ a, status }));
    });
    await new Promise((r) => setTimeout(r, 200));
    release();
    const answers = await Promise.all(pending);
    const wrong = answers.filter(({ a, status }) => a.status !== status || (status !== 200 && typeof a.json?.error !== "string"));
    expect(wrong.map(({ a, status }) => `${status}: ${a.headers.split("\r\n")[0]} ${JSON.stringify(a.json)}`).slice(0, 5)).toEqual([]);
    expect(answers.filter(({ a }) => a.status === 200).every(({ a }) => Array.isArray(a.json?.outputs))).toBe(true);
    expect((process.memoryUsage().rss - rss0) / MIB).toBeLessThan(500);
    // Still serving.
    expect((await raw(small.url, post(INFER, valid()) + valid())).status).toBe(200);
  });

  it("uploads past the in-flight budget get 503 with Retry-After; memory stays bounded; the budget is given back", async () => {
    // 4 MiB bodies on a server holding at most 8 MiB at once: two go through, the rest are told to retry.
    const body = valid(4 * MIB - valid().length);
    const rss0 = process.memoryUsage().rss;
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const pending = Array.from({ length: 40 }, () => raw(small.url, post(INFER, body), body, gate));
    await new Promise((r) => setTimeout(r, 300));
    release();
    const answers = await Promise.all(pending);
    const ok = answers.filter((a) => a.status === 200);
    const busy = answers.filter((a) => a.status === 503);
    expect(answers.filter((a) => a.status !== 200 && a.status !== 503).map((a) => a.headers)).toEqual([]);
    expect(ok.length).toBeGreaterThanOrEqual(1);
    expect(ok.length).toBeLessThanOrEqual(2);
    for (const a of busy) {
      expectJsonError(a, 503, /server busy: request bodies in flight would pass 8388608 bytes; retry/);
      expect(a.headers.toLowerCase()).toContain("retry-after: 1");
    }
    // 40 × 4 MiB held and parsed at once would be well over half a gigabyte.
    expect((process.memoryUsage().rss - rss0) / MIB).toBeLessThan(300);
    // Every held byte was given back: a full-size upload goes through again.
    expect((await raw(small.url, post(INFER, body) + body)).status).toBe(200);
  });
});
