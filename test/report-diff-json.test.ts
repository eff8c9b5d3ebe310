import { describe, expect, it } from "vitest";
import { diffDocument, renderDiffJson } from "../src/report/diff-json.js";
import { SAMPLE_DIFF } from "./fixtures/runs/sample-diff.js";

describe("renderDiffJson", () => {
  it("prints the contract's document, extra keys after the contract's", async () => {
    await expect(renderDiffJson(SAMPLE_DIFF)).toMatchFileSnapshot("./fixtures/golden/diff.json");
  });

  it("keeps DESIGN.md's keys first, in order", () => {
    expect(Object.keys(diffDocument(SAMPLE_DIFF)).slice(0, 3)).toEqual(["base", "head", "comparisons"]);
    expect(Object.keys(diffDocument(SAMPLE_DIFF).comparisons[0] ?? {}).slice(0, 8)).toEqual([
      "cell",
      "metric",
      "base",
      "head",
      "change",
      "ci",
      "pValue",
      "verdict",
    ]);
  });
});
