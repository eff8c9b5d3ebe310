import { ExitCode } from "../errors.js";
import { renderRunJson, runDocument, withSamples } from "../report/json.js";
import { baselineShowCommand } from "./baseline.js";
import { renderRunTable } from "../report/table.js";
import { Store } from "../store/db.js";
import { useColor } from "./output.js";

export interface ShowOptions {
  db: string;
  json?: boolean;
  samples?: boolean;
}

export function showCommand(ref: string, opts: ShowOptions & { baselines: string }): number {
  // DESIGN.md: a run may be named baseline:NAME wherever a run is expected.
  if (ref.startsWith("baseline:")) return baselineShowCommand(ref.slice("baseline:".length), opts);
  const store = Store.open(opts.db, { create: false });
  try {
    const { run, cells } = store.loadRun(store.resolveRun(ref));
    if (opts.json && opts.samples) {
      const doc = runDocument({ run, cells });
      process.stdout.write(`${JSON.stringify({ ...doc, cells: withSamples(cells, run.id, store) }, null, 2)}\n`);
    } else if (opts.json) process.stdout.write(renderRunJson({ run, cells }));
    else process.stdout.write(renderRunTable({ run, cells }, { color: useColor(process.stdout) }));
    return ExitCode.ok;
  } finally {
    store.close();
  }
}
