import type { ReportInput } from "../model.js";

/** Stub so the CLI compiles on this branch; the HTML report with its charts lands from its own branch. */
export function renderHtmlReport(input: ReportInput): Promise<string> {
  const title = input.runs.map((r) => r.run.id).join(" vs ") || "history";
  return Promise.resolve(
    `<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>bench report</title></head><body><h1>${title}</h1></body></html>\n`,
  );
}
