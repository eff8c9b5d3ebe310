/**
 * Build the HTML report's input from a results database and open pages in headless Chromium:
 * shared by scripts/screenshot-report.ts and the HTML report's tests. (`bench report` builds the
 * same input in the CLI.)
 */
import { loadSide } from "../src/cli/sides.js";
import { compareSides } from "../src/compare/index.js";
import type { ReportInput } from "../src/report/model.js";
import { Store } from "../src/store/db.js";
import { chromium, type Browser } from "playwright-core";

/** The runs `refs` names (ids, prefixes, latest, latest~N), their samples and suites; a comparison when there are two. */
export function reportInputFromStore(db: string, refs: readonly string[]): ReportInput {
  const store = Store.open(db, { mode: "read" });
  try {
    const ids = refs.map((r) => store.resolveRun(r));
    const loaded = ids.map((id) => store.loadRun(id));
    const samples = new Map(loaded.flatMap((r) => r.cells.map((c) => [`${r.run.id}/${c.id}`, store.loadSamples(r.run.id, c.id)] as const)));
    const suites = new Map(loaded.map((r) => [r.run.id, r.resolvedSuite]));
    const [base, head] = ids;
    const diff =
      ids.length === 2 && base !== undefined && head !== undefined
        ? compareSides(
            loadSide(base, { store: () => store, baselinesDir: "baselines" }),
            loadSide(head, { store: () => store, baselinesDir: "baselines" }),
            {},
            1,
          )
        : undefined;
    return {
      runs: loaded.map(({ run, cells }) => ({ run, cells })),
      samples: (runId, cellId) => samples.get(`${runId}/${cellId}`),
      resolvedSuite: (runId) => suites.get(runId),
      ...(diff ? { diff } : {}),
    };
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
