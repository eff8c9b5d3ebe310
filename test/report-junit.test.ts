import { describe, expect, it } from "vitest";
import { renderJUnit } from "../src/report/junit.js";
import { BLIND_DIFF, CLEAN_DIFF, DISTURBED_DIFF, SAMPLE_DIFF } from "./fixtures/runs/sample-diff.js";

describe("renderJUnit", () => {
  it("makes a test case per cell, a failure per regressed cell, a skip per cell not compared", async () => {
    const xml = renderJUnit([
      { diff: SAMPLE_DIFF, name: "quickstart" },
      { diff: CLEAN_DIFF, name: `A/B "fp32" <vs> int8 & co` },
    ]);
    await expect(xml).toMatchFileSnapshot("./fixtures/golden/junit.xml");
  });

  it("counts tests, failures and skips over all suites", () => {
    const xml = renderJUnit([{ diff: SAMPLE_DIFF, name: "quickstart" }]);
    // 3 cells compared, the machine canary, 2 cells not compared; skipped: a row without an interval and the 2 not compared
    expect(xml).toContain(`<testsuites name="bench" tests="6" failures="1" skipped="3">`);
  });

  it("skips (never passes) a cell whose comparisons were inconclusive, saying how much it could have seen", () => {
    const xml = renderJUnit([{ diff: BLIND_DIFF, name: "quickstart" }]);
    expect(xml).toContain(`<testsuite name="quickstart" tests="2" failures="0" skipped="2" errors="0">`);
    expect(xml).toContain(`<skipped message="inconclusive: p90 +10% (-4.0% … +26%), smallest detectable 9.8%"/>`);
    expect(xml).toContain(`<property name="inconclusive" value="2 of 4"/>`);
  });

  it("skips the machine canary when the machine was disturbed", () => {
    const xml = renderJUnit([{ diff: DISTURBED_DIFF, name: "quickstart" }]);
    expect(xml).toMatch(
      /<testcase classname="quickstart" name="machine canary">\n {6}<skipped message="machine canary 10\.00 → 11\.50 ms \(\+15%\): moved more than 10%/,
    );
  });
});
