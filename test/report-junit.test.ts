import { describe, expect, it } from "vitest";
import { renderJUnit } from "../src/report/junit.js";
import { CLEAN_DIFF, SAMPLE_DIFF } from "./fixtures/runs/sample-diff.js";

describe("renderJUnit", () => {
  it("makes a test case per cell, a failure per regressed cell, a skip per cell not compared", async () => {
    const xml = renderJUnit([
      { diff: SAMPLE_DIFF, name: "quickstart" },
      { diff: CLEAN_DIFF, name: `A/B "fp32" <vs> int8 & co` },
    ]);
    await expect(xml).toMatchFileSnapshot("./fixtures/golden/junit.xml");
  });

  it("counts tests and failures over all suites", () => {
    const xml = renderJUnit([{ diff: SAMPLE_DIFF, name: "quickstart" }]);
    expect(xml).toContain(`<testsuites name="bench" tests="5" failures="1">`);
  });
});
