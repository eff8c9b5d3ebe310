import { existsSync, readFileSync } from "node:fs";
import { findBaseline, readBaselineFile } from "../baseline/files.js";
import { z } from "zod";
import {
  BASELINE_FORMAT,
  type Baseline,
  cellKeySchema,
  cellResultOf,
  cellSummarySchema,
  firstIssue,
  fingerprintSchema,
  withLaterKeys,
} from "../baseline/format.js";
import { type Side, steadyPart } from "../compare/side.js";
import { UserError } from "../errors.js";
import { REF_FORMS, resolveRun } from "./run-ref.js";
import type { CellResult, RunInfo } from "../results.js";
import type { Store } from "../store/db.js";
import { nsToMs } from "../stats/metrics.js";

export interface SourceContext {
  /** Opens the results database on first use; absent where only baselines and files may be named. */
  store?: () => Store;
  baselinesDir: string;
  /** When resolving `baseline:NAME`, prefer the baseline of this suite. */
  suiteHint?: string;
}

/**
 * Resolve a reference: a run id or prefix, `latest`, `latest~N`, `baseline:NAME`, a path to a
 * JSON file (a baseline, or `bench run/show --json --samples` output), each optionally followed by
 * `:VARIANT` or `:TARGET` to take one variant or target of that run.
 */
export function loadSide(ref: string, ctx: SourceContext): Side {
  if (ref === "") throw new UserError(`an empty run reference; give ${REF_FORMS}`);
  if (ref.startsWith("baseline:")) {
    const rest = ref.slice("baseline:".length);
    const [name, selector] = splitSelector(rest);
    return narrow(fromBaseline(findBaseline(ctx.baselinesDir, name, ctx.suiteHint), ref), selector, ref);
  }
  if (ref.endsWith(".json") || (existsSync(ref) && !ref.includes(":"))) return fromJsonFile(ref);
  const [runRef, selector] = splitSelector(ref);
  if (runRef.endsWith(".json")) return narrow(fromJsonFile(runRef), selector, ref);
  if (!ctx.store) throw new UserError(`${ref}: expected baseline:NAME or a JSON file here`);
  const store = ctx.store();
  const id = resolveRun(store, runRef);
  const { run, cells, resolvedSuite } = store.loadRun(id);
  const side: Side = {
    label: ref,
    runId: id,
    suite: run.suite,
    status: run.status,
    fingerprint: run.fingerprint,
    resolvedSuite,
    noisy: run.noise?.noisy ?? false,
    cells,
    steadySamplesMs: (cellId) => {
      const ns = store.loadSamples(id, cellId);
      return ns ? steadyPart(Float64Array.from(ns, nsToMs), droppedOf(cells, cellId)) : undefined;
    },
    thresholds: null,
    runNoise: null,
    trials: run.trials,
  };
  return narrow(side, selector, ref);
}

function splitSelector(ref: string): [string, string | undefined] {
  const i = ref.lastIndexOf(":");
  return i > 0 ? [ref.slice(0, i), ref.slice(i + 1)] : [ref, undefined];
}

function fromBaseline(b: Baseline, label: string): Side {
  const samples = new Map(b.cells.map((c) => [c.id, steadyPart(c.samplesMs, c.summary.trials ? 0 : c.summary.samplesDropped, c.samplesThinning)]));
  return {
    label,
    runId: b.run.id,
    suite: b.suite,
    status: b.run.status,
    fingerprint: b.fingerprint,
    resolvedSuite: b.resolvedSuite,
    noisy: b.cells.some((c) => c.summary.noisy),
    cells: b.cells.map(cellResultOf),
    steadySamplesMs: (cellId) => {
      const s = samples.get(cellId);
      return s && s.length > 0 ? s : undefined;
    },
    thresholds: b.thresholds,
    runNoise: b.runNoise ?? null,
    // Baselines saved before trials have no `trials` in their run.
    trials: "trials" in b.run ? b.run.trials : null,
  };
}

/** A `bench run --json` / `bench show --json` document, as far as a comparison reads it. */
const runDocumentSchema = z.looseObject({
  run: z.looseObject({
    id: z.string().min(1),
    suite: z.string(),
    status: z.enum(["running", "completed", "failed", "interrupted"]),
    fingerprint: fingerprintSchema,
    noise: z.looseObject({ noisy: z.boolean() }).nullable().optional(),
    trials: z
      .looseObject({ trials: z.array(z.looseObject({ disturbed: z.boolean() })) })
      .nullable()
      .optional(),
  }),
  cells: z.array(cellKeySchema.extend(cellSummarySchema.shape).extend({ samplesMs: z.array(z.number().nonnegative()).optional() })),
});

function fromJsonFile(file: string): Side {
  if (!existsSync(file)) throw new UserError(`${file}: no such file`);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, "utf8"));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new UserError(code ? `${file}: cannot read it (${code})` : `${file}: not valid JSON`);
  }
  if (raw !== null && typeof raw === "object" && (raw as { format?: unknown }).format === BASELINE_FORMAT) return fromBaseline(readBaselineFile(file), file);
  if (raw === null || typeof raw !== "object" || !("run" in raw) || !("cells" in raw)) {
    throw new UserError(`${file}: neither a baseline nor a 'bench run --json' document (expected run.id, run.fingerprint and cells)`);
  }
  const parsed = runDocumentSchema.safeParse(raw);
  if (!parsed.success) {
    throw new UserError(
      `${file}: ${firstIssue(parsed.error)}; not a complete 'bench run --json' document (write it again with 'bench show RUN --json --samples')`,
    );
  }
  // The checked input itself: its cells keep every key the run wrote, not only those checked here.
  const doc = raw as { run: RunInfo; cells: (CellResult & { samplesMs?: number[] })[] };
  const samples = new Map(doc.cells.map((c) => [c.id, c.samplesMs]));
  return {
    label: file,
    runId: doc.run.id,
    suite: doc.run.suite,
    status: doc.run.status,
    fingerprint: doc.run.fingerprint,
    resolvedSuite: null,
    noisy: doc.run.noise?.noisy ?? false,
    cells: doc.cells.map(({ samplesMs: _s, ...c }) => withLaterKeys(c)),
    steadySamplesMs: (cellId) => {
      const s = samples.get(cellId);
      if (!s) throw new UserError(`${file}: cell ${cellId} has no samplesMs; write the file with 'bench show RUN --json --samples'`);
      return steadyPart(s, droppedOf(doc.cells, cellId));
    },
    thresholds: null,
    runNoise: null,
    trials: doc.run.trials ?? null,
  };
}

function narrow(side: Side, selector: string | undefined, ref: string): Side {
  if (!selector) return side;
  const byVariant = side.cells.filter((c) => c.variant === selector);
  const byTarget = side.cells.filter((c) => c.target === selector);
  if (byVariant.length === 0 && byTarget.length === 0) {
    const variants = [...new Set(side.cells.map((c) => c.variant))];
    const targets = [...new Set(side.cells.map((c) => c.target))];
    throw new UserError(`${ref}: '${selector}' is neither a variant (${variants.join(", ")}) nor a target (${targets.join(", ")}) of run ${side.runId}`);
  }
  const kind = byVariant.length > 0 ? "variant" : "target";
  return { ...side, label: ref, cells: kind === "variant" ? byVariant : byTarget, selector: { kind, name: selector } };
}

/**
 * How many samples at the start of a cell's stored series are warm-up (0 when unknown). A cell
 * measured in trials stores the steady parts of its trials only: nothing to cut.
 */
function droppedOf(cells: readonly Pick<CellResult, "id" | "samplesDropped" | "trials">[], cellId: string): number {
  const cell = cells.find((c) => c.id === cellId);
  return cell?.trials ? 0 : (cell?.samplesDropped ?? 0);
}
