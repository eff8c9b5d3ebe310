/**
 * loadSuite in a worker thread (cli/plan.ts loadSuitesAhead): `bench run` reads and validates its
 * suite files here (YAML, zod: ~200 ms of loading and parsing) while its main thread loads the
 * command's own modules (the run's fixed cost, docs/perf/cli.md). Only suites that loaded are
 * sent back; a file with a problem is loaded again on the main thread, which reports it as always.
 */
import { parentPort, workerData } from "node:worker_threads";
import { loadSuite } from "./load.js";
import type { ResolvedSuite } from "./resolve.js";

export type LoadedAhead = { file: string; suite: ResolvedSuite } | { file: string; suite: null };

const files = workerData as string[];
parentPort?.postMessage(
  files.map((file): LoadedAhead => {
    try {
      return { file, suite: loadSuite(file) };
    } catch {
      return { file, suite: null };
    }
  }),
);
