/**
 * Build the HTML report's input from a results database and open pages in headless Chromium:
 * shared by scripts/screenshot-report.ts and the HTML report's tests.
 */
import { runsInput } from "../src/cli/report.js";
import type { ReportInput } from "../src/report/model.js";
import { Store } from "../src/store/db.js";
import { chromium, type Browser } from "playwright-core";

/**
 * The runs `refs` names (ids, prefixes, latest, latest~N), their samples and suites; a comparison
 * when there are two: `bench report`'s own input (cli/report.ts runsInput), read eagerly so the
 * store can be closed.
 */
export function reportInputFromStore(db: string, refs: readonly string[]): ReportInput {
  const store = Store.open(db, { mode: "read" });
  try {
    const input = runsInput(refs, { baselines: "baselines" }, () => store);
    const samples = new Map(input.runs.flatMap((r) => r.cells.map((c) => [`${r.run.id}/${c.id}`, input.samples?.(r.run.id, c.id)] as const)));
    const suites = new Map(input.runs.map((r) => [r.run.id, input.resolvedSuite?.(r.run.id)]));
    return { ...input, samples: (runId, cellId) => samples.get(`${runId}/${cellId}`), resolvedSuite: (runId) => suites.get(runId) };
  } finally {
    store.close();
  }
}

/** Debian's chromium, or CHROMIUM; headless, offline, nothing in the background. */
export const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}
