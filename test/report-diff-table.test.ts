import { stripVTControlCharacters } from "node:util";
import { describe, expect, it } from "vitest";
import { renderDiffTable } from "../src/report/diff-table.js";
import { CLEAN_DIFF, SAMPLE_DIFF } from "./fixtures/runs/sample-diff.js";

describe("renderDiffTable", () => {
  it("puts the headline, environment and noise first, then every comparison and the leftovers", async () => {
    await expect(renderDiffTable(SAMPLE_DIFF, { color: false })).toMatchFileSnapshot("./fixtures/golden/diff-table.txt");
  });

  it("renders a clean A/B of two variants of one run", async () => {
    await expect(renderDiffTable(CLEAN_DIFF, { color: false })).toMatchFileSnapshot("./fixtures/golden/diff-table-clean.txt");
  });

  it("with colour paints the verdicts and adds nothing else", () => {
    const plain = renderDiffTable(SAMPLE_DIFF, { color: false });
    const colored = renderDiffTable(SAMPLE_DIFF, { color: true });
    expect(plain).not.toMatch(/\u001b\[/);
    expect(colored).toContain("\u001b[31m\u001b[1mregression\u001b[22m\u001b[39m");
    expect(colored).toContain("\u001b[32mimprovement\u001b[39m");
    expect(colored).toContain("\u001b[33minconclusive\u001b[39m");
    expect(stripVTControlCharacters(colored)).toBe(plain);
  });
});
