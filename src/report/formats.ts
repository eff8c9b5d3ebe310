import { renderBmf } from "./bmf.js";
import { renderCsv } from "./csv.js";
import type { ReportFormat } from "./format-names.js";
import { renderGab } from "./gab.js";
import { renderHtmlReport } from "./html/index.js";
import type { ReportInput } from "./model.js";
import { renderReportJson } from "./report-json.js";
import { renderReportMarkdown } from "./report-markdown.js";

/**
 * Every format `bench report --format` and `bench run --report` write, by name: a plain list of
 * renderers, each a pure function of the report's input (where the text goes is the caller's).
 */
const RENDERERS: Record<ReportFormat, (input: ReportInput) => string | Promise<string>> = {
  html: renderHtmlReport,
  md: renderReportMarkdown,
  csv: renderCsv,
  json: renderReportJson,
  bmf: renderBmf,
  gab: (input) => renderGab(input, "smaller"),
  "gab-bigger": (input) => renderGab(input, "bigger"),
};

export async function renderReport(input: ReportInput, format: ReportFormat): Promise<string> {
  return RENDERERS[format](input);
}
