import { renderRunJson } from "../report/json.js";
import { baselineShowCommand } from "./baseline.js";
import { renderRunTable } from "../report/table.js";
import { Store } from "../store/db.js";
import { useColor } from "./output.js";
import { checkRunRef, resolveRun } from "./sides.js";
import { type Outcome, OK } from "./outcome.js";

export interface ShowOptions {
  db: string;
  json?: boolean;
  samples?: boolean;
}

export function showCommand(ref: string, opts: ShowOptions & { baselines: string }): Outcome {
  // DESIGN.md: a run may be named baseline:NAME wherever a run is expected.
  if (ref.startsWith("baseline:")) return baselineShowCommand(ref.slice("baseline:".length), opts);
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
