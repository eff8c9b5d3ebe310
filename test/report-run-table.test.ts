import { stripVTControlCharacters } from "node:util";
import { describe, expect, it } from "vitest";
import { countStatuses, renderRunTable } from "../src/report/table.js";
import { RUN_INFO, SAMPLE_RUN } from "./fixtures/runs/sample-run.js";

describe("renderRunTable", () => {
  it("renders every kind of cell, the notes and the footer", async () => {
    await expect(renderRunTable(SAMPLE_RUN, { color: false })).toMatchFileSnapshot("./fixtures/golden/run-table.txt");
  });

  it("says an interrupted, quiet run in its header", async () => {
    const run = { ...RUN_INFO, status: "interrupted" as const, noise: null };
    await expect(renderRunTable({ run, cells: SAMPLE_RUN.cells.slice(0, 1) }, { color: false })).toMatchFileSnapshot(
      "./fixtures/golden/run-table-interrupted.txt",
    );
  });

  it("with colour adds ANSI codes and nothing else", () => {
    const plain = renderRunTable(SAMPLE_RUN, { color: false });
    const colored = renderRunTable(SAMPLE_RUN, { color: true });
    expect(plain).not.toMatch(/\u001b\[/);
    expect(colored).toContain("\u001b[1mrun run00000001\u001b[22m");
    expect(colored).toContain("\u001b[31mFAILED\u001b[39m");
    expect(colored).toContain("\u001b[33mskipped\u001b[39m");
    expect(stripVTControlCharacters(colored)).toBe(plain);
  });

  it("counts statuses, unconverged and noisy cells", () => {
    expect(countStatuses(SAMPLE_RUN.cells)).toEqual({ ok: 4, failed: 1, skipped: 1, unconverged: 1, noisy: 1 });
  });
});
