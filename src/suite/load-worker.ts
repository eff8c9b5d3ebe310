/**
 * loadSuite in a worker thread (cli/load-ahead.ts loadSuitesAhead): `bench run` reads and validates its
 * suite files here (YAML, zod: ~200 ms of loading and parsing) while its main thread loads the
 * command's own modules (the run's fixed cost, docs/perf/cli.md). Only suites that loaded are
 * sent back, and kept in the suite cache (suite/cache.ts) for the next run; a file with a problem
 * is loaded again on the main thread, which reports it as always.
 */
import { parentPort, workerData } from "node:worker_threads";
import { storeSuite } from "./cache.js";
import { readSuite } from "./load.js";
import type { ResolvedSuite } from "./resolve.js";

export type LoadedAhead = { file: string; suite: ResolvedSuite } | { file: string; suite: null };

const files = workerData as string[];
parentPort?.postMessage(
  files.map((file): LoadedAhead => {
    try {
      const { suite, bytes } = readSuite(file);
      storeSuite(file, bytes, suite);
      return { file, suite };
    } catch {
      return { file, suite: null };
    }
  }),
);
