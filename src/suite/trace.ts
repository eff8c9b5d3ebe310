import { createHash } from "node:crypto";
import { fileProblem, fsProblem, readCheckedFile } from "./files.js";
import { LIMITS } from "./names.js";

/**
 * A request trace to replay (`load: { arrival: trace, trace: FILE }`): JSONL, one request a line,
 * with `timestamp` in ms (Mooncake's and AIPerf's key); offsets run from the first line's
 * timestamp. Generative targets may take `input_length` / `output_length` (tokens) or `prompt`
 * per line; every other key (hash_ids, …) is ignored.
 */
export interface TraceEntry {
  /** ms after the first line's timestamp. */
  offsetMs: number;
  inputLength?: number;
  outputLength?: number;
  prompt?: string;
}

export interface Trace {
  entries: TraceEntry[];
  sha256: string;
  /** From the first to the last timestamp, ms (> 0). */
  spanMs: number;
}

/** A trace is read whole into memory: 256 MiB is millions of lines. */
export const MAX_TRACE_BYTES = 256 * 1024 * 1024;

/** A problem with a trace file: one line, `FILE:LINE: what is wrong; the fix`. */
export class TraceError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "TraceError";
  }
}

const tokens = (v: unknown): v is number => typeof v === "number" && Number.isInteger(v) && v >= 1 && v <= LIMITS.tokens;

/**
 * Reads and checks a trace file. `shown` is the name used in messages (as the suite wrote it).
 * Throws a TraceError naming the file, the line and the fix: not JSON, no numeric timestamp, a
 * timestamp earlier than the line before (a trace is replayed in file order: sort it), fewer than
 * two requests or a span of 0 (no rate to speak of).
 */
export function readTrace(file: string, shown = file): Trace {
  const problem = fileProblem(file, "trace (JSONL)", MAX_TRACE_BYTES);
  if (problem) throw new TraceError(`${shown}: ${problem}`);
  let bytes: Buffer;
  try {
    bytes = readCheckedFile(file, "trace (JSONL)", MAX_TRACE_BYTES);
  } catch (err) {
    throw new TraceError(`${shown}: ${(err as NodeJS.ErrnoException).code ? fsProblem(err, "trace (JSONL)") : (err as Error).message}`);
  }
  if (bytes.length > MAX_TRACE_BYTES) throw new TraceError(`${shown}: grew past ${MAX_TRACE_BYTES} bytes while being read`);
  const entries: TraceEntry[] = [];
  let first = Number.NaN;
  let last = Number.NaN;
  let lastLine = 0;
  const lines = bytes.toString("utf8").split("\n");
  for (const [i, raw] of lines.entries()) {
    const line = raw.trim();
    if (line === "") continue;
    const at = `${shown}:${i + 1}`;
    let doc: unknown;
    try {
      doc = JSON.parse(line);
    } catch {
      throw new TraceError(`${at}: not JSON; a trace has one JSON object per line, e.g. {"timestamp": 0, "output_length": 64}`);
    }
    if (doc === null || typeof doc !== "object" || Array.isArray(doc)) {
      throw new TraceError(`${at}: not a JSON object; a trace has one object per line, e.g. {"timestamp": 0}`);
    }
    const d = doc as Record<string, unknown>;
    const ts = d.timestamp;
    if (typeof ts !== "number" || !Number.isFinite(ts) || ts < 0) {
      throw new TraceError(
        `${at}: 'timestamp' must be a number of ms from the trace's start (got ${ts === undefined ? "none" : JSON.stringify(ts)}); e.g. {"timestamp": 1500}`,
      );
    }
    if (ts < last) {
      throw new TraceError(
        `${at}: timestamp ${ts} is earlier than line ${lastLine}'s ${last}; sort the trace by timestamp (e.g. sort -t: -k2 -n, or jq -s 'sort_by(.timestamp)[]' -c)`,
      );
    }
    if (Number.isNaN(first)) first = ts;
    last = ts;
    lastLine = i + 1;
    const entry: TraceEntry = { offsetMs: ts - first };
    for (const [key, field] of [
      ["input_length", "inputLength"],
      ["output_length", "outputLength"],
    ] as const) {
      const v = d[key];
      if (v === undefined) continue;
      if (!tokens(v)) throw new TraceError(`${at}: '${key}' must be a whole number of tokens from 1 to ${LIMITS.tokens} (got ${JSON.stringify(v)})`);
      entry[field] = v;
    }
    if (d.prompt !== undefined) {
      if (typeof d.prompt !== "string") throw new TraceError(`${at}: 'prompt' must be a string (got ${JSON.stringify(d.prompt)})`);
      entry.prompt = d.prompt;
    }
    entries.push(entry);
    if (entries.length > LIMITS.requests) throw new TraceError(`${at}: more than ${LIMITS.requests} requests; cut the trace`);
  }
  if (entries.length === 0) throw new TraceError(`${shown}: no requests; a trace has one JSON object per line, e.g. {"timestamp": 0}`);
  const spanMs = last - first;
  if (entries.length < 2 || !(spanMs > 0)) {
    throw new TraceError(
      `${shown}: ${entries.length} request${entries.length === 1 ? "" : "s"} all at timestamp ${first}; a trace needs at least two distinct timestamps (its span sets the rate)`,
    );
  }
  return { entries, sha256: createHash("sha256").update(bytes).digest("hex"), spanMs };
}

/** What a suite's plan keeps of a trace (the entries are read again at run time and checked against the hash). */
export interface TracePlan {
  /** Absolute path. */
  file: string;
  /** As the suite wrote it. */
  path: string;
  sha256: string;
  requests: number;
  spanMs: number;
  /** The time scale: 2 replays the trace twice as fast. */
  speedup: number;
  /** The trace's mean rate at `speedup`: requests / span, req/s (the cell's rate when the matrix gives none). */
  rate: number;
  /** The suite's load.durationMs, which cuts a longer replay short; null: the whole trace. */
  capMs: number | null;
}

/** A rate to 6 significant digits: what a cell id shows. */
export function roundRate(rate: number): number {
  return Number(rate.toPrecision(6));
}

export function tracePlan(trace: Trace, file: string, path: string, speedup: number, capMs: number | null): TracePlan {
  return {
    file,
    path,
    sha256: trace.sha256,
    requests: trace.entries.length,
    spanMs: trace.spanMs,
    speedup,
    rate: roundRate(((trace.entries.length * 1000) / trace.spanMs) * speedup),
    capMs,
  };
}
