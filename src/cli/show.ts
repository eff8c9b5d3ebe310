import { renderRunJson } from "../report/json.js";
import { renderRunTable } from "../report/table.js";
import { Store } from "../store/db.js";
import { useColor } from "./output.js";
import { checkRunRef, resolveRun } from "./run-ref.js";
import { type Outcome, OK } from "./outcome.js";

export interface ShowOptions {
  db: string;
  json?: boolean;
  samples?: boolean;
}

export function showCommand(ref: string, opts: ShowOptions & { baselines: string }): Outcome | Promise<Outcome> {
  // DESIGN.md: a run may be named baseline:NAME wherever a run is expected. The baselines' reader
  // (and zod, ~15 ms) only then.
  if (ref.startsWith("baseline:")) return import("./baseline.js").then((m) => m.baselineShowCommand(ref.slice("baseline:".length), opts));
  checkRunRef(ref);
  const store = Store.open(opts.db, { mode: "read" });
  try {
    const { run, cells } = store.loadRun(resolveRun(store, ref));
    if (opts.json) {
      const samplesNs = opts.samples ? (cellId: string) => store.loadSamples(run.id, cellId) : undefined;
      process.stdout.write(renderRunJson({ run, cells }, { samplesNs }));
    } else process.stdout.write(renderRunTable({ run, cells }, { color: useColor(process.stdout) }));
    return OK;
  } finally {
    store.close();
  }
}
