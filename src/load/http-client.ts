import { Pool } from "undici";
import { checkRequest, userHeaders } from "./http-common.js";
import { DEFAULT_MAX_RESPONSE_BYTES, type HttpRequestSpec } from "./types.js";

/** A complete response: status and the whole body. */
export interface HttpResponse {
  status: number;
  body: Buffer;
}

/**
 * The one undici client path of a remote cell outside the closed loop: the single requests (cold
 * start, warm-up, one call at a time) and the open loop send through the same Pool code, so their
 * latencies carry the same client overhead. Timeouts are the caller's (an AbortSignal, which also
 * ends a body that trickles in); undici's own are off. A body over the spec's maxResponseBytes
 * ends the read with undici's UND_ERR_RES_EXCEEDED_MAX_SIZE, so a huge answer cannot fill memory.
 */
export class HttpClient {
  private readonly pool: Pool;
  private readonly path: string;
  private readonly headers: Record<string, string>;

  constructor(
    private readonly spec: HttpRequestSpec,
    connections: number,
  ) {
    const url = checkRequest(spec);
    this.pool = new Pool(url.origin, {
      connections,
      pipelining: 1,
      headersTimeout: 0,
      bodyTimeout: 0,
      connect: { timeout: spec.timeoutMs },
      maxResponseSize: spec.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES,
    });
    this.path = url.pathname + url.search;
    this.headers = userHeaders(spec);
  }

  /** Send the request and read the whole body; rejects on a network error or when `signal` aborts. */
  async send(signal: AbortSignal): Promise<HttpResponse> {
    const { spec } = this;
    const res = await this.pool.request({ path: this.path, method: spec.method, headers: this.headers, body: spec.body, signal });
    const chunks: Buffer[] = [];
    for await (const chunk of res.body) chunks.push(chunk as Buffer);
    return { status: res.statusCode, body: Buffer.concat(chunks) };
  }

  close(): Promise<void> {
    return this.pool.destroy();
  }
}
