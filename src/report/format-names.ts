/**
 * The names of the report formats, apart from their renderers so that the command line can list
 * them without loading the HTML renderer's charting library.
 */
export const REPORT_FORMATS = ["html", "md", "csv", "json", "bmf", "gab", "gab-bigger"] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

const BY_EXTENSION: Readonly<Record<string, ReportFormat>> = { ".html": "html", ".htm": "html", ".md": "md", ".csv": "csv", ".json": "json" };

/** The format a file name asks for by its extension (case-insensitive); undefined when it names none. */
export function formatOfFile(file: string): ReportFormat | undefined {
  const dot = file.lastIndexOf(".");
  return dot > file.lastIndexOf("/") ? BY_EXTENSION[file.slice(dot).toLowerCase()] : undefined;
}
