import { describe, expect, it } from "vitest";
import { canaryText, changeWithCI, headline, methodText, pct, pValue, sensitivityText, thresholdText, unit } from "../src/report/diff-common.js";
import { bytesKb, num, withCI } from "../src/report/format.js";
import { BLIND_DIFF, CLEAN_DIFF, DISTURBED_DIFF, REGRESSION, SAMPLE_DIFF } from "./fixtures/runs/sample-diff.js";

/** One line per input, so a change of any helper shows as a changed line in the golden file. */
function lines<T>(inputs: readonly T[], f: (x: T) => string, show: (x: T) => string = String): string {
  return `${inputs.map((x) => `${show(x)} → ${f(x)}`).join("\n")}\n`;
}

describe("format helpers", () => {
  it("num: three significant digits, no exponent in the latency ranges", async () => {
    const xs = [0, 0.000123, 0.0123, 0.5, 1, 1.5, 4.1, 9.999, 10, 12.345, 99.99, 100, 150.25, 999.94, 1000, 12_345.6, -4.1, Infinity, NaN];
    await expect(lines(xs, num)).toMatchFileSnapshot("./fixtures/golden/format-num.txt");
  });

  it("withCI, bytesKb", async () => {
    const text =
      lines(
        [
          { value: 4.1, ci: [4.05, 4.16] as [number, number] },
          { value: 0.0123, ci: null },
        ],
        withCI,
        (e) => JSON.stringify(e),
      ) + lines([512, 204_800, 1024 * 1024, 3.5 * 1024 * 1024], bytesKb);
    await expect(text).toMatchFileSnapshot("./fixtures/golden/format-estimates.txt");
  });

  it("diff helpers: percentages, p-values, headlines, thresholds, methods, sensitivity, canary", async () => {
    const text = [
      lines([0, 0.001, 0.073, -0.0999, 0.1, -0.25, 1.5], pct),
      lines([0.00001, 0.0001, 0.04, 0.5], pValue),
      lines([REGRESSION], changeWithCI, (c) => `${c.cell} ${c.metric}`),
      lines(
        [
          SAMPLE_DIFF,
          CLEAN_DIFF,
          { ...CLEAN_DIFF, comparisons: [{ ...REGRESSION, verdict: "improvement" as const }] },
          BLIND_DIFF,
          { ...BLIND_DIFF, comparisons: [...BLIND_DIFF.comparisons, { ...REGRESSION, verdict: "improvement" as const }] },
          DISTURBED_DIFF,
          { ...CLEAN_DIFF, canary: { ...CLEAN_DIFF.canary, disturbed: true }, trials: { base: { count: 5, disturbed: 2 }, head: { count: 5, disturbed: 2 } } },
        ],
        headline,
        (d) => d.head,
      ),
      lines([SAMPLE_DIFF, CLEAN_DIFF], thresholdText, (d) => d.head),
      lines([SAMPLE_DIFF, CLEAN_DIFF, BLIND_DIFF], methodText, (d) => d.head),
      lines([SAMPLE_DIFF, BLIND_DIFF], sensitivityText, (d) => d.head),
      lines([SAMPLE_DIFF, CLEAN_DIFF, DISTURBED_DIFF, BLIND_DIFF], canaryText, (d) => d.head),
    ].join("");
    await expect(text).toMatchFileSnapshot("./fixtures/golden/format-diff.txt");
  });

  it("unit: ms for latencies, items/s for throughput", () => {
    expect(unit("p99")).toBe("ms");
    expect(unit("throughput")).toBe("items/s");
  });
});
