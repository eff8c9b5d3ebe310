import net from "node:net";
import { type Clock, monotonicClock } from "../util/clock.js";
import { responseOutcome, userHeaders } from "./http-common.js";
import { classifyNetworkError } from "./recorder.js";
import { DEFAULT_MAX_RESPONSE_BYTES, type ErrorKind, type HttpRequestSpec, type Outcome } from "./types.js";

/**
 * The load generator's own HTTP/1.1 client for plain `http:` targets: keep-alive connections on
 * node:net, one request at a time per connection, the request's bytes serialised once per cell,
 * and a minimal response parser (status, Content-Length, chunked, close-delimited bodies). Both
 * loops use it unless the target is https, the open loop pipelines, or BENCH_HTTP_CLIENT=library
 * asks for the libraries (undici, autocannon), which are then used as before.
 */

/** execute(): the response is not complete yet (every byte given was consumed). */
export const NEED_MORE = -1;
/** execute(): the bytes are not an HTTP/1.x response (or break its framing). */
export const MALFORMED = -2;
/** execute(): the body is over maxBodyBytes (declared or received). */
export const TOO_LARGE = -3;

/** A response head (status line and headers) longer than this is malformed, as for autocannon's parser. */
const MAX_HEAD_BYTES = 80 * 1024;

const CR = 0x0d;
const LF = 0x0a;
const COLON = 0x3a;
const EMPTY = Buffer.alloc(0);

// Parser states.
const HEAD = 0;
const BODY = 1;
const UNTIL_CLOSE = 2;
const CHUNK_SIZE = 3;
const CHUNK_EXT = 4;
const CHUNK_SIZE_LF = 5;
const CHUNK_DATA = 6;
const CHUNK_DATA_CR = 7;
const CHUNK_DATA_LF = 8;
const TRAILER_START = 9;
const TRAILER_LINE = 10;
const TRAILER_LINE_LF = 11;
const TRAILER_END_LF = 12;
const DONE = 13;

/** The largest chunk size accepted (hex digits beyond it are malformed rather than a float). */
const MAX_CHUNK_SIZE = 2 ** 48;

/** The value of a hex digit, or -1. */
function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  const l = c | 0x20;
  if (l >= 0x61 && l <= 0x66) return l - 0x61 + 10;
  return -1;
}

/**
 * The first `byte` in buf[from, to), or `to`: a plain loop, cheaper than Buffer#indexOf (a call
 * into C++) over the few dozen bytes of a header line.
 */
function scan(buf: Buffer, from: number, to: number, byte: number): number {
  let i = from;
  while (i < to && buf[i] !== byte) i++;
  return i;
}

/**
 * Where CR LF CR LF first begins in buf[from, to), or -1. Its four bytes are all CR or LF, so a
 * byte that is neither rules out the four starts that would cover it: every fourth byte is read
 * until one is CR or LF, then the starts around it.
 */
function headEnd(buf: Buffer, from: number, to: number): number {
  let i = from + 3;
  while (i < to) {
    const c = buf[i];
    if (c !== CR && c !== LF) {
      i += 4;
      continue;
    }
    for (let s = Math.max(from, i - 3); s <= i && s + 3 < to; s++) {
      if (buf[s] === CR && buf[s + 1] === LF && buf[s + 2] === CR && buf[s + 3] === LF) return s;
    }
    i++;
  }
  return -1;
}

/** Whether buf[from, from + name.length) equals `name` (lower case ASCII), ignoring case. */
function nameIs(buf: Buffer, from: number, to: number, name: string): boolean {
  if (to - from !== name.length) return false;
  for (let k = 0; k < name.length; k++) if (((buf[from + k] as number) | 0x20) !== name.charCodeAt(k)) return false;
  return true;
}

/**
 * An incremental HTTP/1.x response parser for one connection: feed it the bytes as they come
 * (execute), and it says when one response is complete and where it ended in the last chunk.
 * Bodies are framed by Content-Length, chunked transfer coding (extensions and trailers
 * skipped), or the end of the connection (finish); 1xx interim responses are skipped, 204 and
 * 304 have no body. The body is kept only when asked (a protocol check needs it) and never
 * beyond maxBodyBytes. After a complete response, reset() before the next one; bytes fed
 * without it are malformed (nothing was asked for).
 */
export class ResponseParser {
  status = 0;
  /** Whether the connection may carry another request after this response. */
  keepAlive = true;
  private state = HEAD;
  private pendingHead: Buffer | undefined;
  private remaining = 0;
  private bodyBytes = 0;
  private chunks: Buffer[] = [];
  private sizeDigits = 0;
  private trailerBytes = 0;
  private contentLength = -1;
  private chunked = false;

  constructor(
    private readonly maxBodyBytes: number,
    private readonly keepBody: boolean,
  ) {}

  reset(): void {
    this.state = HEAD;
    this.status = 0;
    this.keepAlive = true;
    this.pendingHead = undefined;
    this.remaining = 0;
    this.bodyBytes = 0;
    if (this.chunks.length > 0) this.chunks = [];
  }

  /** The body of the complete response (empty unless keepBody). */
  body(): Buffer {
    const { chunks } = this;
    return chunks.length === 0 ? EMPTY : chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks);
  }

  /**
   * Parses buf[0, n) (n: all of it by default; the lean client reads into one buffer and gives the
   * count read): NEED_MORE, MALFORMED, TOO_LARGE, or (a response is complete) the offset in `buf`
   * just past its last byte.
   */
  execute(buf: Buffer, n = buf.length): number {
    let i = 0;
    while (i < n) {
      switch (this.state) {
        case HEAD: {
          const r = this.head(buf, i, n);
          if (r < 0) return r;
          i = r;
          if ((this.state as number) === DONE) return i;
          break;
        }
        case BODY: {
          const take = Math.min(this.remaining, n - i);
          if (!this.addBody(buf, i, i + take)) return TOO_LARGE;
          i += take;
          this.remaining -= take;
          if (this.remaining === 0) return this.done(i);
          break;
        }
        case UNTIL_CLOSE:
          if (!this.addBody(buf, i, n)) return TOO_LARGE;
          return NEED_MORE;
        case CHUNK_SIZE: {
          const c = buf[i++] as number;
          const v = hexValue(c);
          if (v >= 0) {
            this.remaining = this.remaining * 16 + v;
            this.sizeDigits++;
            if (this.remaining > MAX_CHUNK_SIZE) return MALFORMED;
          } else if (this.sizeDigits === 0) return MALFORMED;
          else if (c === CR) this.state = CHUNK_SIZE_LF;
          else if (c === 0x3b || c === 0x20 || c === 0x09) this.state = CHUNK_EXT;
          else return MALFORMED;
          break;
        }
        case CHUNK_EXT: {
          const c = buf[i++] as number;
          if (c === CR) this.state = CHUNK_SIZE_LF;
          else if (c === LF) return MALFORMED;
          else if (++this.trailerBytes > MAX_HEAD_BYTES) return MALFORMED;
          break;
        }
        case CHUNK_SIZE_LF:
          if (buf[i++] !== LF) return MALFORMED;
          if (this.remaining === 0) this.state = TRAILER_START;
          else {
            if (this.bodyBytes + this.remaining > this.maxBodyBytes) return TOO_LARGE;
            this.state = CHUNK_DATA;
          }
          break;
        case CHUNK_DATA: {
          const take = Math.min(this.remaining, n - i);
          if (!this.addBody(buf, i, i + take)) return TOO_LARGE;
          i += take;
          this.remaining -= take;
          if (this.remaining === 0) this.state = CHUNK_DATA_CR;
          break;
        }
        case CHUNK_DATA_CR:
          if (buf[i++] !== CR) return MALFORMED;
          this.state = CHUNK_DATA_LF;
          break;
        case CHUNK_DATA_LF:
          if (buf[i++] !== LF) return MALFORMED;
          this.state = CHUNK_SIZE;
          this.sizeDigits = 0;
          this.remaining = 0;
          break;
        case TRAILER_START: {
          const c = buf[i++] as number;
          if (c === CR) this.state = TRAILER_END_LF;
          else if (c === LF) return MALFORMED;
          else this.state = TRAILER_LINE;
          break;
        }
        case TRAILER_LINE: {
          const c = buf[i++] as number;
          if (++this.trailerBytes > MAX_HEAD_BYTES) return MALFORMED;
          if (c === CR) this.state = TRAILER_LINE_LF;
          break;
        }
        case TRAILER_LINE_LF:
          if (buf[i++] !== LF) return MALFORMED;
          this.state = TRAILER_START;
          break;
        case TRAILER_END_LF:
          if (buf[i++] !== LF) return MALFORMED;
          return this.done(i);
        default:
          // DONE: bytes nobody asked for.
          return MALFORMED;
      }
    }
    return NEED_MORE;
  }

  /** The connection ended (EOF): the offset 0 when that completes a close-delimited body, else NEED_MORE (cut short). */
  finish(): number {
    return this.state === UNTIL_CLOSE ? this.done(0) : NEED_MORE;
  }

  private done(at: number): number {
    this.state = DONE;
    return at;
  }

  private addBody(buf: Buffer, from: number, to: number): boolean {
    if (to <= from) return true;
    this.bodyBytes += to - from;
    if (this.bodyBytes > this.maxBodyBytes) return false;
    // A copy: the bytes read are not ours to keep (the lean client reads into one reused buffer).
    if (this.keepBody) this.chunks.push(Buffer.from(buf.subarray(from, to)));
    return true;
  }

  /** The head from buf[from, to): the offset past it, NEED_MORE or MALFORMED; sets the state for the body. */
  private head(buf: Buffer, from: number, to: number): number {
    let data = buf;
    let base = from;
    let search = from;
    let dataEnd = to;
    const pending = this.pendingHead;
    if (pending !== undefined) {
      data = Buffer.concat([pending, buf.subarray(from, to)]);
      base = 0;
      search = Math.max(0, pending.length - 3);
      dataEnd = data.length;
    }
    const end = headEnd(data, search, dataEnd);
    if (end < 0) {
      const len = dataEnd - base;
      if (len > MAX_HEAD_BYTES || !this.plausibleStart(data, base)) return MALFORMED;
      // A copy, as for the body.
      this.pendingHead = pending !== undefined ? data : Buffer.from(data.subarray(base, dataEnd));
      return NEED_MORE;
    }
    if (end + 4 - base > MAX_HEAD_BYTES) return MALFORMED;
    this.pendingHead = undefined;
    if (!this.parseHead(data, base, end)) return MALFORMED;
    // Offset in `buf` just past the head.
    const after = pending !== undefined ? from + (end + 4 - pending.length) : end + 4;
    return this.afterHead(after);
  }

  /** Whether the bytes so far can begin "HTTP/1.": garbage fails at once instead of waiting for a blank line. */
  private plausibleStart(data: Buffer, base: number): boolean {
    const prefix = "HTTP/1.";
    const len = Math.min(prefix.length, data.length - base);
    for (let k = 0; k < len; k++) if (data[base + k] !== prefix.charCodeAt(k)) return false;
    return true;
  }

  /** Status line and headers in data[base, end) (end: the first CR of CRLFCRLF). */
  private parseHead(data: Buffer, base: number, end: number): boolean {
    // "HTTP/1.x SSS" then a space or the line's end.
    if (end - base < 12 || !this.plausibleStart(data, base)) return false;
    const minor = data[base + 7] as number;
    if ((minor !== 0x30 && minor !== 0x31) || data[base + 8] !== 0x20) return false;
    let status = 0;
    for (let k = 9; k < 12; k++) {
      const d = (data[base + k] as number) - 0x30;
      if (d < 0 || d > 9) return false;
      status = status * 10 + d;
    }
    const sep = data[base + 12] as number;
    if (base + 12 !== end && sep !== 0x20 && sep !== CR) return false;
    this.status = status;
    let keepAlive = minor === 0x31;
    this.contentLength = -1;
    this.chunked = false;
    // Lines end at their LF (the last one at end + 1); the blank line's CR is at end + 2.
    const stop = end + 2;
    let line = Math.min(stop, scan(data, base + 12, stop, LF) + 1);
    while (line < stop) {
      const eol = scan(data, line, stop, LF);
      // The line is data[line, eol - 1) without its CR.
      const lineEnd = data[eol - 1] === CR ? eol - 1 : eol;
      const first = data[line] as number;
      if (first !== 0x20 && first !== 0x09) {
        const colon = scan(data, line, lineEnd, COLON);
        if (colon >= lineEnd || colon === line) return false;
        let v = colon + 1;
        while (v < lineEnd && (data[v] === 0x20 || data[v] === 0x09)) v++;
        let ve = lineEnd;
        while (ve > v && (data[ve - 1] === 0x20 || data[ve - 1] === 0x09)) ve--;
        const c0 = first | 0x20;
        if (c0 === 0x63 && nameIs(data, line, colon, "content-length")) {
          if (ve === v) return false;
          let cl = 0;
          for (let k = v; k < ve; k++) {
            const d = (data[k] as number) - 0x30;
            if (d < 0 || d > 9) return false;
            cl = cl * 10 + d;
          }
          if (this.contentLength >= 0 && this.contentLength !== cl) return false;
          this.contentLength = cl;
        } else if (c0 === 0x74 && nameIs(data, line, colon, "transfer-encoding")) {
          // Chunked when it is the last coding; any other coding is read to the end of the connection.
          this.chunked = data.toString("latin1", v, ve).toLowerCase().split(",").pop()?.trim() === "chunked";
          if (!this.chunked) keepAlive = false;
        } else if (c0 === 0x63 && nameIs(data, line, colon, "connection")) {
          // The common answers without a string: "keep-alive" and "close".
          if (nameIs(data, v, ve, "keep-alive")) keepAlive = true;
          else if (nameIs(data, v, ve, "close")) keepAlive = false;
          else {
            const tokens = data.toString("latin1", v, ve).toLowerCase();
            if (/(^|[\s,])close($|[\s,])/.test(tokens)) keepAlive = false;
            else if (/(^|[\s,])keep-alive($|[\s,])/.test(tokens)) keepAlive = true;
          }
        }
      }
      line = eol + 1;
    }
    // Chunked wins over a length (RFC 9112 §6.3), and the connection must close after such a message.
    if (this.chunked && this.contentLength >= 0) keepAlive = false;
    this.keepAlive = keepAlive;
    return true;
  }

  private afterHead(at: number): number {
    const s = this.status;
    if (s >= 100 && s < 200) {
      // An interim response: the real one follows. 101 (an upgrade nobody asked for) is not HTTP any more.
      if (s === 101) return MALFORMED;
      this.state = HEAD;
      return at;
    }
    if (s === 204 || s === 304) {
      this.state = DONE;
      return at;
    }
    if (this.chunked) {
      this.state = CHUNK_SIZE;
      this.remaining = 0;
      this.sizeDigits = 0;
      this.trailerBytes = 0;
      return at;
    }
    if (this.contentLength >= 0) {
      if (this.contentLength > this.maxBodyBytes) return TOO_LARGE;
      if (this.contentLength === 0) {
        this.state = DONE;
        return at;
      }
      this.state = BODY;
      this.remaining = this.contentLength;
      return at;
    }
    this.state = UNTIL_CLOSE;
    this.keepAlive = false;
    return at;
  }
}

/** Whether the lean client serves this request: plain http:, headers without line breaks, and not turned off. */
export function leanEligible(spec: HttpRequestSpec, env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.BENCH_HTTP_CLIENT === "library") return false;
  let url: URL;
  try {
    url = new URL(spec.url);
  } catch {
    return false;
  }
  if (url.protocol !== "http:") return false;
  for (const [k, v] of Object.entries(spec.headers)) if (/[\r\n]/.test(k) || /[\r\n]/.test(v)) return false;
  return true;
}

/** The request's bytes, once: request line, Host, the suite's headers, Content-Length, body. */
export function serializeRequest(spec: HttpRequestSpec): { bytes: Buffer; host: string; port: number } {
  const url = new URL(spec.url);
  const host = url.hostname.startsWith("[") ? url.hostname.slice(1, -1) : url.hostname;
  const port = url.port === "" ? 80 : Number(url.port);
  const body = spec.body === undefined ? undefined : typeof spec.body === "string" ? Buffer.from(spec.body, "utf8") : spec.body;
  let head = `${spec.method} ${url.pathname}${url.search} HTTP/1.1\r\nHost: ${url.host}\r\n`;
  for (const [k, v] of Object.entries(userHeaders(spec))) head += `${k}: ${v}\r\n`;
  if (body !== undefined) head += `Content-Length: ${body.length}\r\n`;
  head += "\r\n";
  const headBytes = Buffer.from(head, "latin1");
  return { bytes: body !== undefined && body.length > 0 ? Buffer.concat([headBytes, body]) : headBytes, host, port };
}

/** The size of the buffer reads land in (net's onread). */
const READ_BUFFER_BYTES = 64 * 1024;

/** Where a connection reports its one request's end and its own. */
export interface ConnectionOwner {
  /** The request out on `c` ended: a response (judged) or a failure; endNs is the clock when it did. */
  ended(c: LeanConnection, outcome: Outcome, endNs: bigint): void;
  /** `c` is gone (closed, failed or destroyed), after any ended() of its request. */
  gone(c: LeanConnection): void;
}

const OK: Outcome = { kind: "ok" };
const OUTCOMES: Record<ErrorKind, Outcome> = {
  timeouts: { kind: "timeouts" },
  refused: { kind: "refused" },
  dns: { kind: "dns" },
  reset: { kind: "reset" },
  malformed: { kind: "malformed" },
  tooLarge: { kind: "tooLarge" },
  other: { kind: "other" },
};
/** The shared Outcome object of an error kind. */
export const outcomeOf = (kind: ErrorKind): Outcome => OUTCOMES[kind];

/** What every connection of one cell shares: where to connect, the request's bytes, how to judge an answer. */
export interface LeanTarget {
  spec: HttpRequestSpec;
  /** Where every connection's reads land (one at a time: each is parsed before the next read). */
  readBuffer: Buffer;
  host: string;
  port: number;
  request: Buffer;
  maxBodyBytes: number;
  clock: Clock;
}

export function leanTarget(spec: HttpRequestSpec, clock: Clock = monotonicClock): LeanTarget {
  const { bytes, host, port } = serializeRequest(spec);
  return {
    spec,
    readBuffer: Buffer.allocUnsafe(READ_BUFFER_BYTES),
    host,
    port,
    request: bytes,
    maxBodyBytes: spec.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES,
    clock,
  };
}

/**
 * One keep-alive connection carrying one request at a time. A response is judged as the
 * libraries' paths judge it (status, then the protocol's check on the body when the spec has
 * one); the connection ends after a response that says Connection: close, after bytes nobody
 * asked for, and after any failure, which is classified as before: the server closing it under a
 * request is `reset`, an unparseable answer `malformed`, a body over the limit `tooLarge`, and
 * socket errors by their code (refused, dns, reset, …).
 */
export class LeanConnection {
  readonly socket: net.Socket;
  private readonly parser: ResponseParser;
  /** A request is out and its end not yet reported. */
  busy = false;
  /** No request may be written any more (closing or closed). */
  dead = false;
  private reportedGone = false;
  /** The owner's per-request data (the closed loop: the send time; the open loop: the request). */
  startNs = 0n;
  deadlineNs = 0;
  tag: unknown = undefined;

  constructor(
    private readonly target: LeanTarget,
    private readonly owner: ConnectionOwner,
  ) {
    this.parser = new ResponseParser(target.maxBodyBytes, target.spec.validate !== undefined);
    // onread: each read lands in the target's one buffer and comes straight here, without the
    // stream machinery ('data' events, a Buffer per read); what the parser keeps it copies.
    const socket = net.connect({
      host: target.host,
      port: target.port,
      onread: {
        buffer: target.readBuffer,
        callback: (nread: number, buf: Uint8Array): boolean => {
          // Net hands back the buffer it was given: parsed in place, no Buffer made per read.
          const { readBuffer } = target;
          if (buf === readBuffer) this.onData(readBuffer, nread);
          else this.onData(Buffer.from(buf.buffer, buf.byteOffset, nread), nread);
          return true;
        },
      },
    });
    socket.setNoDelay(true);
    this.socket = socket;
    socket.on("end", () => this.onEnd());
    socket.on("error", (err) => this.fail(classifyNetworkError(err)));
    socket.on("close", () => this.onClose());
  }

  /** Writes the request (before the connection is up, net buffers it). */
  send(): void {
    this.busy = true;
    this.socket.write(this.target.request);
  }

  /** Ends the connection without reporting its request (the owner counted it: a timeout). */
  abort(): void {
    this.busy = false;
    this.close();
  }

  close(): void {
    this.dead = true;
    this.socket.destroy();
  }

  /** chunk[0, n) was read. */
  private onData(chunk: Buffer, n: number): void {
    if (!this.busy) {
      // Bytes nobody asked for on an idle connection: it cannot be trusted with the next request.
      this.close();
      return;
    }
    const r = this.parser.execute(chunk, n);
    if (r === NEED_MORE) return;
    if (r === MALFORMED) return this.fail("malformed");
    if (r === TOO_LARGE) return this.fail("tooLarge");
    this.complete(r < n);
  }

  private complete(trailing: boolean): void {
    const endNs = this.target.clock();
    const p = this.parser;
    const { spec } = this.target;
    const status = p.status;
    let outcome: Outcome;
    if (trailing) outcome = OUTCOMES.malformed;
    else if (spec.validate === undefined && status >= 200 && status <= 299) outcome = OK;
    else outcome = responseOutcome(spec, status, () => p.body());
    if (trailing || !p.keepAlive) this.close();
    p.reset();
    this.busy = false;
    this.owner.ended(this, outcome, endNs);
  }

  private onEnd(): void {
    if (this.busy) {
      if (this.parser.finish() === 0) this.complete(false);
      else this.fail("reset");
    }
    this.close();
  }

  private fail(kind: ErrorKind): void {
    const wasBusy = this.busy;
    this.busy = false;
    this.close();
    if (wasBusy) this.owner.ended(this, OUTCOMES[kind], this.target.clock());
  }

  private onClose(): void {
    this.dead = true;
    if (this.busy) {
      // Closed under a request without an 'end' or an error first.
      this.busy = false;
      this.owner.ended(this, OUTCOMES.reset, this.target.clock());
    }
    if (this.reportedGone) return;
    this.reportedGone = true;
    this.owner.gone(this);
  }
}
