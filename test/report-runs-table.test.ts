import { describe, expect, it } from "vitest";
import { type RunListEntry, renderRunsJson, renderRunsTable } from "../src/report/runs-table.js";
import { FINGERPRINT, RUN_INFO } from "./fixtures/runs/sample-run.js";

const RUNS = [
  { ...RUN_INFO, id: "run00000003", status: "interrupted", startedAt: "2024-01-03T00:00:00.000Z", finishedAt: null, cells: { ok: 2 } },
  { ...RUN_INFO, id: "run00000002", fingerprint: { ...FINGERPRINT, git: null }, cells: { ok: 4, failed: 1, skipped: 1 } },
  { ...RUN_INFO, status: "failed", fingerprint: { ...FINGERPRINT, git: { ...FINGERPRINT.git, dirty: false } }, cells: { failed: 6 } },
] satisfies RunListEntry[];

describe("renderRunsTable", () => {
  it("lists runs with their cell counts and commit", async () => {
    await expect(renderRunsTable(RUNS, { db: "results/bench.db" })).toMatchFileSnapshot("./fixtures/golden/runs-table.txt");
  });

  it("says where to start when the database has no run", () => {
    expect(renderRunsTable([], { db: "results/bench.db" })).toBe("no runs in results/bench.db yet; start one with 'bench run'\n");
  });

  it("prints the runs as JSON without their fingerprints", async () => {
    await expect(renderRunsJson(RUNS)).toMatchFileSnapshot("./fixtures/golden/runs.json");
  });
});
