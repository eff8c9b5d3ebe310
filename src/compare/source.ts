import { existsSync, readFileSync } from "node:fs";
import { findBaseline, readBaselineFile } from "../baseline/files.js";
import { BASELINE_FORMAT, type Baseline, cellResultOf, type RunNoise } from "../baseline/format.js";
import { UserError } from "../errors.js";
import type { Fingerprint } from "../fingerprint/index.js";
import type { CellResult, RunInfo } from "../results.js";
import type { Store } from "../store/db.js";

/** One side of a comparison: a stored run, a baseline, or a JSON file, perhaps narrowed to a variant or target. */
export interface Side {
  /** How the user referred to it, for headings. */
  label: string;
  /** The run id behind it. */
  runId: string;
  suite: string;
  status: RunInfo["status"];
  fingerprint: Fingerprint;
  resolvedSuite: unknown;
  noisy: boolean;
  cells: CellResult[];
  /** Samples of a cell in measurement order, ms. */
  samplesMs(cellId: string): ArrayLike<number> | undefined;
  /** `RUN:SELECTOR` picked this variant or target; cells then match on their other axes. */
  selector?: { kind: "variant" | "target"; name: string };
  /** Thresholds a baseline carries (set by hand). */
  thresholds: Record<string, number> | null;
  /** The machine's run-to-run noise, measured by `bench calibrate` into a baseline. */
  runNoise: RunNoise | null;
}

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
  const id = store.resolveRun(runRef);
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
    samplesMs: (cellId) => {
      const ns = store.loadSamples(id, cellId);
      return ns ? Float64Array.from(ns, (x) => x / 1e6) : undefined;
    },
    thresholds: null,
    runNoise: null,
  };
  return narrow(side, selector, ref);
}

function splitSelector(ref: string): [string, string | undefined] {
  const i = ref.lastIndexOf(":");
  return i > 0 ? [ref.slice(0, i), ref.slice(i + 1)] : [ref, undefined];
}

function fromBaseline(b: Baseline, label: string): Side {
  const samples = new Map(b.cells.map((c) => [c.id, c.samplesMs]));
  return {
    label,
    runId: b.run.id,
    suite: b.suite,
    status: b.run.status,
    fingerprint: b.fingerprint,
    resolvedSuite: b.resolvedSuite,
    noisy: b.cells.some((c) => c.summary.noisy),
    cells: b.cells.map(cellResultOf),
    samplesMs: (cellId) => {
      const s = samples.get(cellId);
      return s && s.length > 0 ? s : undefined;
    },
    thresholds: b.thresholds,
    runNoise: b.runNoise ?? null,
  };
}

interface RunDocument {
  run: RunInfo;
  cells: (CellResult & { samplesMs?: number[] })[];
}

function fromJsonFile(file: string): Side {
  if (!existsSync(file)) throw new UserError(`${file}: no such file`);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, "utf8"));
  } catch {
    throw new UserError(`${file}: not valid JSON`);
  }
  if ((raw as { format?: unknown }).format === BASELINE_FORMAT) return fromBaseline(readBaselineFile(file), file);
  const doc = raw as Partial<RunDocument>;
  if (!doc.run?.id || !Array.isArray(doc.cells) || typeof doc.run.fingerprint !== "object") {
    throw new UserError(`${file}: neither a baseline nor a 'bench run --json' document (expected run.id, run.fingerprint and cells)`);
  }
  const samples = new Map(doc.cells.map((c) => [c.id, c.samplesMs]));
  return {
    label: file,
    runId: doc.run.id,
    suite: doc.run.suite,
    status: doc.run.status,
    fingerprint: doc.run.fingerprint,
    resolvedSuite: null,
    noisy: doc.run.noise?.noisy ?? false,
    cells: doc.cells.map(({ samplesMs: _s, ...c }) => c),
    samplesMs: (cellId) => {
      const s = samples.get(cellId);
      if (!s) throw new UserError(`${file}: cell ${cellId} has no samplesMs; write the file with 'bench show RUN --json --samples'`);
      return s;
    },
    thresholds: null,
    runNoise: null,
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
 * The key cells are matched on: the whole id, or the id with `*` for the axis a selector fixed.
 * Pitting a served target against an in-process one (`latest:served latest:local`), provider and
 * threads have no counterpart on the remote side, so only variant, batch and load are matched.
 */
export function matchKey(cell: CellResult, side: Side, acrossKinds = false): string {
  if (!side.selector) return cell.id;
  if (acrossKinds) {
    const load = cell.concurrency !== null ? `/c${cell.concurrency}` : cell.rate !== null ? `/r${cell.rate}` : "";
    return `*/${cell.variant}/b${cell.batch}${load}`;
  }
  const parts = cell.id.split("/");
  parts[side.selector.kind === "variant" ? 1 : 0] = "*";
  return parts.join("/");
}
