/**
 * `bench run`'s suites, read ahead of its plan (the run's fixed cost, docs/perf/cli.md). A module
 * of its own, not plan.ts: a trial's process imports plan.ts and needs none of this.
 */
import { Worker } from "node:worker_threads";
import { cachedSuite } from "../suite/cache.js";
import type { LoadedAhead } from "../suite/load-worker.js";

/**
 * The suites of `files`, for planSuites's `ahead`: from the suite cache (suite/cache.ts) those
 * that loaded before unchanged, the others read and validated in a worker thread
 * (suite/load-worker.ts) while the main thread loads the command's modules. Resolves to
 * undefined when the worker cannot do it (planSuites then loads every file itself). `onValidating`
 * is called when a worker is started.
 */
export function loadSuitesAhead(files: string[], onValidating?: () => void): Promise<LoadedAhead[] | undefined> {
  const cached = files.map((file): LoadedAhead => ({ file, suite: cachedSuite(file) ?? null }));
  const missing = cached.filter((c) => c.suite === null).map((c) => c.file);
  if (missing.length === 0) return Promise.resolve(cached);
  onValidating?.();
  return new Promise((resolve) => {
    try {
      const worker = new Worker(new URL("../suite/load-worker.js", import.meta.url), { workerData: missing });
      worker.once("message", (loaded: LoadedAhead[]) => {
        let next = 0;
        resolve(cached.map((c) => (c.suite !== null ? c : (loaded[next++] ?? c))));
      });
      worker.once("error", () => resolve(undefined));
      worker.once("exit", () => resolve(undefined));
      worker.unref();
    } catch {
      resolve(undefined);
    }
  });
}
