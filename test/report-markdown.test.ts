import { describe, expect, it } from "vitest";
import { renderDiffMarkdown } from "../src/report/markdown.js";
import { CLEAN_DIFF, SAMPLE_DIFF } from "./fixtures/runs/sample-diff.js";

describe("renderDiffMarkdown", () => {
  it("leads with the verdict, then regressions, improvements and everything folded away", async () => {
    await expect(renderDiffMarkdown(SAMPLE_DIFF, "quickstart")).toMatchFileSnapshot("./fixtures/golden/diff.md");
  });

  it("renders a clean comparison with the default title", async () => {
    await expect(renderDiffMarkdown(CLEAN_DIFF)).toMatchFileSnapshot("./fixtures/golden/diff-clean.md");
  });
});
