import type http from "node:http";
import type { Duplex } from "node:stream";

/**
 * What keeps clients from taking `bench serve` down: a budget of request bodies held at once,
 * uploads refused without a reset that would hide the answer, and JSON answers to requests
 * node:http cannot parse. Every limit here is in docs/ERRORS.md.
 */

/**
 * Request bodies held at once, all requests together, from the first byte read to the answer
 * sent: what bounds the server's memory (the parsed JSON and the tensors are a small multiple of
 * it). A request that would pass it gets 503 and may retry. At least maxBodyBytes.
 */
export const DEFAULT_MAX_INFLIGHT_BYTES = 256 * 1024 * 1024;
/** Open connections at most; more are closed by node:http as they arrive (file descriptors are finite). */
export const DEFAULT_MAX_CONNECTIONS = 4096;
/** Slow clients (slow-loris): headers within headersMs, the whole request within requestMs, checked every checkEveryMs. */
export interface Timeouts {
  headersMs: number;
  requestMs: number;
  checkEveryMs: number;
}
export const DEFAULT_TIMEOUTS: Timeouts = { headersMs: 10_000, requestMs: 60_000, checkEveryMs: 1000 };
/** After a 413 or 503 the rest of the upload is read and dropped for at most this long before the connection closes. */
const LINGER_MS = 2000;

/** The bytes of request bodies held now, against the server's limit. */
export class BodyBudget {
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

export interface Limits {
  maxBodyBytes: number;
  budget: BodyBudget;
}

/**
 * The request body, or undefined after answering 413 (over the limit) or 503 (the server holds
 * too many bodies already). The bytes stay counted against the budget until the answer is sent.
 */
export function readBody(req: http.IncomingMessage, res: http.ServerResponse, { maxBodyBytes, budget }: Limits): Promise<Buffer | undefined> {
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
export function answerClientError(err: NodeJS.ErrnoException, socket: Duplex, timeouts: { headersMs: number; requestMs: number }): void {
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
