import Table from "cli-table3";
import type { Calibration } from "../compare/calibrate.js";
import { percent } from "./format.js";

/** `bench calibrate`: false alarms and run-to-run noise · minimum detectable effect per cell, then the totals. */
export function renderCalibration(c: Calibration): string {
  const metrics = [...new Set(c.cells.map((x) => x.metric))];
  const cells = [...new Set(c.cells.map((x) => x.cell))];
  const table = new Table({
    head: ["cell", "false alarms (raw → modelled)", ...metrics.map((m) => `${m}: noise · MDE`)],
    style: { head: [], border: [], compact: true },
  });
  for (const cell of cells) {
    const rows = c.cells.filter((x) => x.cell === cell);
    const sum = (pick: (x: (typeof rows)[number]) => number) => rows.reduce((s, x) => s + pick(x), 0);
    table.push([
      cell,
      `${sum((x) => x.falseAlarmsRaw)} → ${sum((x) => x.falseAlarms)} of ${sum((x) => x.pairs)}`,
      ...metrics.map((m) => {
        const x = rows.find((r) => r.metric === m);
        return x ? `${percent(x.runNoise)} · ${percent(x.minimumDetectableEffect)}` : "";
      }),
    ]);
  }
  const total = c.cells.reduce((s, x) => s + x.pairs, 0);
  return [
    `A/A calibration: ${c.runs.length} runs in separate processes (${c.runs.join(", ")}), ${c.pairs} pairs compared`,
    table.toString(),
    `run-to-run noise (sd of one run's offset, median over cells): ${Object.entries(c.runNoise.metrics)
      .map(([m, v]) => `${m} ${percent(v)}`)
      .join(", ")}`,
    `false alarms of the verdict rule over ${total} A/A comparisons: ${(c.falseAlarmRateRaw * 100).toFixed(2)}% if each run's own samples told the whole story, ` +
      `${(c.falseAlarmRate * 100).toFixed(2)}% with the run-to-run noise modelled`,
    "MDE = the smallest change a comparison of two runs flags with 95% power at the current threshold. Comparing two",
    "variants inside one run (compare: or bench diff RUN:A RUN:B) avoids the run-to-run noise altogether.",
    "",
  ].join("\n");
}
