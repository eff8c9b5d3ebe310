import { z } from "zod";
import { UserError } from "../errors.js";
import type { CellResult, RunInfo, TrialInfo } from "../results.js";
import { packSamples, unpackSamples } from "../store/codec.js";
import type { Store } from "../store/db.js";

/** A run with everything stored of it: what `bench export` writes and `bench import` and `bench merge` read. */
export interface RunData {
  run: RunInfo;
  resolvedSuite: unknown;
  cells: { ordinal: number; result: CellResult; latencyNs: Float64Array | undefined }[];
  trials: { infos: TrialInfo[]; cells: { trial: number; ordinal: number; result: CellResult; latencyNs: Float64Array | undefined }[] };
}

export const EXPORT_FORMAT = "bench-run";
export const EXPORT_VERSION = 1;

/** A run as stored, in one self-contained value (its import metadata, which is the store's and not the run's, left out). */
export function exportRun(store: Store, id: string): RunData {
  const { run, cells, resolvedSuite } = store.loadRun(id);
  if (run.status === "running") throw new UserError(`${id}: the run is still running; export it when it has finished`);
  const ordinals = store.cellOrdinals(id);
  const { imported: _imported, ...origin } = run.origin ?? {};
  const { origin: _origin, ...plain } = run;
  return {
    run: Object.keys(origin).length > 0 ? { ...plain, origin } : plain,
    resolvedSuite,
    cells: cells.map((result, i) => ({ ordinal: ordinals.get(result.id) ?? i, result, latencyNs: store.loadSamples(id, result.id) })),
    trials: store.loadTrials(id),
  };
}

/** Stores `data` as it is, under its own id, all of it or nothing. */
export function importRun(store: Store, data: RunData, imported?: { file: string; at: string }): void {
  const { run } = data;
  if (store.hasRun(run.id)) throw new UserError(`run ${run.id} is already in ${store.file}; it was imported or merged there before`);
  const origin = imported ? { ...run.origin, imported } : run.origin;
  store.atomically(`storing run ${run.id}`, () => {
    store.createRun({ ...run, ...(origin ? { origin } : {}), resolvedSuite: data.resolvedSuite });
    for (const t of data.trials.cells) store.saveTrialCell(run.id, t.trial, t.ordinal, t.result, t.latencyNs);
    for (const info of data.trials.infos) store.saveTrialInfo(run.id, info);
    for (const c of data.cells) store.saveCell(run.id, c.ordinal, c.result, c.latencyNs);
  });
}

/** Samples in the export: the store's own lossless packing (codec.ts), in base64. */
const encodeSamples = (ns: Float64Array | undefined) => (ns && ns.length > 0 ? packSamples(ns).toString("base64") : null);

function decodeSamples(text: string | null, where: string): Float64Array | undefined {
  if (text === null) return undefined;
  const stored = unpackSamples(Buffer.from(text, "base64"));
  if (stored.kind !== "samples") throw new Error(`${where}: samples stored as a reference`);
  return stored.ns;
}

/** The export's JSON text: stable, so that export → import → export gives the same bytes. */
export function exportText(data: RunData): string {
  const doc = {
    format: EXPORT_FORMAT,
    version: EXPORT_VERSION,
    run: data.run,
    resolvedSuite: data.resolvedSuite,
    cells: data.cells.map((c) => ({ ordinal: c.ordinal, result: c.result, samples: encodeSamples(c.latencyNs) })),
    trials: {
      infos: data.trials.infos,
      cells: data.trials.cells.map((t) => ({ trial: t.trial, ordinal: t.ordinal, result: t.result, samples: encodeSamples(t.latencyNs) })),
    },
  };
  return `${JSON.stringify(doc)}\n`;
}

const cellShape = z.looseObject({ id: z.string(), status: z.string() });
const EXPORT_SCHEMA = z.object({
  format: z.literal(EXPORT_FORMAT),
  version: z.literal(EXPORT_VERSION),
  run: z.looseObject({
    id: z.string().regex(/^[\w.-]{1,64}$/),
    suite: z.string(),
    status: z.enum(["completed", "failed", "interrupted", "abandoned"]),
    startedAt: z.string(),
    fingerprint: z.looseObject({ host: z.looseObject({}), runtime: z.looseObject({}) }),
  }),
  resolvedSuite: z.unknown(),
  cells: z.array(z.object({ ordinal: z.int().nonnegative(), result: cellShape, samples: z.string().nullable() })),
  trials: z.object({
    infos: z.array(z.looseObject({ trial: z.int().positive() })),
    cells: z.array(z.object({ trial: z.int().positive(), ordinal: z.int().nonnegative(), result: cellShape, samples: z.string().nullable() })),
  }),
});

/** An export file's text, checked; `file` names it in the one-line message of a bad one. */
export function parseExport(text: string, file: string): RunData {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new UserError(`${file}: not JSON; expected a file written by 'bench export'`);
  }
  const parsed = EXPORT_SCHEMA.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.join(".") || "(top level)";
    const kind = (raw as { format?: unknown } | null)?.format;
    const what = kind === EXPORT_FORMAT ? `${where}: ${issue?.message ?? "invalid"}` : 'not a bench export (no "format": "bench-run")';
    throw new UserError(`${file}: ${what}; expected a file written by 'bench export' (format ${EXPORT_FORMAT} version ${EXPORT_VERSION})`);
  }
  // The values as written: zod's output would put the keys it checks first, and a re-export must give the same bytes.
  const doc = raw as z.infer<typeof EXPORT_SCHEMA>;
  try {
    return {
      run: doc.run as unknown as RunInfo,
      resolvedSuite: doc.resolvedSuite,
      cells: doc.cells.map((c) => ({ ordinal: c.ordinal, result: c.result as unknown as CellResult, latencyNs: decodeSamples(c.samples, c.result.id) })),
      trials: {
        infos: doc.trials.infos as unknown as TrialInfo[],
        cells: doc.trials.cells.map((t) => ({
          trial: t.trial,
          ordinal: t.ordinal,
          result: t.result as unknown as CellResult,
          latencyNs: decodeSamples(t.samples, `${t.result.id} trial ${t.trial}`),
        })),
      },
    };
  } catch (err) {
    throw new UserError(`${file}: its samples cannot be read (${err instanceof Error ? err.message : String(err)}); export the run again`);
  }
}
