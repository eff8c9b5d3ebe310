import { diffSides } from "../compare/diff.js";
import { environmentTolerances, resolvePolicy } from "../compare/policy.js";
import { loadSide } from "../compare/source.js";
import { Store } from "../store/db.js";
import { type GateOptions, reportDiff } from "./gate.js";

export interface DiffOptions extends GateOptions {
  db: string;
  baselines: string;
  threshold?: number;
  metric?: string[];
  seed?: number;
}

export function diffCommand(baseRef: string, headRef: string, opts: DiffOptions): number {
  let store: Store | undefined;
  const ctx = { store: () => (store ??= Store.open(opts.db, { create: false })), baselinesDir: opts.baselines };
  try {
    const head = loadSide(headRef, ctx);
    const base = loadSide(baseRef, { ...ctx, suiteHint: head.suite });
    const policy = resolvePolicy(base, head, opts);
    const d = diffSides(base, head, { policy, environment: environmentTolerances(base, head), seed: opts.seed ?? 1 });
    return reportDiff(d, { ...opts, title: head.suite });
  } finally {
    store?.close();
  }
}
