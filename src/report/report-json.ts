import { diffDocument } from "./diff-json.js";
import { jsonText } from "./format.js";
import { runDocument } from "./json.js";
import type { ReportInput } from "./model.js";

/** The version of `bench report --format json`'s document; raised when a key changes meaning or goes. */
export const REPORT_JSON_VERSION = 1;

/**
 * The report's input as one document: `runs` as `bench show --json` prints each (without samples),
 * `comparison` as `bench diff --json` prints it (two runs only), `history` with its change points
 * (`--history` only). Keys that do not apply are left out.
 */
export function renderReportJson(input: ReportInput): string {
  return jsonText({
    format: "bench-report",
    version: REPORT_JSON_VERSION,
    runs: input.runs.map((r) => runDocument(r)),
    ...(input.diff ? { comparison: diffDocument(input.diff) } : {}),
    ...(input.history ? { history: input.history } : {}),
  });
}
