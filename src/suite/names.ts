/**
 * Lists of names from the suite schema that code reading a resolved suite needs at run time
 * (resolve.ts, the input planner, the runners), apart from schema.ts so that importing them does
 * not load zod and build the schema: a run validates its suites in a worker (cli/plan.ts), and
 * its main thread would otherwise load zod all the same (the run's fixed cost, docs/perf/cli.md).
 */
export const DTYPES = ["float32", "float16", "float64", "int8", "uint8", "int16", "uint16", "int32", "uint32", "int64", "uint64", "bool"] as const;

/** The streaming protocols: OpenAI-compatible chat and text completions over Server-Sent Events. */
export const OPENAI_PROTOCOLS = ["openai-chat", "openai-completions"] as const;

/**
 * Bounds of every number a suite can give: far beyond any real benchmark, and below what breaks
 * the tool (a sample buffer of maxIterations floats, Node's timer limit, a thread pool of
 * `threads`). Every message states the allowed range.
 */
export const LIMITS = {
  seed: 4_294_967_295,
  batch: 1_000_000,
  threads: 1024,
  concurrency: 10_000,
  ratePerS: 1_000_000,
  warmupIterations: 100_000,
  iterations: 10_000_000,
  /** Node's timer limit (setTimeout's delay is a signed 32-bit number of ms, about 24.8 days). */
  timeMs: 2_147_483_647,
  trials: 1000,
  dimension: 1_000_000,
  requests: 10_000_000,
  connections: 10_000,
  tokens: 1_000_000,
} as const;
