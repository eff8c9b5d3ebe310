import { type CapacityCell, capacityCell, type CapacityDocument } from "../capacity/document.js";
import { type CapacityAxis, type CapacityResult, searchCapacity, unit } from "../capacity/search.js";
import { capacityStep } from "../capacity/step.js";
import { errorMessage, UserError } from "../errors.js";
import { renderCapacity } from "../report/capacity-table.js";
import { jsonText } from "../report/format.js";
import { selectRunner } from "../runners/index.js";
import type { LoadStep } from "../runners/runner.js";
import { minRequestsToPass } from "../stats/percentile-test.js";
import { isRemote, loadSuffix, type PlannedCell } from "../suite/expand.js";
import { LIMITS } from "../suite/names.js";
import { parseSlos, type Slo } from "../suite/slo.js";
import { type Outcome, OK } from "./outcome.js";
import { useColor } from "./output.js";
import { type Interrupt, interruptedBy, onInterrupt, planSuites } from "./plan.js";

export interface CapacityOptions {
  slo?: string[];
  confidence: number;
  resolution: number;
  start?: number;
  max?: number;
  stepMs?: number;
  maxStepMs: number;
  maxSteps: number;
  mode?: "open" | "closed";
  filter?: string[];
  seed?: number;
  json?: boolean;
  quiet?: boolean;
}

/** An open-loop search with no rate in the suite starts here (req/s). */
const DEFAULT_START_RATE = 10;
/** The unrecorded warm-up step before a search, ms. */
const PRIME_MS = 1000;
/** An undecided step is measured again for this many times as long. */
const LONGER = 4;
/** Seeds of successive steps' schedules, apart by this (a prime). */
const SEED_STRIDE = 7919;
/** A step's duration is stretched to hold this many times the requests the test needs to pass. */
const REQUEST_MARGIN = 1.25;

export async function capacityCommand(file: string, opts: CapacityOptions): Promise<Outcome> {
  const interrupt = onInterrupt({ quiet: opts.quiet === true });
  try {
    return await capacity(file, opts, interrupt);
  } finally {
    interrupt.dispose();
  }
}

/** The cells of a suite with the load axis taken out: one search per target × variant × batch (× provider × threads). */
function searchCells(cells: readonly PlannedCell[]): { id: string; cells: PlannedCell[] }[] {
  const groups = new Map<string, PlannedCell[]>();
  for (const cell of cells) {
    const id = cell.id.slice(0, cell.id.length - loadSuffix(cell.load).length);
    groups.set(id, [...(groups.get(id) ?? []), cell]);
  }
  return [...groups].map(([id, group]) => ({ id, cells: group }));
}

function axisOf(group: readonly PlannedCell[], mode: CapacityOptions["mode"]): CapacityAxis {
  if (mode !== undefined) return mode === "open" ? "rate" : "concurrency";
  if (group.some((c) => c.load.mode === "open")) return "rate";
  return group.some((c) => c.load.mode === "closed") ? "concurrency" : "rate";
}

function startOf(group: readonly PlannedCell[], axis: CapacityAxis): number {
  const values = group.flatMap((c) => (axis === "rate" ? (c.load.mode === "open" ? [c.load.rate] : []) : c.load.mode === "closed" ? [c.load.concurrency] : []));
  return values.length > 0 ? Math.min(...values) : axis === "rate" ? DEFAULT_START_RATE : 1;
}

function commandSlos(texts: readonly string[]): Slo[] {
  const { slos, errors } = parseSlos(texts, "--slo");
  if (errors.length > 0) {
    const [first] = errors;
    const index = Number(/^--slo\[(\d+)\]/.exec(first ?? "")?.[1] ?? 0);
    throw new UserError(`--slo '${texts[index] ?? ""}': ${(first ?? "").replace(/^--slo\[\d+\]: /, "")}`);
  }
  return slos;
}

async function capacity(file: string, opts: CapacityOptions, interrupt: Interrupt): Promise<Outcome> {
  const { signal } = interrupt;
  const fromCommand = opts.slo && opts.slo.length > 0 ? commandSlos(opts.slo) : null;
  const [plan] = await planSuites([file], { ...(opts.seed !== undefined ? { seed: opts.seed } : {}), filter: opts.filter ?? [] });
  if (!plan) return OK;
  const { suite } = plan;
  const slos = fromCommand ?? suite.slo ?? [];
  if (slos.length === 0) {
    throw new UserError(`${file}: slo: no SLO to search against; add slo: ['p99 <= 80ms'] to the suite or give --slo 'p99 <= 80ms'`);
  }
  const say = (text: string) => {
    if (!opts.quiet) process.stderr.write(`${text}\n`);
  };
  const need = Math.max(...slos.map((s) => minRequestsToPass(s.probability, opts.confidence)));
  const doc: CapacityDocument = {
    suite: suite.name,
    suiteFile: suite.file,
    startedAt: new Date().toISOString(),
    slo: slos.map((s) => s.text),
    confidence: opts.confidence,
    resolution: opts.resolution,
    cells: [],
  };
  const runner = await selectRunner(undefined, plan.cells);
  for (const { id, cells } of searchCells(plan.cells)) {
    if (signal.aborted) break;
    const cell = cells[0] as PlannedCell;
    const axis = axisOf(cells, opts.mode);
    const empty: CapacityResult = { axis, status: "none", capacity: null, bracket: { below: null, above: null }, steps: [], notes: [] };
    const unavailable = runner.unavailable(cell);
    if (unavailable !== undefined) {
      doc.cells.push(capacityCell(cell, id, axis, empty, { state: "skipped", error: unavailable }));
      continue;
    }
    const stepMs = opts.stepMs ?? cell.targetSpec.load.durationMs;
    const durationOf = (target: number) =>
      axis === "rate" ? Math.min(opts.maxStepMs, Math.max(stepMs, Math.ceil((REQUEST_MARGIN * need * 1000) / target))) : stepMs;
    let prepared;
    try {
      prepared = await runner.prepare(cell, suite.seed);
    } catch (err) {
      doc.cells.push(capacityCell(cell, id, axis, empty, { state: "failed", error: errorMessage(err) }));
      continue;
    }
    const partial: CapacityResult = { ...empty, steps: [] };
    const capped: number[] = [];
    let stepIndex = 0;
    try {
      const start = opts.start ?? startOf(cells, axis);
      say(`bench: capacity of ${id}: ${axis === "rate" ? "open loop" : "closed loop"} from ${start}${unit(axis)}, SLO ${doc.slo.join(", ")}`);
      // A first, unrecorded step at the start load: the process's own warm-up (JIT, connections, the model's first calls) is not a step's.
      await prepared.runLoad(signal, { load: axis === "rate" ? { mode: "open", rate: start } : { mode: "closed", concurrency: start }, durationMs: PRIME_MS });
      const result = await searchCapacity({
        axis,
        start,
        max: opts.max ?? (axis === "rate" ? LIMITS.ratePerS : LIMITS.concurrency),
        resolution: opts.resolution,
        maxSteps: opts.maxSteps,
        stopped: () => signal.aborted,
        step: async (target, longer) => {
          const durationMs = Math.min(opts.maxStepMs, durationOf(target) * (longer ? LONGER : 1));
          // Each step its own arrival schedule: one seed's draw of a Poisson schedule would offer every step the same few percent too much or too little.
          const seed = (suite.seed + SEED_STRIDE * ++stepIndex) % 2 ** 32;
          if (axis === "rate" && (REQUEST_MARGIN * need * 1000) / target > opts.maxStepMs) capped.push(target);
          const at: LoadStep = { load: axis === "rate" ? { mode: "open", rate: target } : { mode: "closed", concurrency: target }, durationMs };
          const r = await prepared.runLoad(signal, at, seed);
          const s = capacityStep({ target, durationMs, result: r, slos, confidence: opts.confidence, inProcess: !isRemote(cell) });
          partial.steps.push(s);
          const p99 = s.latencyMs ? `p99 ${s.latencyMs.p99.toFixed(1)} ms` : "no latency";
          say(
            `  ${target}${unit(axis)} for ${(durationMs / 1000).toFixed(1)} s: ${s.verdict} (sent ${s.achievedRate.toFixed(1)} req/s, ${s.ok} ok, ${s.errors} failed, ${p99})`,
          );
          return s;
        },
      });
      if (capped.length > 0) {
        result.notes.push(
          `the steps at ${capped.join(", ")} req/s were capped at --max-step-ms ${opts.maxStepMs}: too short for the ${need} requests the test needs to pass`,
        );
      }
      doc.cells.push(capacityCell(cell, id, axis, result));
    } catch (err) {
      doc.cells.push(capacityCell(cell, id, axis, partial, { state: "failed", error: errorMessage(err) }));
    } finally {
      await prepared.release();
    }
  }
  process.stdout.write(opts.json ? jsonText(doc) : renderCapacity(doc, { color: useColor(process.stdout) }));
  const interrupted = interruptedBy(signal);
  if (interrupted) return { kind: "interrupted", signal: interrupted };
  return outcomeOf(doc.cells);
}

/** 0 when every cell has a capacity (a lower bound counts); 3 when one has none, failed or was skipped. */
function outcomeOf(cells: readonly CapacityCell[]): Outcome {
  const without = cells.filter((c) => c.capacity === null || c.state === "failed" || c.state === "skipped");
  if (without.length === 0) return OK;
  return {
    kind: "failed",
    reason: `${without.length} of ${cells.length} cells: no capacity found (${without.map((c) => `${c.id}: ${c.error ?? c.notes.at(-1) ?? c.state}`).join("; ")})`,
  };
}
