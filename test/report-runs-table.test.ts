import { describe, expect, it } from "vitest";
import { type RunListEntry, renderRunsJson, renderRunsTable } from "../src/report/runs-table.js";
import { FINGERPRINT, RUN_INFO } from "./fixtures/runs/sample-run.js";

const { id, suite, status, startedAt, finishedAt } = RUN_INFO;
const RUN = { id, suite, status, startedAt, finishedAt, git: FINGERPRINT.git };
const RUNS = [
  { ...RUN, id: "run00000003", status: "interrupted", startedAt: "2024-01-03T00:00:00.000Z", finishedAt: null, cells: { ok: 2 } },
  { ...RUN, id: "run00000002", git: null, cells: { ok: 4, failed: 1, skipped: 1 } },
  { ...RUN, status: "failed", git: { ...FINGERPRINT.git, dirty: false }, cells: { failed: 6 } },
] satisfies RunListEntry[];

describe("renderRunsTable", () => {
  it("lists runs with their cell counts and commit", async () => {
    await expect(renderRunsTable(RUNS, { db: "results/bench.db" })).toMatchFileSnapshot("./fixtures/golden/runs-table.txt");
  });

  it("draws as many rows as runs, every line as wide as the others, wide characters counted twice", () => {
    const many = Array.from({ length: 1000 }, (_, i) => ({
      ...RUN,
      id: `run${String(i).padStart(8, "0")}`,
      suite: i === 7 ? "模型-ü" : suite,
      cells: { ok: i },
    }));
    const lines = renderRunsTable(many, { db: "x.db" }).trimEnd().split("\n");
    expect(lines).toHaveLength(1000 + 4);
    const widths = new Set(lines.map((l) => Array.from(l).length + (l.includes("模型") ? 2 : 0)));
    expect(widths.size).toBe(1);
    expect(lines[3 + 999]).toContain("│ 999/0/0 ");
  });

  it("says where to start when the database has no run", () => {
    expect(renderRunsTable([], { db: "results/bench.db" })).toBe("no runs in results/bench.db yet; start one with 'bench run'\n");
  });

  it("prints the runs as JSON without their fingerprints", async () => {
    await expect(renderRunsJson(RUNS)).toMatchFileSnapshot("./fixtures/golden/runs.json");
  });
});
