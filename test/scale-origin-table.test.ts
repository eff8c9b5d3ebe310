import { describe, expect, it } from "vitest";
import { renderRunTable } from "../src/report/table.js";
import type { RunInfo } from "../src/results.js";
import { FINGERPRINT, RUN_INFO, SAMPLE_RUN } from "./fixtures/runs/sample-run.js";

describe("the run table's header says where a run came from", () => {
  const header = (origin: RunInfo["origin"]) =>
    renderRunTable({ run: { ...(RUN_INFO as RunInfo), origin }, cells: SAMPLE_RUN.cells.slice(0, 1) }, { color: false })
      .split("\n")
      .slice(0, 6)
      .join("\n");

  it("a shard, a load shard, a merge of several machines (and what --force let through), an import", () => {
    expect(header({ shard: { index: 2, count: 3 } })).toContain("\nshard 2 of 3\n");
    expect(header({ loadShard: { index: 1, count: 4 } })).toContain("load shard 1 of 4: each load cell sent 1/4 of its load");
    const part = (host: string) => ({
      source: host,
      runId: host,
      shard: null,
      loadShard: null,
      trialOffset: 0,
      cells: 1,
      fingerprint: { ...FINGERPRINT, host: { ...FINGERPRINT.host, hostname: host } },
    });
    const merged = header({ merged: { mode: "trials", parts: [part("a"), part("b"), part("b")], forced: ["cpuModel"] } });
    expect(merged).toContain("merged from 3 runs (trials) on 2 machines");
    expect(merged).toContain("merged with --force although the machines differ in cpuModel");
    expect(header({ imported: { file: "x.json", at: "2026-01-01T00:00:00.000Z" } })).toContain("imported from x.json at 2026-01-01T00:00:00.000Z");
    // A plain run: nothing added.
    expect(header(undefined)).not.toMatch(/shard|merged|imported/);
  });
});
