/**
 * Lists of names from the suite schema that code reading a resolved suite needs at run time
 * (resolve.ts, the input planner, the runners), apart from schema.ts so that importing them does
 * not load zod and build the schema: a run validates its suites in a worker (cli/plan.ts), and
 * its main thread would otherwise load zod all the same (the run's fixed cost, docs/perf/cli.md).
 */
export const DTYPES = ["float32", "float16", "float64", "int8", "uint8", "int16", "uint16", "int32", "uint32", "int64", "uint64", "bool"] as const;

/** The streaming protocols: OpenAI-compatible chat and text completions over Server-Sent Events. */
export const OPENAI_PROTOCOLS = ["openai-chat", "openai-completions"] as const;
