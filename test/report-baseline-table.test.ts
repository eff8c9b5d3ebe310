import { describe, expect, it } from "vitest";
import { type BaselineCell, cellResultOf, createBaseline, toBaselineCell } from "../src/baseline/format.js";
import { type BaselineListEntry, renderBaseline, renderBaselineJson, renderBaselineList } from "../src/report/baseline-table.js";
import { renderRunTable } from "../src/report/table.js";
import { RUN_INFO, SAMPLE_RUN, SAMPLES_NS } from "./fixtures/runs/sample-run.js";

const ENTRIES = [
  {
    suite: "quickstart",
    name: "broken",
    file: "baselines/quickstart/broken.json",
    run: "",
    createdAt: "",
    cells: 0,
    runNoise: "",
    error: "baselines/quickstart/broken.json: not valid JSON",
  },
  {
    suite: "quickstart",
    name: "main",
    file: "baselines/quickstart/main.json",
    run: "run00000001",
    createdAt: "2024-01-02T04:00:00.000Z",
    cells: 6,
    runNoise: "calibrated",
    error: null,
  },
  {
    suite: "remote",
    name: "nightly",
    file: "baselines/remote/nightly.json",
    run: "run00000002",
    createdAt: "2024-01-03T04:00:00.000Z",
    cells: 1,
    runNoise: "none",
    error: null,
  },
] satisfies BaselineListEntry[];

const CELLS: BaselineCell[] = SAMPLE_RUN.cells.map((c) => toBaselineCell(c, SAMPLES_NS[c.id]));
const BASELINE = createBaseline("main", RUN_INFO, { name: "quickstart" }, CELLS, new Date("2024-01-02T04:00:00.000Z"));

describe("baseline renderers", () => {
  it("list: one row per file, an unreadable one says why", async () => {
    await expect(renderBaselineList(ENTRIES, { dir: "baselines" })).toMatchFileSnapshot("./fixtures/golden/baseline-list.txt");
  });

  it("list: says how to save one when there is none", () => {
    expect(renderBaselineList([], { dir: "baselines" })).toBe("no baselines in baselines/ yet; save one with 'bench baseline save RUN --name NAME'\n");
  });

  it("show: thresholds and calibrated noise above the run's table", async () => {
    const b = { ...BASELINE, thresholds: { p50: 0.03, p99: 0.15 }, runNoise: { runs: 5, metrics: { p50: 0.021, p99: 0.153 }, cells: {} } };
    await expect(renderBaseline(b, { color: false })).toMatchFileSnapshot("./fixtures/golden/baseline-show.txt");
  });

  it("show: without thresholds or noise it is the header line and the run's table", () => {
    const table = renderRunTable({ run: RUN_INFO, cells: BASELINE.cells.map(cellResultOf) }, { color: false });
    expect(renderBaseline(BASELINE, { color: false })).toBe(`baseline 'main' of suite 'quickstart', saved 2024-01-02T04:00:00.000Z\n${table}`);
  });

  it("show --json: the baseline with sample counts instead of samples", async () => {
    await expect(renderBaselineJson(BASELINE)).toMatchFileSnapshot("./fixtures/golden/baseline-show.json");
  });
});
