import { describe, expect, it } from "vitest";
import { renderDiffMarkdown } from "../src/report/markdown.js";
import { renderDiffTable } from "../src/report/diff-table.js";
import { CLEAN_DIFF } from "./fixtures/runs/sample-diff.js";

/** A comparison in which nothing could be compared must never read as a pass. */
describe("a gate that compared nothing", () => {
  const empty = { ...CLEAN_DIFF, comparisons: [], notComparable: [{ cell: "cls/fp32/b8/cpu/t2", reason: "head is failed" }] };

  it("says so in the table, not 'no regression'", () => {
    const text = renderDiffTable(empty, { color: false });
    expect(text).toMatch(/nothing compared: 1 cells on both sides, none comparable/);
    expect(text).not.toMatch(/no regression/);
  });

  it("gets no green tick in the Markdown summary", () => {
    const md = renderDiffMarkdown(empty, "quickstart");
    expect(md.split("\n")[0]).toBe("## ❌ quickstart: nothing compared: 1 cells on both sides, none comparable");
  });

  it("a clean comparison still passes", () => {
    expect(renderDiffMarkdown(CLEAN_DIFF, "quickstart").split("\n")[0]).toMatch(/^## ✅ quickstart: no regression/);
  });
});
