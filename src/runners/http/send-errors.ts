import { classifyNetworkError } from "../../load/recorder.js";
import { DEFAULT_MAX_RESPONSE_BYTES } from "../../load/types.js";

/**
 * Why one request to a server failed, in words that say what to check: the single requests of a
 * remote cell (metadata, cold start, warm-up, one call at a time) fail the cell with this, where
 * the load generators count the same failures by kind (see LoadErrors).
 */
export function describeRequestError(err: unknown, timeoutMs: number, maxResponseBytes = DEFAULT_MAX_RESPONSE_BYTES): string {
  const name = typeof err === "object" && err !== null ? (err as { name?: unknown }).name : undefined;
  const raw = err instanceof Error ? err.message : String(err);
  if (name === "TimeoutError" || name === "AbortError") {
    return `no complete response within ${timeoutMs} ms (timeouts; raise the target's timeoutMs if the server is only slow)`;
  }
  switch (classifyNetworkError(err)) {
    case "refused":
      return `connection refused (refused; is the server up, and is the URL's port right?): ${raw}`;
    case "dns":
      return `host name not found (dns; check the URL's host): ${raw}`;
    case "reset":
      return `connection reset or closed before the response was complete (reset): ${raw}`;
    case "timeouts":
      return `no response in time (timeouts): ${raw}`;
    case "malformed":
      return `the answer is not a valid HTTP response (malformed): ${raw}`;
    case "tooLarge":
      return `response body over ${maxResponseBytes} bytes (tooLarge): the read was stopped`;
    case "other":
      return raw;
  }
}
