import { createParser } from "eventsource-parser";
import { Pool } from "undici";
import { checkRequest, userHeaders } from "../../load/http-common.js";
import { classifyNetworkError } from "../../load/recorder.js";
import { DEFAULT_MAX_RESPONSE_BYTES, type HttpRequestSpec, type Outcome } from "../../load/types.js";
import type { Clock } from "../../util/clock.js";
import { parseStreamEvent, type Usage } from "./openai.js";

/** How a stream went wrong, when it did; the request's outcome says which LoadErrors bucket it counts in. */
export type StreamFault = "errorEvent" | "stall" | "cut" | "malformedEvent" | "noTokens";

/** One streamed request, as read: nothing here is a token count yet (that needs the whole text, see generative-load.ts). */
export interface StreamRecord {
  outcome: Outcome;
  fault: StreamFault | null;
  /** The error event's message, or the network error's. */
  message: string | null;
  /** When the request was due (open loop: its scheduled start; closed loop: when it was sent), clock ns. */
  startNs: bigint;
  /** The end of the response body, clock ns. */
  endNs: bigint;
  /** Arrival of each chunk that carried text, ns after startNs (several events in one read share a time). */
  contentNs: number[];
  /** Every text delta joined: what a local tokenizer counts. */
  text: string;
  /** The server's count, from a usage chunk, or null. */
  usage: Usage | null;
  /** Data events with neither text nor usage (a role-only first delta counts too). */
  emptyChunks: number;
  /** The synthetic prompt's planned length in tokens (set by the caller), or null. */
  plannedInputTokens: number | null;
}

/**
 * Streams Server-Sent Events from an OpenAI-compatible endpoint through one undici Pool, timing
 * every read: events parsed from a read get that read's arrival time (eventsource-parser v3;
 * https://github.com/rexxars/eventsource-parser). A request never throws: an error event, a
 * stall, a cut connection or a malformed event ends it with an outcome and a fault.
 */
export class StreamClient {
  private readonly pool: Pool;
  private readonly path: string;
  private readonly headers: Record<string, string>;
  private readonly maxBytes: number;

  constructor(
    private readonly spec: Pick<HttpRequestSpec, "url" | "headers" | "timeoutMs" | "maxResponseBytes" | "method" | "body">,
    connections: number,
    private readonly clock: Clock,
    /** No bytes for this long after the answer began: the stream is stalled and given up. */
    private readonly stallMs: number | null,
  ) {
    const url = checkRequest({ ...spec });
    this.maxBytes = spec.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
    this.pool = new Pool(url.origin, { connections, pipelining: 1, headersTimeout: 0, bodyTimeout: 0, connect: { timeout: spec.timeoutMs } });
    this.path = url.pathname + url.search;
    this.headers = { ...userHeaders(spec), accept: "text/event-stream" };
  }

  /** Sends `body` and reads the stream; the timeout runs from `startNs`. */
  async send(body: string, startNs: bigint): Promise<StreamRecord> {
    const rec: StreamRecord = {
      outcome: { kind: "ok" },
      fault: null,
      message: null,
      startNs,
      endNs: startNs,
      contentNs: [],
      text: "",
      usage: null,
      emptyChunks: 0,
      plannedInputTokens: null,
    };
    const remainingMs = this.spec.timeoutMs - Number(this.clock() - startNs) / 1e6;
    const end = (outcome: Outcome, fault: StreamFault | null, message: string | null = null): StreamRecord => {
      rec.endNs = this.clock();
      rec.outcome = outcome;
      rec.fault = fault;
      rec.message = message;
      return rec;
    };
    if (remainingMs <= 0) return end({ kind: "timeouts" }, null);
    const abort = new AbortController();
    let why: "timeout" | "stall" | null = null;
    const timer = setTimeout(() => {
      why = "timeout";
      abort.abort();
    }, remainingMs);
    let stallTimer: NodeJS.Timeout | undefined;
    const watch = (): void => {
      if (this.stallMs === null) return;
      clearTimeout(stallTimer);
      stallTimer = setTimeout(() => {
        why = "stall";
        abort.abort();
      }, this.stallMs);
    };
    let answered = false;
    try {
      const res = await this.pool.request({ path: this.path, method: "POST", headers: this.headers, body, signal: abort.signal });
      answered = true;
      if (res.statusCode < 200 || res.statusCode > 299) {
        const text = await readSome(res.body, 4096);
        return end({ kind: "status", status: res.statusCode }, null, text);
      }
      watch();
      // Set by the parser's callback, which flow analysis does not follow.
      const st: { done: boolean; finished: boolean; failure: { fault: StreamFault; message: string | null } | null } = {
        done: false,
        finished: false,
        failure: null,
      };
      let now = 0;
      const parser = createParser({
        onEvent: (ev) => {
          if (st.failure !== null) return;
          const e = parseStreamEvent(ev.data);
          switch (e.kind) {
            case "done":
              st.done = true;
              return;
            case "error":
              st.failure = { fault: "errorEvent", message: e.message };
              return;
            case "malformed":
              st.failure = { fault: "malformedEvent", message: ev.data.slice(0, 200) };
              return;
            case "usage":
              rec.usage = e.usage;
              break;
            case "text":
              break;
          }
          if (e.finished) st.finished = true;
          if (e.text.length > 0) {
            rec.text += e.text;
            rec.contentNs.push(now);
          } else if (e.kind === "text" && !e.meta) rec.emptyChunks++;
        },
      });
      const decoder = new TextDecoder();
      let bytes = 0;
      for await (const chunk of res.body) {
        now = Number(this.clock() - startNs);
        watch();
        const buf = chunk as Buffer;
        bytes += buf.length;
        if (bytes > this.maxBytes) {
          res.body.destroy();
          return end({ kind: "tooLarge" }, null);
        }
        parser.feed(decoder.decode(buf, { stream: true }));
        if (st.failure !== null) break;
      }
      parser.reset({ consume: true });
      const f = st.failure;
      if (f !== null) {
        res.body.destroy();
        return end({ kind: f.fault === "errorEvent" ? "other" : "malformed" }, f.fault, f.message);
      }
      // A stream that ends with neither [DONE] nor a finish_reason was cut short.
      if (!st.done && !st.finished) return end({ kind: "reset" }, "cut", "the stream ended without [DONE] or a finish_reason");
      if (rec.contentNs.length === 0) return end({ kind: "malformed" }, "noTokens", "the stream carried no text");
      return end({ kind: "ok" }, null);
    } catch (err) {
      // The timers' callbacks set `why`; flow analysis cannot see that.
      const reason = why as "timeout" | "stall" | null;
      if (reason === "stall") return end({ kind: "timeouts" }, "stall", `no bytes for ${this.stallMs} ms`);
      if (reason === "timeout") return end({ kind: "timeouts" }, answered ? "stall" : null, `no complete stream within ${this.spec.timeoutMs} ms`);
      const kind = classifyNetworkError(err);
      return end({ kind }, answered && kind === "reset" ? "cut" : null, err instanceof Error ? err.message : String(err));
    } finally {
      clearTimeout(timer);
      clearTimeout(stallTimer);
    }
  }

  close(): Promise<void> {
    return this.pool.destroy();
  }
}

async function readSome(body: AsyncIterable<unknown> & { destroy(): void }, max: number): Promise<string> {
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const c of body) {
    chunks.push(c as Buffer);
    n += (c as Buffer).length;
    if (n >= max) {
      body.destroy();
      break;
    }
  }
  return Buffer.concat(chunks).toString("utf8", 0, max);
}
