import { compareSides } from "../compare/index.js";
import { loadSide } from "./sides.js";
import { Store } from "../store/db.js";
import { checkOutputFiles, type GateOptions, reportDiffs } from "./gate.js";
import type { Outcome } from "./outcome.js";

export interface DiffOptions extends GateOptions {
  db: string;
  baselines: string;
  threshold?: number;
  metric?: string[];
  seed?: number;
}

export function diffCommand(baseRef: string, headRef: string, opts: DiffOptions): Outcome {
  checkOutputFiles(opts);
  let store: Store | undefined;
  const ctx = { store: () => (store ??= Store.open(opts.db, { mode: "read" })), baselinesDir: opts.baselines };
  try {
    const head = loadSide(headRef, ctx);
    const base = loadSide(baseRef, { ...ctx, suiteHint: head.suite });
    const diff = compareSides(base, head, opts, opts.seed ?? 1);
    return reportDiffs([{ diff, title: head.suite, gating: opts.failOnRegression === true }], opts);
  } finally {
    store?.close();
  }
}
