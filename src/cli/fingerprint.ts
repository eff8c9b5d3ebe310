import path from "node:path";
import { environmentTolerances } from "../compare/policy.js";
import { fingerprintDifferences } from "../compare/env.js";
import { UserError } from "../errors.js";
import { collectFingerprint, lastGathering } from "../fingerprint/index.js";
import { renderFingerprint, renderFingerprintDiff } from "../report/fingerprint.js";
import { Store } from "../store/db.js";
import { loadSide } from "./sides.js";
import { type Outcome, OK } from "./outcome.js";

export interface FingerprintOptions {
  json?: boolean;
  diff?: boolean;
  db: string;
  baselines: string;
}

export async function fingerprintCommand(args: string[], opts: FingerprintOptions): Promise<Outcome> {
  if (opts.diff) return diffFingerprints(args, opts);
  if (args.length > 1)
    throw new UserError(`bench fingerprint takes one suite file, got ${args.length} arguments (to compare two runs: bench fingerprint --diff A B)`);
  const suiteFile = args[0];
  let models: Record<string, string> = {};
  let data: Record<string, string> = {};
  let cwd = process.cwd();
  let file: string | undefined;
  if (suiteFile) {
    const { loadSuite } = await import("../suite/load.js");
    const { dataFiles, modelFiles } = await import("../suite/resolve.js");
    const suite = loadSuite(suiteFile);
    models = modelFiles(suite);
    data = dataFiles(suite);
    cwd = path.dirname(suite.file);
    file = suite.file;
  }
  const fp = await collectFingerprint(models, cwd, file, data);
  process.stdout.write(opts.json ? `${JSON.stringify(fp, null, 2)}\n` : renderFingerprint(fp));
  process.stderr.write(`gathered in ${lastGathering.ms.toFixed(0)} ms${lastGathering.hardwareCached ? " (hardware from this boot's cache)" : ""}\n`);
  return OK;
}

/** `bench fingerprint --diff A B`: what changed between the machines and software of two runs (or baselines, or JSON files). */
function diffFingerprints(args: string[], opts: FingerprintOptions): Outcome {
  if (args.length !== 2) throw new UserError(`bench fingerprint --diff needs two runs (ids, latest~N, baseline:NAME or JSON files), got ${args.length}`);
  const [baseRef, headRef] = args as [string, string];
  let store: Store | undefined;
  const ctx = {
    store: () => (store ??= Store.open(opts.db, { mode: "read" })),
    baselinesDir: opts.baselines,
  };
  try {
    const head = loadSide(headRef, ctx);
    const base = loadSide(baseRef, { ...ctx, suiteHint: head.suite });
    const diffs = fingerprintDifferences(base.fingerprint, head.fingerprint, environmentTolerances(base, head));
    if (opts.json)
      process.stdout.write(
        `${JSON.stringify({ base: base.label, head: head.label, baseRun: base.runId, headRun: head.runId, differences: diffs }, null, 2)}\n`,
      );
    else process.stdout.write(renderFingerprintDiff(base.label, head.label, diffs));
    return OK;
  } finally {
    store?.close();
  }
}
