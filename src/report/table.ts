import { Chalk, type ChalkInstance } from "chalk";
import Table from "cli-table3";
import type { CellLabelAccuracy } from "../accuracy/labels.js";
import type { Agreement, CellAccuracy } from "../accuracy/metrics.js";
import type { CellResult, RunOrigin, RunResult, RunTrials } from "../results.js";
import { cellList } from "./diff-common.js";
import { bytesKb, num, withCI } from "./format.js";
import { fellBack } from "../measure/profile-trace.js";

export interface RenderOptions {
  color: boolean;
}

/** The terminal view of a run: one row per cell, then the notes. Pure: returns the text. */
export function renderRunTable(result: RunResult, { color }: RenderOptions): string {
  const c = new Chalk({ level: color ? 1 : 0 });
  const { run } = result;
  const header =
    `${c.bold(`run ${run.id}`)}  suite ${run.suite}  ${statusText(run.status, c)}  ` +
    `started ${run.startedAt}  seed ${run.seed}\n` +
    `${run.fingerprint.host.cpuModel} · ${run.fingerprint.host.logicalCores} cores · ` +
    `onnxruntime ${run.fingerprint.runtime.onnxruntime} · node ${run.fingerprint.runtime.node} · ${run.order}` +
    (run.origin ? originText(run.origin, c) : "") +
    (run.trials ? `\n${trialsText(run.trials, c)}` : "") +
    (run.noise?.noisy ? `\n${c.yellow(`noisy run: ${run.noise.reasons.join("; ")}`)}` : "");

  const withTrials = result.cells.some((x) => x.trials !== null && x.trials.length > 0);
  const table = new Table({
    head: [
      "cell",
      withTrials ? "trials×samples" : "samples",
      "p50 ms (95% CI)",
      "p90 ms",
      "p99 ms (95% CI)",
      "mean ms (95% CI)",
      "items/s (95% CI)",
      "cold ms",
      "peak RSS",
    ],
    style: { head: color ? ["cyan"] : [], border: [], compact: true },
    colAligns: ["left", "right", "right", "right", "right", "right", "right", "right", "right"],
  });
  for (const cell of result.cells) table.push(row(cell, c, withTrials));

  // Noise is said once in the header; each touched cell is marked '!' in its row.
  // Notes about percentiles the table does not show with an interval stay in the JSON.
  const notes = groupNotes(result.cells.map((cell) => ({ cell: cell.id, notes: cell.notes.filter((n) => !/^(noisy|p90|p95|p999):/.test(n)) })));
  const counts = countStatuses(result.cells);
  const footer = [
    `${result.cells.length} cells: ${counts.ok} ok, ${counts.failed} failed, ${counts.skipped} skipped` +
      (counts.invalid > 0 ? `, ${counts.invalid} invalid (the load generator could not drive the load)` : "") +
      (counts.unconverged > 0 ? `; ${counts.unconverged} did not reach the target interval (marked ~)` : "") +
      (counts.noisy > 0 ? `; ${counts.noisy} measured while the machine was disturbed (marked !)` : ""),
    ...(withTrials
      ? [
          "trials×samples = trials (fresh processes) × median steady-state samples per trial. A cell's intervals are between its",
          "trials (t on the log scale, variance pooled across cells); a cell measured in one trial has distribution-free",
          "percentile intervals (order statistics). 'no CI': too few trials or samples for a 95% interval.",
        ]
      : [
          "samples = steady-state samples behind the statistics. Percentile intervals are distribution-free (order statistics);",
          "'no CI': too few samples for a 95% interval (p99 needs at least 368).",
        ]),
    "cold ms = session creation + first call. ~ = stopped before the target interval.",
    ...(result.cells.some((x) => x.pareto !== undefined)
      ? [
          `* = on its target's Pareto front over p50, p99 and items/s${result.cells.some((x) => x.accuracy !== null) ? " and accuracy (top-1 agreement, else cosine, with the reference)" : ""}: no other cell of the target is as good on all and better on one (each dominated cell names what dominates it in --json).`,
        ]
      : []),
  ];
  const replayed = traceLines(result.cells);
  const notesBlock = notes.length > 0 ? ["notes (one line per kind, then its cells; every note is in --json):", ...notes.map((n) => `  ${n}`)] : [];
  const accuracy =
    [renderGenerative(result.cells, color), renderAccuracy(result.cells, color), renderLabelAccuracy(result.cells, color)]
      .filter((x) => x !== null)
      .join("\n") || null;
  const profiles = renderProfiles(result.cells, c);
  return `${[header, table.toString(), ...(accuracy ? [accuracy] : []), ...profiles, ...replayed, ...notesBlock, ...footer].join("\n")}\n`;
}

/** The traces load cells replayed (load.arrival: trace), one line per file and speed-up, naming its cells. */
function traceLines(cells: readonly CellResult[]): string[] {
  const byTrace = new Map<string, string[]>();
  for (const cell of cells) {
    const t = cell.load?.trace;
    if (!t) continue;
    const key = `${t.path} (sha256:${t.sha256.slice(0, 12)}, ${t.requests} requests over ${(t.spanMs / 1000).toFixed(1)} s, replayed ×${t.speedup})`;
    byTrace.set(key, [...(byTrace.get(key) ?? []), cell.id]);
  }
  return [...byTrace].map(([trace, ids]) => `replayed ${trace}: ${cellList(ids, 4)}`);
}

/** Streaming cells' generative metrics (docs/LOAD.md): one row per cell; null when none has them. */
function renderGenerative(cells: readonly CellResult[], color: boolean): string | null {
  const streamed = cells.filter((c) => c.generative);
  if (streamed.length === 0) return null;
  const table = new Table({
    head: [
      "generative",
      "TTFT p50 ms (95% CI)",
      "TTFT p99 ms",
      "TPOT p50 ms (95% CI)",
      "TPOT p99 ms",
      "ITL p99 ms",
      "out tok/req",
      "out tok/s (95% CI)",
      "tokens by",
    ],
    style: { head: color ? ["cyan"] : [], border: [], compact: true },
    colAligns: ["left", "right", "right", "right", "right", "right", "right", "right", "left"],
  });
  for (const cell of streamed) {
    const g = cell.generative as NonNullable<CellResult["generative"]>;
    const t = g.tokens;
    const by = [t.usage > 0 ? "usage" : "", t.tokenizer > 0 ? (t.tokenizerName ?? "tokenizer") : "", t.chunks > 0 ? "chunks" : ""].filter(Boolean).join("+");
    table.push([
      cell.id,
      withCI(g.ttftMs.p50),
      num(g.ttftMs.p99.value),
      g.tpotMs ? withCI(g.tpotMs.p50) : "–",
      g.tpotMs ? num(g.tpotMs.p99.value) : "–",
      g.itlMs ? num(g.itlMs.p99.value) : "–",
      num(g.outputTokens.mean),
      withCI(g.outputTokensPerS),
      by + (t.check && t.check.differing > 0 ? ` (${t.tokenizerName ?? "tokenizer"} differs)` : ""),
    ]);
  }
  return table.toString();
}

/** Accuracy against each target's labels: one row per variant × batch (thread counts share one); null when none. */
export function renderLabelAccuracy(cells: readonly CellResult[], color: boolean): string | null {
  const scored = cells.filter((c) => c.labelAccuracy);
  if (scored.length === 0) return null;
  const table = new Table({
    head: ["against labels", "metric", "value (95% CI)", "samples", "output"],
    style: { head: color ? ["cyan"] : [], border: [], compact: true },
    colAligns: ["left", "left", "right", "right", "left"],
  });
  const seen = new Set<string>();
  for (const cell of scored) {
    const a = cell.labelAccuracy as CellLabelAccuracy;
    const label = `${cell.target}/${cell.variant}/b${cell.batch}${cell.provider === "cpu" ? "" : `/${cell.provider}`}`;
    if (seen.has(label)) continue;
    seen.add(label);
    if ("error" in a) {
      table.push([label, a.metric, { colSpan: 3, content: `not measured: ${a.error}` }]);
      continue;
    }
    const show = (x: number) => (a.higherIsBetter ? `${(x * 100).toFixed(1)}%` : num(x));
    table.push([label, a.metric, `${show(a.value)}${a.ci ? ` (${show(a.ci[0])}–${show(a.ci[1])})` : ""}`, String(a.samples), a.output]);
  }
  return table.toString();
}

const agreementText = (a: Agreement | null) => (a ? `${(a.value * 100).toFixed(1)}% (${(a.ci[0] * 100).toFixed(1)}–${(a.ci[1] * 100).toFixed(1)})` : "–");
const maybe = (x: number | null) => (x === null ? "–" : num(x));

/**
 * Accuracy against each target's reference variant: one row per cell and output (the thread
 * counts of a cell share one measurement, so they share a row); null when no cell has any.
 */
export function renderAccuracy(cells: readonly CellResult[], color: boolean): string | null {
  const measured = cells.filter((c) => c.accuracy !== null);
  if (measured.length === 0) return null;
  const table = new Table({
    head: ["accuracy against", "output", "max |err|", "mean |err|", "max rel err", "cosine", "top-1 agree (95% CI)", "top-5 agree"],
    style: { head: color ? ["cyan"] : [], border: [], compact: true },
    colAligns: ["left", "left", "right", "right", "right", "right", "right", "right"],
  });
  const seen = new Set<string>();
  for (const cell of measured) {
    const a = cell.accuracy as CellAccuracy;
    const label = `${cell.target}/${cell.variant}/b${cell.batch}${cell.provider === "cpu" || cell.provider === "http" ? "" : `/${cell.provider}`} vs ${a.reference}`;
    if (seen.has(label)) continue;
    seen.add(label);
    if (a.error !== undefined) {
      table.push([label, { colSpan: 7, content: `not measured: ${a.error}` }]);
      continue;
    }
    for (const [output, o] of Object.entries(a.outputs)) {
      table.push([
        label,
        output,
        num(o.maxAbsError),
        num(o.meanAbsError),
        maybe(o.maxRelError),
        o.cosine === null ? "–" : o.cosine.toFixed(6),
        agreementText(o.top1Agreement),
        agreementText(o.top5Agreement),
      ]);
    }
  }
  const inputs = [...new Set(measured.map((c) => c.accuracy?.inputs))].join("/");
  return `${table.toString()}\n(${inputs} seeded input sets per cell, fed to the variant and its reference alike; agreement: rows whose top class matches the reference's)`;
}

/** A number in a note's text; digits right after a letter (p99, b8, t2) belong to a name. */
const NUMBER = /(?<![\w.])\d+(?:\.\d+)?/g;

/**
 * One line per kind of note: notes that differ only in their numbers are one kind. Numbers that
 * every cell of the kind shares stay in the text; the others become "…" and each cell lists its
 * own in brackets. Kinds in the order first seen; deterministic.
 */
export function groupNotes(cells: readonly { cell: string; notes: readonly string[] }[]): string[] {
  const kinds = new Map<string, { cell: string; text: string; numbers: string[] }[]>();
  for (const { cell, notes } of cells) {
    for (const text of notes) {
      const key = text.replace(NUMBER, "#");
      kinds.set(key, [...(kinds.get(key) ?? []), { cell, text, numbers: text.match(NUMBER) ?? [] }]);
    }
  }
  return [...kinds.entries()].map(([key, members]) => {
    const first = members[0] as (typeof members)[number];
    if (members.length === 1) return `${first.text} — ${first.cell}`;
    const varies = first.numbers.map((n, i) => members.some((m) => m.numbers[i] !== n));
    let slot = 0;
    const text = key.replace(/#/g, () => {
      const i = slot++;
      return varies[i] ? "…" : (first.numbers[i] as string);
    });
    const list = members.map((m) => {
      const own = m.numbers.filter((_, i) => varies[i]);
      return own.length > 0 ? `${m.cell} [${own.join(", ")}]` : m.cell;
    });
    return `${text} — ${[...new Set(list)].join(", ")}`;
  });
}

function row(cell: CellResult, c: ChalkInstance, withTrials: boolean): Table.HorizontalTableRow {
  if (cell.status !== "ok" || !cell.latencyMs) {
    const label = cell.status === "skipped" ? c.yellow("skipped") : cell.status === "invalid" ? c.red("INVALID") : c.red("FAILED");
    return [cell.id, { colSpan: 8, content: `${label}: ${cell.error ?? "no samples"}` }];
  }
  const l = cell.latencyMs;
  const mark = cell.converged ? "" : c.yellow("~");
  const id = cell.pareto === true ? `${cell.id} ${c.green("*")}` : cell.id;
  return [
    cell.noisy ? `${id} ${c.yellow("!")}` : id,
    withTrials ? trialsTimesSamples(cell) : String(cell.samples),
    mark + withCI(l.p50),
    num(l.p90.value),
    withCI(l.p99),
    withCI(l.mean),
    cell.throughput ? withCI(cell.throughput) : "",
    cell.coldStart ? `${num(cell.coldStart.sessionCreateMs)}+${num(cell.coldStart.firstCallMs)}` : "",
    cell.peakRssKb !== null ? bytesKb(cell.peakRssKb) : "",
  ];
}

/** Where a run came from, when it is not one machine's whole run (src/scale): "\nshard 2 of 3", "\nmerged from 3 runs (shards) …". */
function originText(origin: RunOrigin, c: ChalkInstance): string {
  const lines: string[] = [];
  if (origin.shard) lines.push(`shard ${origin.shard.index} of ${origin.shard.count}`);
  if (origin.loadShard)
    lines.push(`load shard ${origin.loadShard.index} of ${origin.loadShard.count}: each load cell sent 1/${origin.loadShard.count} of its load`);
  if (origin.merged) {
    const hosts = new Set(origin.merged.parts.map((p) => p.fingerprint.host.hostname));
    lines.push(`merged from ${origin.merged.parts.length} runs (${origin.merged.mode}) on ${hosts.size} machine${hosts.size > 1 ? "s" : ""}`);
    if (origin.merged.forced.length > 0) lines.push(c.yellow(`merged with --force although the machines differ in ${origin.merged.forced.join(", ")}`));
  }
  if (origin.imported) lines.push(`imported from ${origin.imported.file} at ${origin.imported.at}`);
  return lines.map((l) => `\n${l}`).join("");
}

/** "5 trials (precise) · canary 10.2 ms · disturbed: trial 3" */
function trialsText(trials: RunTrials, c: ChalkInstance): string {
  const disturbed = trials.trials.filter((t) => t.disturbed).map((t) => t.trial);
  const canary = trials.canaryMs !== null ? ` · canary ${num(trials.canaryMs)} ms` : "";
  const line = `${trials.trials.length} trials (${trials.stopReason})${canary}`;
  return disturbed.length > 0 ? `${line} · ${c.yellow(`disturbed: trial ${disturbed.join(", ")}`)}` : line;
}

/** "5×812": trials × the median steady-state samples per trial; a cell measured once is 1×its samples. */
function trialsTimesSamples(cell: CellResult): string {
  const trials = cell.trials ?? [];
  if (trials.length === 0) return `1×${cell.samples}`;
  const sorted = trials.map((t) => t.samples).sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 ? (sorted[mid] as number) : Math.round(((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2);
  return `${trials.length}×${median}`;
}

function statusText(status: string, c: ChalkInstance): string {
  if (status === "completed") return c.green(status);
  if (status === "failed") return c.red(status);
  return c.yellow(status);
}

export function countStatuses(cells: readonly CellResult[]) {
  return {
    ok: cells.filter((x) => x.status === "ok").length,
    failed: cells.filter((x) => x.status === "failed").length,
    skipped: cells.filter((x) => x.status === "skipped").length,
    invalid: cells.filter((x) => x.status === "invalid").length,
    unconverged: cells.filter((x) => x.status === "ok" && !x.converged).length,
    noisy: cells.filter((x) => x.noisy).length,
  };
}

/** How many operators `bench show` lists per profiled cell (all of them are in --json). */
const TOP_OPERATORS = 5;

const shortProvider = (p: string) => p.replace(/ExecutionProvider$/, "");

/**
 * The profiled cells (`run --profile`): kernel time per call, the providers that ran the nodes,
 * the top operators; a cell whose requested provider left nodes to the CPU is flagged.
 */
export function renderProfiles(cells: readonly CellResult[], c: ChalkInstance): string[] {
  const profiled = cells.filter((x) => x.profile !== undefined);
  if (profiled.length === 0) return [];
  const lines = ["profile (onnxruntime's profiler, outside the timed trials; per call, every operator in --json):"];
  for (const cell of profiled) {
    const p = cell.profile as NonNullable<CellResult["profile"]>;
    if ("error" in p) {
      lines.push(`  ${cell.id}: ${c.yellow(p.error)}`);
      continue;
    }
    const providers = Object.entries(p.providers)
      .map(([name, n]) => `${shortProvider(name)} ${n} node${n === 1 ? "" : "s"}`)
      .join(", ");
    lines.push(`  ${cell.id}: kernels ${num(p.kernelUs / 1000)} ms over ${p.calls} calls; ${providers}`);
    if (fellBack(p) && p.fallback)
      lines.push(
        `    ${c.red(`fell back to CPU: ${p.fallback.nodes} of ${p.fallback.of} nodes did not run on ${shortProvider(p.requested)} (${p.fallback.ops.join(", ")})`)}`,
      );
    for (const op of p.operators.slice(0, TOP_OPERATORS))
      lines.push(
        `    ${op.op.padEnd(24)} ${shortProvider(op.provider).padEnd(8)} ${`${num(op.meanUs)} µs`.padStart(12)} ${`${(op.share * 100).toFixed(1)}%`.padStart(6)}  ${op.nodes} node${op.nodes === 1 ? "" : "s"}`,
      );
    if (p.operators.length > TOP_OPERATORS) lines.push(c.dim(`    … ${p.operators.length - TOP_OPERATORS} more operators`));
  }
  return lines;
}
