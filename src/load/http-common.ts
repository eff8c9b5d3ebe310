import type { HttpRequestSpec, Outcome } from "./types.js";

/** Headers the client library sets itself (framing, connection management): passing them too would duplicate or conflict. */
const MANAGED_HEADERS = new Set(["content-length", "connection", "keep-alive", "transfer-encoding", "upgrade", "host"]);

export function userHeaders(spec: HttpRequestSpec): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(spec.headers)) if (!MANAGED_HEADERS.has(k.toLowerCase())) out[k] = v;
  return out;
}

/** The outcome of a complete response: non-2xx by status, then the protocol's validation. */
export function responseOutcome(spec: HttpRequestSpec, status: number, body: () => Buffer): Outcome {
  if (status < 200 || status > 299) return { kind: "status", status };
  if (spec.validate !== undefined) {
    let valid: boolean;
    try {
      valid = spec.validate(status, body());
    } catch {
      valid = false;
    }
    if (!valid) return { kind: "malformed" };
  }
  return { kind: "ok" };
}

export function checkRequest(spec: HttpRequestSpec): URL {
  let url: URL;
  try {
    url = new URL(spec.url);
  } catch {
    throw new TypeError(`request.url is not a valid URL: '${spec.url}'`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new TypeError(`request.url must be http:// or https://, got '${spec.url}'`);
  }
  if (!(spec.timeoutMs > 0)) throw new RangeError(`request.timeoutMs must be positive, got ${spec.timeoutMs}`);
  return url;
}
