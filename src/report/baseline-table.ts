import Table from "cli-table3";
import { type Baseline, cellResultOf } from "../baseline/format.js";
import { jsonText, percent } from "./format.js";
import { renderRunTable, type RenderOptions } from "./table.js";

/** One baseline file as `bench baseline list` shows it; an unreadable file has `error` set and the rest empty. */
export interface BaselineListEntry {
  suite: string;
  name: string;
  file: string;
  run: string;
  createdAt: string;
  cells: number;
  runNoise: "calibrated" | "none" | "";
  error: string | null;
}

/** `bench baseline list`: one row per file; `dir` names the baselines directory when it has none. */
export function renderBaselineList(entries: readonly BaselineListEntry[], { dir }: { dir: string }): string {
  if (entries.length === 0) return `no baselines in ${dir}/ yet; save one with 'bench baseline save RUN --name NAME'\n`;
  const table = new Table({ head: ["suite", "name", "run", "created", "cells", "run-to-run noise"], style: { head: [], border: [], compact: true } });
  for (const e of entries) {
    if (e.error) table.push([e.suite, e.name, { colSpan: 4, content: `unreadable: ${e.error}` }]);
    else table.push([e.suite, e.name, e.run, e.createdAt, String(e.cells), e.runNoise]);
  }
  return `${table.toString()}\n`;
}

/** `bench baseline show`: what the baseline carries besides its run, then the run's table. */
export function renderBaseline(b: Baseline, options: RenderOptions): string {
  const percents = (o: Record<string, number>) =>
    Object.entries(o)
      .map(([m, v]) => `${m} ${percent(v)}`)
      .join(", ");
  return [
    `baseline '${b.name}' of suite '${b.suite}', saved ${b.createdAt}\n`,
    b.thresholds ? `thresholds: ${percents(b.thresholds)}\n` : "",
    b.runNoise ? `run-to-run noise (calibrated over ${b.runNoise.runs} runs): ${percents(b.runNoise.metrics)}\n` : "",
    renderRunTable({ run: { ...b.run, fingerprint: b.fingerprint }, cells: b.cells.map(cellResultOf) }, options),
  ].join("");
}

/** `bench baseline show --json`: the baseline with each cell's samples replaced by their count. */
export function renderBaselineJson(b: Baseline): string {
  const { cells, ...rest } = b;
  return jsonText({ ...rest, cells: cells.map(({ samplesMs, ...c }) => ({ ...c, samples: samplesMs.length })) });
}
